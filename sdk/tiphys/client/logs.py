"""A workflow's logs: :class:`LogLine`, :class:`LogStream` and their reconnect logic.

``GET /api/v1/workflows/{ns}/{name}/log`` in SSE mode, always with
``logOptions.timestamps=true`` (to resume and deduplicate). The log API has no cursor
(FACTS §1.4): while following, a dropped stream reconnects only while the workflow is
unfinished (a GET checks), resuming with ``logOptions.sinceTime.seconds`` and dropping the
lines already yielded (:class:`~tiphys.client.streams.LogDeduper`): at-least-once from the
server, each line once to the caller.

Logs come from live pods only. When the workflow is finished and no line came, the
``main-logs`` output artifact of each pod node is read instead (``archiveLogs: true``); when
there is none, :attr:`LogStream.notice` says why there are no logs. A workflow deleted but
archived (the log API answers 404, the GET falls back to the archive) has its artifacts read
from ``/artifact-files/{ns}/archived-workflows/{uid}/...`` when the live route fails.

The reconnect logic is :class:`LogMachine`, without I/O (an async client reuses it).
"""

from __future__ import annotations

import functools
import gzip
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tiphys.argo.nodes import POD_NAME_FORMAT, fnv32a, node_pod_name, pod_name
from tiphys.client._calls import live_then_archived, live_then_archived_async
from tiphys.client.errors import ArgoServerError, NotFound
from tiphys.client.streams import LogDeduper, messages, split_timestamp
from tiphys.client.watch import HEALTHY_STREAM_SECONDS, gave_up, is_finished
from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from tiphys.client.aclient import AsyncClient
    from tiphys.client.client import Client

__all__ = [
    "MAIN_LOGS",
    "POD_NAME_FORMAT",
    "AsyncLogStream",
    "LogLine",
    "LogMachine",
    "LogStream",
    "fnv32a",
    "node_pod_name",
    "parse_time",
    "pod_name",
    "stream_logs",
    "stream_logs_async",
]

#: Name of the output artifact holding a pod's archived main-container log.
MAIN_LOGS = "main-logs"


def parse_time(stamp: str) -> datetime | None:
    """Parse an RFC3339Nano timestamp (``2026-11-29T10:00:01.123456789Z``) to UTC.

    Args:
        stamp: The timestamp; digits past microseconds are dropped.

    Returns:
        An aware UTC datetime, or ``None`` when ``stamp`` is not such a timestamp.
    """
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)", stamp)
    if match is None:
        return None
    frac = (match.group(2) or "")[:6].ljust(6, "0")
    zone = "+00:00" if match.group(3) in ("Z", "z") else match.group(3)
    try:
        return datetime.fromisoformat(f"{match.group(1)}.{frac}{zone}").astimezone(UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class LogLine:
    """One log line of a workflow's pod.

    Attributes:
        pod_name: The pod (``podName``; ``""`` when the server sent none).
        content: The line, without its timestamp.
        time: When the container wrote it (UTC), or ``None`` (archived logs have none).
    """

    pod_name: str
    content: str
    time: datetime | None


class LogStream(Iterator[LogLine]):
    """An iterator of :class:`LogLine`; after iteration :attr:`notice` says why none came.

    Args:
        source: Called once with this stream; returns the lines' iterator (it may set
            :attr:`notice`).

    Attributes:
        notice: After iteration: why there were no lines (e.g. the pods were deleted and no
            ``main-logs`` artifact was archived), else ``None``.
    """

    def __init__(self, source: Callable[[LogStream], Iterator[LogLine]]) -> None:
        self.notice: str | None = None
        self._lines = source(self)

    def __iter__(self) -> LogStream:
        return self

    def __next__(self) -> LogLine:
        return next(self._lines)

    def close(self) -> None:
        """Stop reading and close the connection (also on leaving a ``with`` block)."""
        close = getattr(self._lines, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> LogStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncLogStream(AsyncIterator[LogLine]):
    """:class:`LogStream` for :class:`~tiphys.client.AsyncClient`: an async iterator of
    :class:`LogLine`; after iteration :attr:`notice` says why none came.

    Args:
        source: Called once with this stream; returns the lines' async iterator.

    Attributes:
        notice: After iteration: why there were no lines, else ``None``.
    """

    def __init__(self, source: Callable[[AsyncLogStream], AsyncIterator[LogLine]]) -> None:
        self.notice: str | None = None
        self._lines = source(self)

    def __aiter__(self) -> AsyncLogStream:
        return self

    async def __anext__(self) -> LogLine:
        return await self._lines.__anext__()

    async def aclose(self) -> None:
        """Stop reading and close the connection (also on leaving an ``async with`` block)."""
        close = getattr(self._lines, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> AsyncLogStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class LogMachine:
    """The log stream's reconnect logic, without I/O.

    The driver opens the stream with :meth:`query`, feeds each message's result to
    :meth:`on_result`, then calls :meth:`on_end` with the error that ended it (``None`` for a
    clean end) and whether the workflow is finished (a GET, only when following); it returns
    whether to reconnect and raises when the stream must give up.

    Args:
        query: The first request's query (``logOptions.*``, ``podName``, ``grep``, ...).
        follow: Whether the stream follows (``logOptions.follow``).
        max_failures: Consecutive ends without a new line before giving up (default 5).
        path: The stream's request path, for the error raised when giving up.
        grep: Only lines (without their timestamp) matching this regex (``re.search``); the
            server's ``grep`` sees the timestamped content, so it is only a pre-filter.

    Raises:
        TiphysError: ``grep`` is not a regex Python reads and the server cannot apply it.
    """

    def __init__(
        self,
        query: Mapping[str, str],
        *,
        follow: bool,
        max_failures: int = 5,
        path: str = "",
        grep: str | None = None,
    ) -> None:
        from tiphys.client._calls import grep_on_server

        self._grep: re.Pattern[str] | None = None
        if grep:
            try:
                self._grep = re.compile(grep)
            except re.error as exc:
                if not grep_on_server(grep):
                    raise TiphysError(
                        f"cannot filter the log lines with grep {grep!r}: {exc}; write the "
                        "pattern in the syntax common to RE2 and Python."
                    ) from None
        self._base = dict(query)
        self.path = path
        self.follow = follow
        self.max_failures = max(1, max_failures)
        self.failures = 0
        self.lines = 0
        self._dedupe = LogDeduper()
        self._since: int | None = None
        self._resumed = False

    def query(self) -> dict[str, str]:
        """Query of the next request: the first one's, then resumed with ``sinceTime``."""
        if not self._resumed:
            return dict(self._base)
        query = {
            k: v
            for k, v in self._base.items()
            if k not in ("logOptions.sinceSeconds", "logOptions.tailLines")
        }
        if self._since is not None:
            query.pop("logOptions.sinceTime.seconds", None)
            query.pop("logOptions.sinceTime.nanos", None)
            query["logOptions.sinceTime.seconds"] = str(self._since)
        return query

    def on_result(self, result: Mapping[str, Any]) -> LogLine | None:
        """Feed one message's result (``{"content", "podName"}``, both may be absent).

        Args:
            result: The message's result.

        Returns:
            The line to yield, or ``None`` for a line already yielded or not matching
            ``grep``.
        """
        pod = str(result.get("podName") or "")
        content = str(result.get("content") or "")
        if not self._dedupe.accept(pod, content):
            return None
        self.failures = 0
        stamp, line = split_timestamp(content)
        if self._grep is not None and self._grep.search(line) is None:
            return None
        self.lines += 1
        return LogLine(pod, line, parse_time(stamp) if stamp else None)

    def on_end(
        self, error: Exception | None, finished: bool, *, lasted: float | None = None
    ) -> bool:
        """Record the end of a stream and say whether to reconnect.

        Args:
            error: The stream error chunk or the server error that ended it, or ``None``.
            finished: Whether the workflow is finished (only read when following).
            lasted: Seconds the stream was open, when known; a stream open at least
                :data:`~tiphys.client.watch.HEALTHY_STREAM_SECONDS` ended normally (a quiet
                pod's stream cut by a proxy) and restarts the count of ends without a line.

        Returns:
            True to reconnect (following an unfinished workflow), False when done.

        Raises:
            StreamError: Not following and the stream ended with an error chunk.
            ServerUnavailable: Following, ``max_failures`` ends in a row without a new line.
            ArgoServerError: A server error when not following, or a non-retryable one.
        """
        if isinstance(error, ArgoServerError) and not error.retryable:
            raise error
        if not self.follow:
            if error is not None:
                raise error
            return False
        if finished:
            return False
        if lasted is not None and lasted >= HEALTHY_STREAM_SECONDS:
            self.failures = 0
        self.failures += 1
        if self.failures >= self.max_failures:
            raise gave_up("the log stream", self.failures, error, self.path)
        self._resumed = True
        self._since = self._dedupe.resume()
        return True


def _archived_targets(workflow: Mapping[str, Any], pod: str | None) -> list[tuple[str, str]]:
    """``(node id, pod name)`` of the pod nodes with a ``main-logs`` artifact, by start time."""
    from tiphys.client.streams import decode_compressed_nodes

    nodes = decode_compressed_nodes(workflow.get("status") or {})
    out: list[tuple[str, str]] = []
    for node_id, node in sorted(nodes.items(), key=lambda kv: str(kv[1].get("startedAt") or "")):
        if node.get("type") != "Pod":
            continue
        artifacts = (node.get("outputs") or {}).get("artifacts") or []
        if not any(a.get("name") == MAIN_LOGS for a in artifacts):
            continue
        who = pod_name(workflow, {"id": node_id, **node})
        if pod is not None and pod not in (who, node_id):
            continue
        out.append((node_id, who))
    return out


def _archived_text(
    data: bytes, who: str, grep: str | None, tail_lines: int | None
) -> list[LogLine]:
    """The lines of one ``main-logs`` artifact (gzip or plain), filtered and tailed."""
    if data.startswith(b"\x1f\x8b"):
        data = gzip.decompress(data)
    lines = data.decode("utf-8", "replace").splitlines()
    if grep:
        pattern = re.compile(grep)
        lines = [line for line in lines if pattern.search(line)]
    if tail_lines is not None:
        lines = lines[-tail_lines:] if tail_lines > 0 else []
    return [LogLine(who, line, None) for line in lines]


def _uid(workflow: Mapping[str, Any]) -> str:
    return str((workflow.get("metadata") or {}).get("uid") or "")


def _where(workflow: Mapping[str, Any]) -> tuple[str, str | None]:
    meta = workflow.get("metadata") or {}
    return str(meta.get("name") or ""), str(meta.get("namespace") or "") or None


def _archived_lines(
    client: Client,
    workflow: Mapping[str, Any],
    *,
    pod: str | None,
    grep: str | None,
    tail_lines: int | None,
) -> tuple[list[LogLine], int]:
    """Lines of the ``main-logs`` artifacts of the pod nodes, and how many artifacts."""
    name, ns = _where(workflow)
    uid = _uid(workflow)
    targets = _archived_targets(workflow, pod)
    out: list[LogLine] = []
    for node_id, who in targets:
        read = functools.partial(client.read_artifact, name, node_id, MAIN_LOGS, ns)
        data = live_then_archived(read, uid)
        out += _archived_text(data, who, grep, tail_lines)
    return out, len(targets)


async def _archived_lines_async(
    client: AsyncClient,
    workflow: Mapping[str, Any],
    *,
    pod: str | None,
    grep: str | None,
    tail_lines: int | None,
) -> tuple[list[LogLine], int]:
    """:func:`_archived_lines` over the async client."""
    name, ns = _where(workflow)
    uid = _uid(workflow)
    targets = _archived_targets(workflow, pod)
    out: list[LogLine] = []
    for node_id, who in targets:
        read_async = functools.partial(client.read_artifact, name, node_id, MAIN_LOGS, ns)
        data = await live_then_archived_async(read_async, uid)
        out += _archived_text(data, who, grep, tail_lines)
    return out, len(targets)


def _gone_notice(name: str) -> str:
    return f"workflow {name} is gone (deleted), and its logs with it."


def _unfinished_notice(name: str, workflow: Mapping[str, Any]) -> str | None:
    """The notice when the workflow has not finished (no archive to read), else ``None``."""
    if is_finished(workflow):
        return None
    phase = str((workflow.get("status") or {}).get("phase") or "")
    return (
        f"workflow {name} has no log lines yet (phase {phase or 'Pending'}); follow "
        "the logs to wait for them."
    )


def _empty_notice(name: str, container: str, grep: str | None, found: int) -> str:
    """Why a finished workflow gave no line (``found``: main-logs artifacts read)."""
    if found:
        return (
            f"the archived main-logs of workflow {name} hold no line"
            + (f" matching {grep!r}" if grep else "")
            + "."
        )
    if grep:
        return (
            f"no log line of workflow {name} matches {grep!r}, or its pods were deleted "
            "(podGC) and it has no archived main-logs artifact."
        )
    if container != "main":
        return (
            f"the pods of workflow {name} were deleted (podGC) and only the main "
            f"container's logs are archived (main-logs), not those of {container!r}."
        )
    return (
        f"the pods of workflow {name} were deleted (podGC) and it has no archived "
        "main-logs artifact; set archiveLogs: true to keep logs."
    )


def _log_path(namespace: str, name: str) -> str:
    return f"/api/v1/workflows/{quote(namespace, safe='')}/{quote(name, safe='')}/log"


def stream_logs(
    client: Client,
    name: str,
    namespace: str | None,
    query: Mapping[str, str],
    *,
    follow: bool,
    container: str,
    pod: str | None,
    grep: str | None,
    tail_lines: int | None,
    timeout: float | None,
    max_failures: int = 5,
    clock: Callable[[], float] = time.monotonic,
) -> LogStream:
    """Build the :class:`LogStream` of :meth:`tiphys.client.Client.logs` (see the module);
    ``clock`` (monotonic seconds) times each stream for :meth:`LogMachine.on_end`."""
    ns = namespace or client.namespace
    path = _log_path(ns, name)
    machine = LogMachine(query, follow=follow, max_failures=max_failures, path=path, grep=grep)
    transport = client._transport

    def source(stream: LogStream) -> Iterator[LogLine]:
        workflow: dict[str, Any] | None = None
        missing: NotFound | None = None
        while True:
            failure: Exception | None = None
            opened = clock()
            try:
                with transport.stream(path, query=machine.query(), read_timeout=timeout) as s:
                    for message in messages(s.lines()):
                        if message.error is not None:
                            failure = message.error
                            break
                        line = machine.on_result(message.unwrap())
                        if line is not None:
                            yield line
            except NotFound as exc:
                if machine.lines:
                    raise
                missing = exc  # not a live workflow: it may be archived
                break
            except ArgoServerError as exc:
                if not exc.retryable:
                    raise
                failure = exc
            finished = False
            if follow:
                try:
                    workflow = client.get(name, ns)
                    finished = is_finished(workflow)
                except NotFound:
                    finished = True
            if not machine.on_end(failure, finished, lasted=clock() - opened):
                break
            transport.pause(machine.failures)
        if machine.lines:
            return
        try:
            workflow = client.get(name, ns)
        except NotFound:
            if missing is not None:
                raise missing from None
            stream.notice = _gone_notice(name)
            return
        stream.notice = _unfinished_notice(name, workflow)
        if stream.notice is not None:
            return
        found = 0
        if container == "main":
            lines, found = _archived_lines(
                client, workflow, pod=pod, grep=grep, tail_lines=tail_lines
            )
            yield from lines
            if lines:
                return
        stream.notice = _empty_notice(name, container, grep, found)

    return LogStream(source)


def stream_logs_async(
    client: AsyncClient,
    name: str,
    namespace: str | None,
    query: Mapping[str, str],
    *,
    follow: bool,
    container: str,
    pod: str | None,
    grep: str | None,
    tail_lines: int | None,
    timeout: float | None,
    max_failures: int = 5,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncLogStream:
    """Build the :class:`AsyncLogStream` of :meth:`tiphys.client.AsyncClient.logs`: the
    driver of :func:`stream_logs` over the async client, with the same :class:`LogMachine`."""
    from tiphys.client.streams import amessages

    ns = namespace or client.namespace
    path = _log_path(ns, name)
    machine = LogMachine(query, follow=follow, max_failures=max_failures, path=path, grep=grep)
    transport = client._transport

    async def source(stream: AsyncLogStream) -> AsyncIterator[LogLine]:
        missing: NotFound | None = None
        while True:
            failure: Exception | None = None
            opened = clock()
            try:
                async with transport.stream(path, query=machine.query(), read_timeout=timeout) as s:
                    async for message in amessages(s.lines()):
                        if message.error is not None:
                            failure = message.error
                            break
                        line = machine.on_result(message.unwrap())
                        if line is not None:
                            yield line
            except NotFound as exc:
                if machine.lines:
                    raise
                missing = exc  # not a live workflow: it may be archived
                break
            except ArgoServerError as exc:
                if not exc.retryable:
                    raise
                failure = exc
            finished = False
            if follow:
                try:
                    finished = is_finished(await client.get(name, ns))
                except NotFound:
                    finished = True
            if not machine.on_end(failure, finished, lasted=clock() - opened):
                break
            await transport.pause(machine.failures)
        if machine.lines:
            return
        try:
            workflow = await client.get(name, ns)
        except NotFound:
            if missing is not None:
                raise missing from None
            stream.notice = _gone_notice(name)
            return
        stream.notice = _unfinished_notice(name, workflow)
        if stream.notice is not None:
            return
        found = 0
        if container == "main":
            lines, found = await _archived_lines_async(
                client, workflow, pod=pod, grep=grep, tail_lines=tail_lines
            )
            for line in lines:
                yield line
            if lines:
                return
        stream.notice = _empty_notice(name, container, grep, found)

    return AsyncLogStream(source)
