"""Watching one workflow until it finishes: :class:`WorkflowEvent`, :class:`WaitTimeout`.

The reconnect logic is :class:`WatchMachine`, a small state machine with no I/O (an async
client reuses it); :func:`watch_workflow` drives it with the synchronous transport.

Protocol (FACTS §1.4, §6.8):

1. ``GET /api/v1/workflows/{ns}/{name}`` (the server falls back to the archive): yielded as an
   ``ADDED`` event; when the workflow is already finished the watch ends there.
2. ``GET /api/v1/workflow-events/{ns}`` in SSE mode with
   ``listOptions.fieldSelector=metadata.name=NAME`` and ``listOptions.resourceVersion`` from
   the GET (or ``"0"``). Only events with a resourceVersion not seen before are yielded
   (:class:`~tiphys.client.streams.WatchDeduper`). The watch ends after yielding a finished
   workflow or a ``DELETED`` event.
3. An error chunk, an EOF or a dropped connection reconnects from the last resourceVersion
   seen, after a jittered backoff; after ``max_failures`` consecutive ends without a new event
   (not counting ends of streams that were open :data:`HEALTHY_STREAM_SECONDS` or more) the
   last error is raised. ``"too old resource version"`` restarts from a fresh GET and a
   watch from ``"0"``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tiphys.client.errors import ArgoServerError, ServerUnavailable
from tiphys.client.streams import StreamError, WatchDeduper, decode_compressed_nodes, messages
from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from tiphys.client.aclient import AsyncClient
    from tiphys.client.client import Client

__all__ = [
    "FINISHED_PHASES",
    "HEALTHY_STREAM_SECONDS",
    "WaitTimeout",
    "WatchMachine",
    "WorkflowEvent",
    "gave_up",
    "is_finished",
    "watch_workflow",
    "watch_workflow_async",
]

#: Seconds a stream must have been open for its end to be an ordinary cut (the Kubernetes
#: watch behind it closes every 30-60 min; keepalives come every 15 s), not a failure.
HEALTHY_STREAM_SECONDS = 30.0

#: Workflow phases after which nothing more happens.
FINISHED_PHASES = frozenset({"Succeeded", "Failed", "Error"})


def is_finished(workflow: Mapping[str, Any]) -> bool:
    """Whether a workflow is done: ``status.finishedAt`` is set or its phase is terminal.

    Args:
        workflow: A Workflow object.

    Returns:
        True for a finished workflow (``Pending`` and ``Running`` are not).
    """
    status = workflow.get("status") or {}
    return bool(status.get("finishedAt")) or status.get("phase") in FINISHED_PHASES


def _decoded(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``workflow`` whose ``status.nodes`` is decoded from ``compressedNodes``."""
    status = workflow.get("status")
    if not isinstance(status, Mapping) or not status.get("compressedNodes"):
        return dict(workflow)
    out = dict(workflow)
    new_status = {k: v for k, v in status.items() if k != "compressedNodes"}
    new_status["nodes"] = decode_compressed_nodes(status)
    out["status"] = new_status
    return out


@dataclass(frozen=True)
class WorkflowEvent:
    """One change of a watched workflow.

    Attributes:
        type: ``"ADDED"`` (the first GET, or a watch's first event), ``"MODIFIED"`` or
            ``"DELETED"``.
        workflow: The whole Workflow; ``status.nodes`` is decoded from
            ``status.compressedNodes`` when the server compressed it. A ``DELETED`` event
            carries the last object.
    """

    type: str
    workflow: dict[str, Any]

    def __repr__(self) -> str:
        """``WorkflowEvent(type='MODIFIED', workflow=argo/name, phase='Running')``: one line,
        never the (possibly huge) workflow itself."""
        meta = self.workflow.get("metadata") or {}
        name = "/".join(str(p) for p in (meta.get("namespace"), meta.get("name")) if p)
        return f"WorkflowEvent(type={self.type!r}, workflow={name}, phase={self.phase!r})"

    @property
    def phase(self) -> str:
        """``status.phase``, or ``""`` when not set yet."""
        return str((self.workflow.get("status") or {}).get("phase") or "")

    @property
    def finished(self) -> bool:
        """``status.finishedAt`` is set, or the phase is Succeeded, Failed or Error."""
        return is_finished(self.workflow)


class WaitTimeout(TiphysError):
    """A watch or wait did not see the workflow finish within its timeout (CLI exit 4).

    Attributes:
        timeout: The timeout in seconds.
        name: The workflow's name.
        phase: The last phase seen (``""`` when none).
    """

    def __init__(self, name: str, timeout: float, phase: str = "") -> None:
        self.timeout = timeout
        self.name = name
        self.phase = phase
        last = f"; it was last seen {phase}" if phase else ""
        super().__init__(
            f"workflow {name} did not finish within {timeout:g} s{last}. It keeps running on "
            f"the server: wait longer (a larger --timeout), look at it with `tiphys get {name}`, "
            f"or end it with `tiphys stop {name}`."
        )


class WatchMachine:
    """The watch's reconnect logic, without I/O.

    The driver loops: when :attr:`needs_get`, GET the workflow and feed :meth:`on_get`;
    otherwise open the stream with :meth:`query`, feed each message's result to
    :meth:`on_result`, then :meth:`on_end` with the error that ended the stream (``None`` for
    an EOF); it raises when the watch must give up, else the driver sleeps the backoff of
    attempt :attr:`failures`. Events returned are to be yielded; stop when :attr:`done`.

    Args:
        name: The workflow's name.
        max_failures: Consecutive stream ends without a new event before giving up
            (default 5).
        path: The stream's request path, for the error raised when giving up.
    """

    def __init__(self, name: str, *, max_failures: int = 5, path: str = "") -> None:
        self.name = name
        self.path = path
        self.max_failures = max(1, max_failures)
        self.needs_get = True
        self.done = False
        self.failures = 0
        self.last: dict[str, Any] | None = None
        self._resource_version = "0"
        self._too_old = False
        self._dedupe = WatchDeduper()

    @property
    def phase(self) -> str:
        """The last phase seen, ``""`` before any."""
        return str(((self.last or {}).get("status") or {}).get("phase") or "")

    def query(self) -> dict[str, str]:
        """Query of the workflow-events request (``listOptions.fieldSelector`` and RV)."""
        return {
            "listOptions.fieldSelector": f"metadata.name={self.name}",
            "listOptions.resourceVersion": self._resource_version,
        }

    def on_get(self, workflow: Mapping[str, Any]) -> WorkflowEvent | None:
        """Feed the Workflow a GET returned.

        Args:
            workflow: The Workflow. Its ``metadata.name`` becomes :attr:`name` (the server
                resolves ``@latest`` on GET; events carry the real name).

        Returns:
            An ``ADDED`` event when this state was not yielded before, else ``None``.
        """
        self.needs_get = False
        meta = workflow.get("metadata") or {}
        if meta.get("name"):  # an alias such as @latest: follow the workflow it names
            self.name = str(meta["name"])
        rv = meta.get("resourceVersion")
        self._resource_version = "0" if self._too_old or not rv else str(rv)
        if self._dedupe.observe(workflow):
            return self._deliver("ADDED", workflow)
        if is_finished(workflow):
            self.done = True
        return None

    def on_result(self, result: Mapping[str, Any]) -> WorkflowEvent | None:
        """Feed one watch message's ``result`` (``{"type", "object"}``).

        Args:
            result: The message's result.

        Returns:
            The event to yield, or ``None`` for a repeat or an event of another workflow.
        """
        obj = result.get("object")
        kind = str(result.get("type") or "")
        if not isinstance(obj, Mapping) or (obj.get("metadata") or {}).get("name") != self.name:
            return None
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if not self._dedupe.accept(result):
            return None
        if rv and kind != "DELETED":
            self._resource_version = str(rv)
        if kind == "DELETED":
            workflow = dict(obj)
            if not (workflow.get("status") or {}).get("phase") and self.last is not None:
                workflow["status"] = copy.deepcopy(self.last.get("status") or {})
            event = self._deliver("DELETED", workflow)
            self.done = True
            return event
        return self._deliver(kind or "MODIFIED", obj)

    def on_end(self, error: Exception | None, *, lasted: float | None = None) -> None:
        """Record the end of a stream and decide how to go on.

        Args:
            error: The :class:`~tiphys.client.streams.StreamError` of an error chunk, the
                :class:`~tiphys.client.errors.ArgoServerError` of a dropped connection or a
                read timeout, or ``None`` for an EOF.
            lasted: Seconds the stream was open, when known. A stream open at least
                :data:`HEALTHY_STREAM_SECONDS` ended normally: the count of ends without a
                new event starts again (an idle workflow may wait for hours).

        Raises:
            ServerUnavailable: ``max_failures`` consecutive ends without a new event (not
                retryable; the message names the last error).
            ArgoServerError: A non-retryable server error, at once.
        """
        if isinstance(error, ArgoServerError) and not error.retryable:
            raise error
        if lasted is not None and lasted >= HEALTHY_STREAM_SECONDS:
            self.failures = 0
        self.failures += 1
        if isinstance(error, StreamError) and error.too_old_resource_version:
            self.needs_get = True
            self._too_old = True
        if self.failures >= self.max_failures:
            raise gave_up(f"the watch of workflow {self.name}", self.failures, error, self.path)

    def _deliver(self, kind: str, workflow: Mapping[str, Any]) -> WorkflowEvent:
        event = WorkflowEvent(kind, _decoded(workflow))
        self.failures = 0
        self.last = event.workflow
        if event.finished:
            self.done = True
        return event


def gave_up(what: str, times: int, error: Exception | None, path: str) -> ServerUnavailable:
    """The error raised when a stream reconnected too often without progress.

    Args:
        what: What gave up (``"the watch of workflow X"``).
        times: Consecutive ends without progress.
        error: The last end's error, or ``None`` for an EOF.
        path: The stream's request path.

    Returns:
        A non-retryable :class:`~tiphys.client.errors.ServerUnavailable` (not raised).
    """
    if isinstance(error, StreamError):
        last = f"the server's last error: {error.message}"
    elif error is not None:
        last = f"last: {error}"
    else:
        last = "each time the server closed it"
    return ServerUnavailable(
        f"{what} ended {times} times in a row with nothing new ({last}); check the Argo "
        "Server and any proxy in front of it (idle timeouts cut streams), then run the "
        "command again.",
        method="GET",
        path=path,
        retryable=False,
    )


class _Deadline:
    """The time left of a watch with a timeout (shared by the sync and async drivers)."""

    def __init__(
        self,
        machine: WatchMachine,
        timeout: float | None,
        clock: Callable[[], float],
        read_timeout: float,
    ) -> None:
        self._machine = machine
        self._timeout = timeout
        self._clock = clock
        self._read_timeout = read_timeout
        self._deadline = None if timeout is None else clock() + timeout

    def left(self) -> float | None:
        """Seconds left (``None`` without a timeout); raises :class:`WaitTimeout` at 0."""
        if self._deadline is None:
            return None
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise WaitTimeout(self._machine.name, float(self._timeout or 0), self._machine.phase)
        return remaining

    def read(self) -> float:
        """Seconds the next stream read may wait: ``min(read timeout, time left)``."""
        remaining = self.left()
        return self._read_timeout if remaining is None else min(self._read_timeout, remaining)


def _events_path(namespace: str) -> str:
    return f"/api/v1/workflow-events/{quote(namespace, safe='')}"


def watch_workflow(
    client: Client,
    name: str,
    namespace: str | None = None,
    *,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    max_failures: int = 5,
) -> Iterator[WorkflowEvent]:
    """Yield the changes of one workflow until it finishes or is deleted (see the module).

    Args:
        client: The client.
        name: Workflow name.
        namespace: Its namespace; default the client's.
        timeout: Seconds for the whole watch, or ``None`` for no limit; each stream read waits
            at most ``min(read timeout, time left)``.
        clock: Monotonic seconds (``time.monotonic``).
        max_failures: Consecutive stream ends without a new event before giving up.

    Yields:
        :class:`WorkflowEvent` in order, each state once.

    Raises:
        WaitTimeout: ``timeout`` seconds passed before the workflow finished.
        NotFound: The workflow does not exist (the first GET).
        ArgoServerError: Another error before a stream started, or too many reconnects
            without a new event (:class:`~tiphys.client.errors.ServerUnavailable`).
    """
    ns = namespace or client.namespace
    transport = client._transport
    path = _events_path(ns)
    machine = WatchMachine(name, max_failures=max_failures, path=path)
    clock_ = _Deadline(machine, timeout, clock, client.config.read_timeout)

    def timed(lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            clock_.left()
            yield line

    while True:
        if machine.needs_get:
            clock_.left()
            event = machine.on_get(client.get(machine.name, ns))
            if event is not None:
                yield event
            if machine.done:
                return
            continue
        failure: Exception | None = None
        opened = clock()
        try:
            with transport.stream(path, query=machine.query(), read_timeout=clock_.read()) as s:
                for message in messages(timed(s.lines())):
                    if message.error is not None:
                        failure = message.error
                        break
                    event = machine.on_result(message.unwrap())
                    if event is not None:
                        yield event
                    if machine.done:
                        return
        except ArgoServerError as exc:
            clock_.left()
            failure = exc
        machine.on_end(failure, lasted=clock() - opened)
        clock_.left()
        transport.pause(machine.failures)


async def watch_workflow_async(
    client: AsyncClient,
    name: str,
    namespace: str | None = None,
    *,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    max_failures: int = 5,
) -> AsyncIterator[WorkflowEvent]:
    """:func:`watch_workflow` over the async client: the same :class:`WatchMachine`.

    Args:
        client: The async client.
        name: Workflow name.
        namespace: Its namespace; default the client's.
        timeout: Seconds for the whole watch, or ``None`` for no limit.
        clock: Monotonic seconds (``time.monotonic``).
        max_failures: Consecutive stream ends without a new event before giving up.

    Yields:
        :class:`WorkflowEvent` in order, each state once.

    Raises:
        WaitTimeout: ``timeout`` seconds passed before the workflow finished.
        NotFound: The workflow does not exist (the first GET).
        ArgoServerError: As :func:`watch_workflow`.
    """
    from tiphys.client.streams import amessages

    ns = namespace or client.namespace
    transport = client._transport
    path = _events_path(ns)
    machine = WatchMachine(name, max_failures=max_failures, path=path)
    clock_ = _Deadline(machine, timeout, clock, client.config.read_timeout)

    async def timed(lines: AsyncIterator[str]) -> AsyncIterator[str]:
        async for line in lines:
            clock_.left()
            yield line

    while True:
        if machine.needs_get:
            clock_.left()
            event = machine.on_get(await client.get(machine.name, ns))
            if event is not None:
                yield event
            if machine.done:
                return
            continue
        failure: Exception | None = None
        opened = clock()
        try:
            async with transport.stream(
                path, query=machine.query(), read_timeout=clock_.read()
            ) as s:
                async for message in amessages(timed(s.lines())):
                    if message.error is not None:
                        failure = message.error
                        break
                    event = machine.on_result(message.unwrap())
                    if event is not None:
                        yield event
                    if machine.done:
                        return
        except ArgoServerError as exc:
            clock_.left()
            failure = exc
        machine.on_end(failure, lasted=clock() - opened)
        clock_.left()
        await transport.pause(machine.failures)
