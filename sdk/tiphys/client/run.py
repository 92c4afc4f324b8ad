"""Submitted workflows as Python objects: :func:`submit`, :class:`Run`, :class:`WorkflowFailed`.

:func:`submit` creates a workflow on the Argo Server from a tiphys ``Workflow``, a manifest dict
or a ``KIND/NAME`` reference (``wftmpl/release``), after checking the parameters against the
workflow's own (or the server's template's) parameters. It returns a :class:`Run`, which follows
the workflow (:meth:`Run.wait`, :meth:`Run.watch`, :meth:`Run.logs`), reads its outputs
(:attr:`Run.outputs`) and acts on it (:meth:`Run.stop`, :meth:`Run.retry`,
:meth:`Run.resubmit`, :meth:`Run.set`...).

Example::

    run = release.submit(parameters={"tag": "v1.2.0"})
    run.wait(timeout=3600)            # WorkflowFailed if it ends Failed or Error
    print(run.outputs.parameters["digest"])
"""

from __future__ import annotations

import difflib
import functools
import json
import sys
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TypeVar, cast

from tiphys.argo.nodes import failed_node_lines
from tiphys.client import _calls as calls
from tiphys.client._calls import Plan
from tiphys.client.errors import Forbidden
from tiphys.client.streams import decode_compressed_nodes
from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from datetime import datetime

    from tiphys.client.aclient import AsyncClient
    from tiphys.client.client import Client
    from tiphys.client.logs import AsyncLogStream, LogStream

__all__ = [
    "TERMINAL_PHASES",
    "ArtifactOutput",
    "AsyncArtifactOutput",
    "AsyncRun",
    "Run",
    "RunOutputs",
    "WorkflowFailed",
    "async_submit",
    "failure_message",
    "prepare_manifest",
    "submit",
]

Json = dict[str, Any]

#: Workflow phases that end a run (``Pending`` and ``Running`` do not).
TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Error"})

#: Node types that group other nodes; a failure is reported on the leaves below them.


# --- errors ---------------------------------------------------------------------------------


class WorkflowFailed(TiphysError):
    """A workflow ended ``Failed`` or ``Error`` (or was deleted before it finished).

    Raised by :meth:`Run.wait` and :meth:`AsyncRun.wait` with ``check=True``.

    Attributes:
        run: The run (a :class:`Run` or :class:`AsyncRun`), holding the last workflow seen
            (``run.workflow``).
        phase: Its last phase (``"Failed"``, ``"Error"``, or the phase seen before deletion).
        message: What failed: the workflow's ``status.message`` and each failed leaf node
            (display name, phase, message), see :func:`failure_message`.
    """

    def __init__(self, run: Run | AsyncRun) -> None:
        self.run = run
        self.phase = run.phase
        self.message = failure_message(run.workflow)
        super().__init__(self.message)


def failure_message(workflow: Mapping[str, Any]) -> str:
    """Describe why a workflow did not succeed, naming its failed nodes.

    Failed nodes are those in phase ``Failed`` or ``Error`` that are not groups (steps, DAG,
    retry nodes), ordered by start time, at most :data:`tiphys.argo.nodes.MAX_FAILED_NODES` of them.

    Args:
        workflow: A Workflow (``metadata.name``, ``status.phase``, ``status.message``,
            ``status.nodes`` or ``status.compressedNodes``).

    Returns:
        One or more lines, e.g. ``workflow 'ci-x' in namespace 'argo' ended Failed: child
        'ci-x-1' failed`` then ``  build (Failed): Error (exit code 1)`` per node, and a hint
        to read the logs.
    """
    meta = workflow.get("metadata") or {}
    status = workflow.get("status") or {}
    name, namespace = meta.get("name", ""), meta.get("namespace", "")
    phase = status.get("phase") or "Pending"
    where = f"workflow {name!r} in namespace {namespace!r}"
    if phase in TERMINAL_PHASES:
        head = f"{where} ended {phase}"
    else:
        head = f"{where} was deleted before it finished (last phase {phase})"
    if status.get("message"):
        head += f": {status['message']}"
    try:
        nodes = list(decode_compressed_nodes(status).values())
    except TiphysError:
        nodes = []
    lines = [head, *failed_node_lines(nodes)]
    if name:
        target = f"-n {namespace} {name}" if namespace else name
        lines.append(f"See `tiphys get {target}` and `tiphys logs {target}`.")
    return "\n".join(lines)


# --- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArtifactOutput:
    """One output artifact of a run's node, downloadable from the Argo Server.

    Attributes:
        name: The artifact's name (``outputs.artifacts[].name``).
        node_id: The node that produced it (``status.nodes`` key).
        workflow: The workflow's name.
        namespace: The workflow's namespace.
        spec: The artifact as the status records it (location: ``s3``, ``gcs``...).
        uid: The workflow's ``metadata.uid``: when the live route fails (a deleted workflow), the
            archived copy is read (``archived-workflows/{uid}``).
    """

    name: str
    node_id: str
    workflow: str
    namespace: str
    spec: Mapping[str, Any] = field(repr=False)
    _client: Client = field(repr=False, compare=False)
    uid: str = ""

    def download(self, dest: Path | str | BinaryIO) -> int:
        """Download the artifact to a file or a binary stream, streamed (never whole in memory).

        ``GET /artifact-files/{namespace}/workflows/{workflow}/{node_id}/outputs/{name}``.

        Args:
            dest: A path (written, replacing it) or an open binary file.

        Returns:
            The bytes written.

        Raises:
            ArgoServerError: The server refused or could not serve it (404: not archived).
        """
        target = Path(dest) if isinstance(dest, str) else dest
        download = functools.partial(
            self._client.download_artifact,
            self.workflow,
            self.node_id,
            self.name,
            target,
            self.namespace,
        )
        return calls.live_then_archived(download, self.uid)

    def read(self) -> bytes:
        """The artifact's bytes, for small artifacts (the whole content is held in memory).

        Raises:
            ArgoServerError: As :meth:`download`.
        """
        read = functools.partial(
            self._client.read_artifact, self.workflow, self.node_id, self.name, self.namespace
        )
        return calls.live_then_archived(read, self.uid)


@dataclass(frozen=True)
class AsyncArtifactOutput:
    """:class:`ArtifactOutput` of an :class:`AsyncRun`: the same fields, awaitable reads.

    Attributes:
        name: The artifact's name.
        node_id: The node that produced it.
        workflow: The workflow's name.
        namespace: The workflow's namespace.
        spec: The artifact as the status records it.
        uid: The workflow's ``metadata.uid`` (see :class:`ArtifactOutput`).
    """

    name: str
    node_id: str
    workflow: str
    namespace: str
    spec: Mapping[str, Any] = field(repr=False)
    _client: AsyncClient = field(repr=False, compare=False)
    uid: str = ""

    async def download(self, dest: Path | str | BinaryIO) -> int:
        """Download the artifact, streamed; see :meth:`ArtifactOutput.download`.

        Args:
            dest: A path (written, replacing it) or an open binary file.

        Returns:
            The bytes written.

        Raises:
            ArgoServerError: The server refused or could not serve it (404: not archived).
        """
        target = Path(dest) if isinstance(dest, str) else dest
        download = functools.partial(
            self._client.download_artifact,
            self.workflow,
            self.node_id,
            self.name,
            target,
            self.namespace,
        )
        return await calls.live_then_archived_async(download, self.uid)

    async def read(self) -> bytes:
        """The artifact's bytes, for small artifacts (held in memory).

        Raises:
            ArgoServerError: As :meth:`download`.
        """
        read = functools.partial(
            self._client.read_artifact, self.workflow, self.node_id, self.name, self.namespace
        )
        return await calls.live_then_archived_async(read, self.uid)


_A = TypeVar("_A", ArtifactOutput, AsyncArtifactOutput)


@dataclass(frozen=True)
class RunOutputs(Generic[_A]):
    """The outputs of a run's entrypoint node (node id == workflow name).

    Attributes:
        parameters: Output parameters, name to value (``outputs.parameters``).
        result: The ``result`` output (a script's or container's stdout), or ``None``.
        exit_code: The ``exitCode`` output, or ``None``.
        artifacts: Output artifacts by name (:class:`ArtifactOutput` of a :class:`Run`,
            :class:`AsyncArtifactOutput` of an :class:`AsyncRun`).
    """

    parameters: dict[str, str]
    result: str | None
    exit_code: str | None
    artifacts: dict[str, _A]


# --- the run --------------------------------------------------------------------------------


def _with_nodes(workflow: Mapping[str, Any]) -> Json:
    """A copy whose ``status.nodes`` is decoded from ``status.compressedNodes`` when set."""
    wf = dict(workflow)
    status = wf.get("status")
    if isinstance(status, Mapping) and status.get("compressedNodes"):
        status = dict(status)
        status["nodes"] = decode_compressed_nodes(status)
        del status["compressedNodes"]
        wf["status"] = status
    return wf


def _selector(node: str) -> str:
    """A node's display name -> ``displayName=NAME``; a field selector is kept as it is."""
    return node if "=" in node else f"displayName={node}"


class _RunView:
    """What :class:`Run` and :class:`AsyncRun` share: the workflow as last seen, read only."""

    workflow: Json
    _namespace: str

    def _start(self, workflow: Mapping[str, Any], default_namespace: str) -> None:
        self.workflow = _with_nodes(workflow)
        meta = self.workflow.get("metadata") or {}
        self._namespace = str(meta.get("namespace") or default_namespace)

    def __repr__(self) -> str:
        kind = type(self).__name__
        return f"{kind}({self.namespace}/{self.name}, phase={self.phase or 'Pending'!r})"

    @property
    def name(self) -> str:
        """``metadata.name`` (generated by the server from ``generateName``)."""
        return str((self.workflow.get("metadata") or {}).get("name") or "")

    @property
    def namespace(self) -> str:
        """``metadata.namespace`` (the client's namespace when the server did not say)."""
        return self._namespace

    @property
    def uid(self) -> str:
        """``metadata.uid`` (``""`` for a server dry run)."""
        return str((self.workflow.get("metadata") or {}).get("uid") or "")

    @property
    def phase(self) -> str:
        """``status.phase``: ``""`` (not yet picked up), ``Pending``, ``Running``,
        ``Succeeded``, ``Failed`` or ``Error``."""
        return str((self.workflow.get("status") or {}).get("phase") or "")

    @property
    def finished(self) -> bool:
        """Whether the workflow has ended (``status.finishedAt`` set, or a terminal phase)."""
        status = self.workflow.get("status") or {}
        return bool(status.get("finishedAt")) or self.phase in TERMINAL_PHASES

    def _seen(self, workflow: Mapping[str, Any]) -> Json:
        self.workflow = _with_nodes(workflow)
        return self.workflow

    def _failed(self, check: bool) -> None:
        """Raise :class:`WorkflowFailed` when ``check`` and the run did not succeed."""
        if check and self.phase != "Succeeded":
            raise WorkflowFailed(cast("Run | AsyncRun", self))

    def _outputs(self) -> tuple[dict[str, str], str | None, str | None, list[Mapping[str, Any]]]:
        """``(parameters, result, exit code, artifact specs)`` of the entrypoint node."""
        nodes = (self.workflow.get("status") or {}).get("nodes") or {}
        node = nodes.get(self.name) or {}
        outputs = node.get("outputs") or {}
        parameters = {
            str(p["name"]): str(p.get("value", ""))
            for p in outputs.get("parameters") or []
            if "name" in p
        }
        artifacts = [a for a in outputs.get("artifacts") or [] if "name" in a]
        exit_code = outputs.get("exitCode")
        return (
            parameters,
            outputs.get("result"),
            None if exit_code is None else str(exit_code),
            artifacts,
        )


class Run(_RunView):
    """A workflow submitted to an Argo Server, as last seen.

    Args:
        client: The client to follow and act on it with.
        workflow: The Workflow the server returned (create, submit, get).

    Attributes:
        client: The client.
        workflow: The Workflow as last seen (``status.nodes`` decoded).
    """

    def __init__(self, client: Client, workflow: Mapping[str, Any]) -> None:
        self.client = client
        self._start(workflow, client.namespace)

    def refresh(self) -> Json:
        """Read the workflow again (``GET /api/v1/workflows/{ns}/{name}``; the server falls back
        to the archive).

        Returns:
            The Workflow, also kept in :attr:`workflow`.

        Raises:
            NotFound: It was deleted and is not archived.
            ArgoServerError: Another failure.
        """
        return self._seen(self.client.get(self.name, self.namespace))

    # -- following -------------------------------------------------------------------------

    def watch(self, timeout: float | None = None) -> Iterator[Json]:
        """Yield the workflow each time it changes, until it finishes or is deleted.

        Uses :meth:`Client.watch` (a GET, then the workflow-events stream, reconnecting).

        Args:
            timeout: Seconds for the whole watch, or ``None`` for no limit.

        Yields:
            Workflow snapshots (``status.nodes`` decoded); each also becomes :attr:`workflow`.

        Raises:
            WaitTimeout: ``timeout`` passed first.
            ArgoServerError: The server refused the watch.
        """
        for event in self.client.watch(self.name, self.namespace, timeout=timeout):
            yield self._seen(event.workflow)

    def wait(self, timeout: float | None = None, *, check: bool = True) -> Run:
        """Wait until the workflow ends ``Succeeded``, ``Failed`` or ``Error``.

        ``Pending`` is not an end. A workflow deleted while running ends the wait with the last
        phase seen.

        Args:
            timeout: Seconds to wait at most, or ``None`` for no limit.
            check: Raise :class:`WorkflowFailed` when it did not succeed (default).

        Returns:
            This run, with the last workflow seen.

        Raises:
            WorkflowFailed: ``check`` and the workflow ended ``Failed`` or ``Error`` (or was
                deleted before it finished).
            WaitTimeout: ``timeout`` passed first.
            ArgoServerError: The server refused the watch.
        """
        for _ in self.watch(timeout):
            pass
        self._failed(check)
        return self

    def logs(
        self,
        *,
        follow: bool = False,
        pod_name: str | None = None,
        container: str = "main",
        since_seconds: int | None = None,
        since_time: datetime | None = None,
        tail_lines: int | None = None,
        grep: str | None = None,
        selector: str | None = None,
        timeout: float | None = None,
    ) -> LogStream:
        """The workflow's log lines (:meth:`Client.logs`).

        Args:
            follow: Keep reading until the workflow finishes.
            pod_name: One pod only, or ``None`` for every pod.
            container: The container (default ``main``).
            since_seconds: Only lines of the last seconds.
            since_time: Only lines from this time on.
            tail_lines: Only the last lines of each pod.
            grep: Only lines whose text matches this regex (see :meth:`Client.logs`).
            selector: Extra pod label selector.
            timeout: Seconds one read may wait (default the configuration's read timeout).

        Returns:
            A :class:`LogStream` of :class:`LogLine`.

        Raises:
            ArgoServerError: The server refused the stream.
        """
        return self.client.logs(
            self.name,
            self.namespace,
            pod_name=pod_name,
            container=container,
            follow=follow,
            since_seconds=since_seconds,
            since_time=since_time,
            tail_lines=tail_lines,
            grep=grep,
            selector=selector,
            timeout=timeout,
        )

    @property
    def outputs(self) -> RunOutputs[ArtifactOutput]:
        """The outputs of the entrypoint node (``status.nodes[<workflow name>].outputs``), as
        last seen (call :meth:`refresh` or :meth:`wait` first); empty before it has any."""
        parameters, result, exit_code, specs = self._outputs()
        artifacts = {
            str(a["name"]): ArtifactOutput(
                str(a["name"]), self.name, self.name, self.namespace, a, self.client, self.uid
            )
            for a in specs
        }
        return RunOutputs(parameters, result, exit_code, artifacts)

    # -- actions ---------------------------------------------------------------------------

    def set(
        self,
        node: str,
        *,
        outputs: Mapping[str, str] | None = None,
        phase: str | None = None,
        message: str | None = None,
    ) -> Run:
        """Set a node's output parameters, phase or message (``PUT .../set``; ``argo node
        set``), typically to complete a ``suspend`` node with its supplied outputs.

        Args:
            node: The node's display name (``"approve"``) or a node field selector
                (``"templateName=approve"``).
            outputs: Output parameter values, name to value (``outputParameters``).
            phase: New phase (``"Succeeded"``, ``"Failed"``).
            message: New message.

        Returns:
            This run, with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The server refused it.
        """
        self._seen(
            self.client.set(
                self.name,
                _selector(node),
                self.namespace,
                output_parameters=outputs,
                phase=phase,
                message=message,
            )
        )
        return self

    def stop(self, message: str | None = None, *, node_field_selector: str | None = None) -> Run:
        """Stop the workflow, running its exit handlers (``PUT .../stop``).

        Args:
            message: Why, recorded on the workflow.
            node_field_selector: Stop only the selected nodes.

        Returns:
            This run, with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The server refused it.
        """
        self._seen(
            self.client.stop(
                self.name, self.namespace, message=message, node_field_selector=node_field_selector
            )
        )
        return self

    def terminate(self) -> Run:
        """Terminate the workflow, skipping its exit handlers (``PUT .../terminate``).

        Returns:
            This run, with the workflow the server returned.

        Raises:
            ArgoServerError: The server refused it.
        """
        self._seen(self.client.terminate(self.name, self.namespace))
        return self

    def suspend(self) -> Run:
        """Suspend the workflow (``PUT .../suspend``).

        Returns:
            This run, with the workflow the server returned.

        Raises:
            ArgoServerError: The server refused it.
        """
        self._seen(self.client.suspend(self.name, self.namespace))
        return self

    def resume(self, *, node_field_selector: str | None = None) -> Run:
        """Resume the workflow or selected suspend nodes (``PUT .../resume``).

        Args:
            node_field_selector: Resume only these nodes (``"displayName=approve"``).

        Returns:
            This run, with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The server refused it.
        """
        self._seen(
            self.client.resume(self.name, self.namespace, node_field_selector=node_field_selector)
        )
        return self

    def retry(
        self,
        *,
        restart_successful: bool = False,
        node_field_selector: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> Run:
        """Retry the Failed or Error workflow in place (``PUT .../retry``).

        Args:
            restart_successful: Also re-run the succeeded nodes ``node_field_selector`` selects.
            node_field_selector: Nodes to restart (``"templateName=build"``).
            parameters: Changed arguments, name to value.

        Returns:
            This run (same name), with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            InvalidRequest: 400, the workflow is not Failed or Error.
            ArgoServerError: Another failure.
        """
        self._seen(
            self.client.retry(
                self.name,
                self.namespace,
                restart_successful=restart_successful,
                node_field_selector=node_field_selector,
                parameters=_strings(parameters),
            )
        )
        return self

    def resubmit(
        self, *, memoized: bool = False, parameters: Mapping[str, Any] | None = None
    ) -> Run:
        """Submit a new workflow from this one (``PUT .../resubmit``).

        Args:
            memoized: Reuse the outputs of the succeeded nodes.
            parameters: Changed arguments, name to value.

        Returns:
            The NEW run (another name); this one is unchanged.

        Raises:
            ArgoServerError: The server refused it.
        """
        created = self.client.resubmit(
            self.name, self.namespace, memoized=memoized, parameters=_strings(parameters)
        )
        return Run(self.client, created)


class AsyncRun(_RunView):
    """:class:`Run` for an :class:`~tiphys.client.AsyncClient`: the same view of the workflow,
    awaitable actions, async ``watch`` and ``logs``.

    Args:
        client: The async client to follow and act on it with.
        workflow: The Workflow the server returned (create, submit, get).

    Attributes:
        client: The async client.
        workflow: The Workflow as last seen (``status.nodes`` decoded).
    """

    def __init__(self, client: AsyncClient, workflow: Mapping[str, Any]) -> None:
        self.client = client
        self._start(workflow, client.namespace)

    async def refresh(self) -> Json:
        """Read the workflow again (``GET /api/v1/workflows/{ns}/{name}``); see
        :meth:`Run.refresh`.

        Returns:
            The Workflow, also kept in :attr:`workflow`.

        Raises:
            NotFound: It was deleted and is not archived.
            ArgoServerError: Another failure.
        """
        return self._seen(await self.client.get(self.name, self.namespace))

    async def watch(self, timeout: float | None = None) -> AsyncIterator[Json]:
        """Yield the workflow each time it changes, until it finishes or is deleted.

        Args:
            timeout: Seconds for the whole watch, or ``None`` for no limit.

        Yields:
            Workflow snapshots; each also becomes :attr:`workflow`.

        Raises:
            WaitTimeout: ``timeout`` passed first.
            ArgoServerError: The server refused the watch.
        """
        async for event in self.client.watch(self.name, self.namespace, timeout=timeout):
            yield self._seen(event.workflow)

    async def wait(self, timeout: float | None = None, *, check: bool = True) -> AsyncRun:
        """Wait until the workflow ends; see :meth:`Run.wait`.

        Args:
            timeout: Seconds to wait at most, or ``None`` for no limit.
            check: Raise :class:`WorkflowFailed` when it did not succeed (default).

        Returns:
            This run, with the last workflow seen.

        Raises:
            WorkflowFailed: ``check`` and the workflow ended ``Failed`` or ``Error`` (or was
                deleted before it finished).
            WaitTimeout: ``timeout`` passed first.
            ArgoServerError: The server refused the watch.
        """
        async for _ in self.watch(timeout):
            pass
        self._failed(check)
        return self

    def logs(
        self,
        *,
        follow: bool = False,
        pod_name: str | None = None,
        container: str = "main",
        since_seconds: int | None = None,
        since_time: datetime | None = None,
        tail_lines: int | None = None,
        grep: str | None = None,
        selector: str | None = None,
        timeout: float | None = None,
    ) -> AsyncLogStream:
        """The workflow's log lines (:meth:`AsyncClient.logs`); see :meth:`Run.logs`.

        Args:
            follow: Keep reading until the workflow finishes.
            pod_name: One pod only, or ``None`` for every pod.
            container: The container (default ``main``).
            since_seconds: Only lines of the last seconds.
            since_time: Only lines from this time on.
            tail_lines: Only the last lines of each pod.
            grep: Only lines whose text matches this regex (see :meth:`Client.logs`).
            selector: Extra pod label selector.
            timeout: Seconds one read may wait (default the configuration's read timeout).

        Returns:
            An :class:`~tiphys.client.logs.AsyncLogStream` of :class:`LogLine`.

        Raises:
            ArgoServerError: While iterating, the server refused the stream.
        """
        return self.client.logs(
            self.name,
            self.namespace,
            pod_name=pod_name,
            container=container,
            follow=follow,
            since_seconds=since_seconds,
            since_time=since_time,
            tail_lines=tail_lines,
            grep=grep,
            selector=selector,
            timeout=timeout,
        )

    @property
    def outputs(self) -> RunOutputs[AsyncArtifactOutput]:
        """The outputs of the entrypoint node, as last seen; see :attr:`Run.outputs`."""
        parameters, result, exit_code, specs = self._outputs()
        artifacts = {
            str(a["name"]): AsyncArtifactOutput(
                str(a["name"]), self.name, self.name, self.namespace, a, self.client, self.uid
            )
            for a in specs
        }
        return RunOutputs(parameters, result, exit_code, artifacts)

    async def set(
        self,
        node: str,
        *,
        outputs: Mapping[str, str] | None = None,
        phase: str | None = None,
        message: str | None = None,
    ) -> AsyncRun:
        """Set a node's output parameters, phase or message (``PUT .../set``); see
        :meth:`Run.set`.

        Args:
            node: The node's display name or a node field selector.
            outputs: Output parameter values, name to value.
            phase: New phase.
            message: New message.

        Returns:
            This run, with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The server refused it.
        """
        self._seen(
            await self.client.set(
                self.name,
                _selector(node),
                self.namespace,
                output_parameters=outputs,
                phase=phase,
                message=message,
            )
        )
        return self

    async def stop(
        self, message: str | None = None, *, node_field_selector: str | None = None
    ) -> AsyncRun:
        """Stop the workflow, running its exit handlers (``PUT .../stop``).

        Args:
            message: Why, recorded on the workflow.
            node_field_selector: Stop only the selected nodes.

        Returns:
            This run, with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The server refused it.
        """
        self._seen(
            await self.client.stop(
                self.name, self.namespace, message=message, node_field_selector=node_field_selector
            )
        )
        return self

    async def terminate(self) -> AsyncRun:
        """Terminate the workflow, skipping its exit handlers (``PUT .../terminate``).

        Returns:
            This run, with the workflow the server returned.

        Raises:
            ArgoServerError: The server refused it.
        """
        self._seen(await self.client.terminate(self.name, self.namespace))
        return self

    async def suspend(self) -> AsyncRun:
        """Suspend the workflow (``PUT .../suspend``).

        Returns:
            This run, with the workflow the server returned.

        Raises:
            ArgoServerError: The server refused it.
        """
        self._seen(await self.client.suspend(self.name, self.namespace))
        return self

    async def resume(self, *, node_field_selector: str | None = None) -> AsyncRun:
        """Resume the workflow or selected suspend nodes (``PUT .../resume``).

        Args:
            node_field_selector: Resume only these nodes.

        Returns:
            This run, with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The server refused it.
        """
        self._seen(
            await self.client.resume(
                self.name, self.namespace, node_field_selector=node_field_selector
            )
        )
        return self

    async def retry(
        self,
        *,
        restart_successful: bool = False,
        node_field_selector: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> AsyncRun:
        """Retry the Failed or Error workflow in place (``PUT .../retry``).

        Args:
            restart_successful: Also re-run the succeeded nodes ``node_field_selector`` selects.
            node_field_selector: Nodes to restart.
            parameters: Changed arguments, name to value.

        Returns:
            This run (same name), with the workflow the server returned.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            InvalidRequest: 400, the workflow is not Failed or Error.
            ArgoServerError: Another failure.
        """
        self._seen(
            await self.client.retry(
                self.name,
                self.namespace,
                restart_successful=restart_successful,
                node_field_selector=node_field_selector,
                parameters=_strings(parameters),
            )
        )
        return self

    async def resubmit(
        self, *, memoized: bool = False, parameters: Mapping[str, Any] | None = None
    ) -> AsyncRun:
        """Submit a new workflow from this one (``PUT .../resubmit``, sent once).

        Args:
            memoized: Reuse the outputs of the succeeded nodes.
            parameters: Changed arguments, name to value.

        Returns:
            The NEW run (another name); this one is unchanged.

        Raises:
            ArgoServerError: The server refused it.
        """
        created = await self.client.resubmit(
            self.name, self.namespace, memoized=memoized, parameters=_strings(parameters)
        )
        return AsyncRun(self.client, created)


# --- submit ---------------------------------------------------------------------------------


def _param_value(name: str, value: Any) -> str:
    """A parameter value as the string Argo takes (booleans ``true``/``false``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    raise TiphysError(
        f"parameter {name!r} is a {type(value).__name__}; Argo parameters are strings: pass "
        "a str (or a number, bool, list or dict, which are written as JSON)."
    )


def _strings(parameters: Mapping[str, Any] | None) -> dict[str, str] | None:
    if parameters is None:
        return None
    return {str(k): _param_value(str(k), v) for k, v in parameters.items()}


@dataclass(frozen=True)
class _Declared:
    """The parameters a workflow spec declares (arguments and its entrypoint's inputs)."""

    names: list[str]
    needs_value: list[str]
    enums: dict[str, list[str]]


def _declared(spec: Mapping[str, Any], entrypoint: str | None) -> _Declared:
    names: list[str] = []
    needs: list[str] = []
    enums: dict[str, list[str]] = {}
    has_value = ("value", "valueFrom", "default")
    for p in (spec.get("arguments") or {}).get("parameters") or []:
        name = str(p.get("name", ""))
        names.append(name)
        if not any(p.get(k) is not None for k in has_value):
            needs.append(name)
        if p.get("enum"):
            enums[name] = [str(v) for v in p["enum"]]
    entry = entrypoint or spec.get("entrypoint")
    for template in spec.get("templates") or []:
        if template.get("name") != entry:
            continue
        for p in (template.get("inputs") or {}).get("parameters") or []:
            name = str(p.get("name", ""))
            if name in names:
                continue
            names.append(name)
            if not any(p.get(k) is not None for k in has_value):
                needs.append(name)
            if p.get("enum"):
                enums[name] = [str(v) for v in p["enum"]]
    return _Declared(names, needs, enums)


def _check_parameters(values: Mapping[str, str], declared: _Declared, what: str) -> None:
    """Raise :class:`TiphysError` for an unknown parameter, a value outside its enum, or a
    parameter left without a value (Argo requires one at submit)."""
    known = ", ".join(declared.names) if declared.names else "none"
    for name in values:
        if name not in declared.names:
            close = difflib.get_close_matches(name, declared.names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else " Check the name."
            raise TiphysError(f"{what} has no parameter {name!r} (its parameters: {known}).{hint}")
    for name, allowed in declared.enums.items():
        if name in values and values[name] not in allowed:
            raise TiphysError(
                f"parameter {name!r} of {what} is {values[name]!r}, which is not one of its "
                f"enum values: {', '.join(allowed)}."
            )
    missing = [n for n in declared.needs_value if n not in values]
    if missing:
        pairs = ", ".join(f"{n!r}: ..." for n in missing)
        flags = " ".join(f"-p {n}=..." for n in missing)
        raise TiphysError(
            f"{what} needs a value for parameter{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(n) for n in missing)}: pass {flags} on the command line "
            f"(parameters={{{pairs}}} in Python)."
        )


def _user_stacklevel() -> int:
    """The ``stacklevel`` of :func:`warnings.warn` that points at the first caller outside
    tiphys (the user's ``submit()`` or ``wf.submit()`` line)."""
    package = str(Path(__file__).resolve().parents[1])
    frame = sys._getframe(1)  # the function calling warnings.warn
    level = 1
    while frame.f_back is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        package
    ):
        frame = frame.f_back
        level += 1
    return level


def _server_spec(kind: str, name: str, namespace: str) -> Plan[Json | None]:
    """The workflow spec of a server object, or ``None`` (with a warning) when forbidden."""
    from tiphys.client._resources import (
        CLUSTER_WORKFLOW_TEMPLATE,
        CRON_WORKFLOW,
        WORKFLOW_TEMPLATE,
        get_plan,
    )

    try:
        if kind == "WorkflowTemplate":
            obj = yield from get_plan(WORKFLOW_TEMPLATE, namespace, name)
        elif kind == "ClusterWorkflowTemplate":
            obj = yield from get_plan(CLUSTER_WORKFLOW_TEMPLATE, None, name)
        else:
            obj = yield from get_plan(CRON_WORKFLOW, namespace, name)
    except Forbidden:
        where = "" if kind == "ClusterWorkflowTemplate" else f" in namespace {namespace!r}"
        warnings.warn(
            f"cannot read {kind} {name!r}{where} (forbidden), so the parameters were not "
            "checked before submitting; the server checks them.",
            stacklevel=_user_stacklevel(),
        )
        return None
    spec = obj.get("spec") or {}
    if kind == "CronWorkflow":
        spec = spec.get("workflowSpec") or {}
    return dict(spec)


def _merged_spec(spec: Mapping[str, Any], namespace: str) -> Plan[Json | None]:
    """``spec`` with the arguments and templates of its ``workflowTemplateRef`` (read from the
    server); ``None`` when that template may not be read."""
    ref = spec.get("workflowTemplateRef")
    if not ref:
        return dict(spec)
    kind = "ClusterWorkflowTemplate" if ref.get("clusterScope") else "WorkflowTemplate"
    base = yield from _server_spec(kind, str(ref.get("name", "")), namespace)
    if base is None:
        return None
    own = list((spec.get("arguments") or {}).get("parameters") or [])
    own_names = {p.get("name") for p in own}
    inherited = [
        p
        for p in (base.get("arguments") or {}).get("parameters") or []
        if p.get("name") not in own_names
    ]
    merged = dict(base)
    merged["arguments"] = {"parameters": own + inherited}
    if spec.get("entrypoint"):
        merged["entrypoint"] = spec["entrypoint"]
    return merged


def _apply_parameters(spec: Json, values: Mapping[str, str]) -> None:
    """Set ``spec.arguments.parameters`` as ``argo submit -p`` does: the given ones first
    (``{name, value}``), then the others unchanged."""
    if not values:
        return
    arguments = dict(spec.get("arguments") or {})
    rest = [p for p in arguments.get("parameters") or [] if p.get("name") not in values]
    arguments["parameters"] = [{"name": k, "value": v} for k, v in values.items()] + rest
    spec["arguments"] = arguments


def _manifest_of(source: Any) -> Json:
    if isinstance(source, Mapping):
        copied: Json = json.loads(json.dumps(source))  # a deep copy of plain JSON data
        return copied
    to_dict = getattr(source, "to_dict", None)
    if callable(to_dict):
        manifest = to_dict()
        if isinstance(manifest, Mapping):
            return dict(manifest)
    raise TiphysError(
        f"cannot submit a {type(source).__name__}: pass a tiphys Workflow, a Workflow manifest "
        "(dict) or 'KIND/NAME' (wftmpl/NAME, cwftmpl/NAME, cronwf/NAME)."
    )


def _ref(source: str) -> tuple[str, str]:
    from tiphys.client.client import SUBMIT_KINDS

    kind, sep, name = source.partition("/")
    resource_kind = SUBMIT_KINDS.get(kind.lower())
    if not sep or not name or resource_kind is None:
        raise TiphysError(
            f"cannot submit {source!r}: write KIND/NAME with KIND one of wftmpl "
            "(WorkflowTemplate), cwftmpl (ClusterWorkflowTemplate) or cronwf (CronWorkflow), "
            "e.g. 'wftmpl/release'."
        )
    return resource_kind, name


def _check_kind(manifest: Mapping[str, Any]) -> None:
    kind = manifest.get("kind", "Workflow")
    if kind != "Workflow":
        raise TiphysError(
            f"cannot submit a {kind}: only a Workflow runs. Create the {kind} with apply(), "
            "then submit 'wftmpl/NAME' (or 'cwftmpl/NAME', 'cronwf/NAME') to run it."
        )


def prepare_manifest(
    manifest: Mapping[str, Any],
    values: Mapping[str, str],
    *,
    checked_spec: Mapping[str, Any] | None,
    namespace: str | None = None,
    default_namespace: str = "default",
    name: str | None = None,
    generate_name: str | None = None,
    entrypoint: str | None = None,
    labels: Mapping[str, str] | None = None,
    service_account: str | None = None,
    priority: int | None = None,
) -> Json:
    """The Workflow manifest :func:`submit` would create, its parameters checked first.

    Used by :func:`submit` and by ``tiphys submit --dry-run`` (which has no server).

    Args:
        manifest: A Workflow manifest (not changed).
        values: Parameters, name to string value.
        checked_spec: The spec to check ``values`` against (with the arguments and templates
            of its ``workflowTemplateRef`` merged in), or ``None`` to skip the check.
        namespace: ``metadata.namespace`` to set; default the manifest's (else left unset).
        default_namespace: Namespace named in messages when the manifest has none.
        name: ``metadata.name`` (replaces ``generateName``).
        generate_name: ``metadata.generateName`` (replaces ``name``).
        entrypoint: ``spec.entrypoint``.
        labels: Added to ``metadata.labels``.
        service_account: ``spec.serviceAccountName``.
        priority: ``spec.priority``.

    Returns:
        A new manifest with the parameters and options applied.

    Raises:
        TiphysError: Not a Workflow, or a parameter is unknown, outside its enum or missing.
    """
    manifest = _manifest_of(manifest)
    _check_kind(manifest)
    metadata = dict(manifest.get("metadata") or {})
    spec: Json = dict(manifest.get("spec") or {})
    ns = namespace or metadata.get("namespace") or default_namespace
    if metadata.get("name"):
        what = f"workflow {metadata['name']!r}"
    elif metadata.get("generateName"):
        what = f"the workflow (generateName {metadata['generateName']!r})"
    else:
        what = "the workflow"
    if checked_spec is not None:
        _check_parameters(values, _declared(checked_spec, entrypoint), what)
    _apply_parameters(spec, values)
    if namespace is not None or "namespace" in metadata:
        metadata["namespace"] = ns
    if name is not None:
        metadata["name"] = name
        metadata.pop("generateName", None)
    elif generate_name is not None:
        metadata["generateName"] = generate_name
        metadata.pop("name", None)
    if labels:
        metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
    if entrypoint is not None:
        spec["entrypoint"] = entrypoint
    if service_account is not None:
        spec["serviceAccountName"] = service_account
    if priority is not None:
        spec["priority"] = priority
    manifest["metadata"] = metadata
    manifest["spec"] = spec
    return manifest


def submit(
    source: Any,
    parameters: Mapping[str, Any] | None = None,
    *,
    client: Client | None = None,
    namespace: str | None = None,
    name: str | None = None,
    generate_name: str | None = None,
    entrypoint: str | None = None,
    labels: Mapping[str, str] | None = None,
    service_account: str | None = None,
    priority: int | None = None,
    server_dry_run: bool = False,
) -> Run:
    """Submit a workflow to the Argo Server and return its :class:`Run`.

    Parameters are checked first: each must be one the workflow declares (its
    ``spec.arguments.parameters`` or its entrypoint's inputs), within the parameter's ``enum``
    if it has one; for a whole manifest, every parameter without a value must be given. For
    ``KIND/NAME`` (and a manifest with ``workflowTemplateRef``) the declared parameters are read
    from the server's template; when reading it is forbidden (403) the check is skipped with a
    :class:`UserWarning`.

    A manifest is created with ``POST /api/v1/workflows/{namespace}`` after applying the
    options (as ``argo submit FILE``); ``KIND/NAME`` uses ``POST
    /api/v1/workflows/{namespace}/submit`` (as ``argo submit --from``). Neither is re-sent on a
    failure.

    Args:
        source: A tiphys ``Workflow`` (compiled here), any object with ``to_dict()`` returning
            a Workflow manifest (Hera), a manifest dict, or ``"KIND/NAME"`` with KIND
            ``wftmpl``, ``cwftmpl``, ``cronwf`` (or the full kind names).
        parameters: Arguments, name to value (``spec.arguments.parameters``); non-string values
            are written as JSON (``True`` -> ``"true"``).
        client: The client; by default one configured from the environment (``ARGO_SERVER``...).
        namespace: Namespace to create in; default the manifest's, else the client's.
        name: ``metadata.name`` of the new workflow (replaces ``generateName``).
        generate_name: ``metadata.generateName`` (replaces ``name``).
        entrypoint: Overrides ``spec.entrypoint``.
        labels: Labels added to ``metadata.labels``.
        service_account: ``spec.serviceAccountName``.
        priority: ``spec.priority``.
        server_dry_run: Have the server validate without creating (``serverDryRun``).

    Returns:
        The :class:`Run` of the created workflow.

    Raises:
        TiphysError: ``source`` is not a Workflow, a parameter is unknown, outside its enum or
            missing (the message names it and the known ones).
        CompileError: A tiphys workflow does not compile.
        NoServerConfigured: No client and no ``ARGO_SERVER``.
        ArgoServerError: The server refused it (400: its validation message; 404: no such
            template; 409: the name is taken).
    """
    if client is None:
        from tiphys.client.client import Client

        client = Client()
    created = client._run(
        _submit_plan(
            source,
            parameters,
            client.namespace,
            namespace=namespace,
            name=name,
            generate_name=generate_name,
            entrypoint=entrypoint,
            labels=labels,
            service_account=service_account,
            priority=priority,
            server_dry_run=server_dry_run,
        )
    )
    return Run(client, created)


async def async_submit(
    source: Any,
    parameters: Mapping[str, Any] | None = None,
    *,
    client: AsyncClient | None = None,
    namespace: str | None = None,
    name: str | None = None,
    generate_name: str | None = None,
    entrypoint: str | None = None,
    labels: Mapping[str, str] | None = None,
    service_account: str | None = None,
    priority: int | None = None,
    server_dry_run: bool = False,
) -> AsyncRun:
    """:func:`submit` over an :class:`~tiphys.client.AsyncClient`: the same checks and
    requests (one plan), awaitable.

    Args:
        source: As :func:`submit`.
        parameters: As :func:`submit`.
        client: The async client; by default one configured from the environment (it is then
            the run's client; close it with ``await run.client.aclose()``).
        namespace: As :func:`submit`.
        name: As :func:`submit`.
        generate_name: As :func:`submit`.
        entrypoint: As :func:`submit`.
        labels: As :func:`submit`.
        service_account: As :func:`submit`.
        priority: As :func:`submit`.
        server_dry_run: As :func:`submit`.

    Returns:
        The :class:`AsyncRun` of the created workflow.

    Raises:
        TiphysError: As :func:`submit`.
        CompileError: A tiphys workflow does not compile.
        NoServerConfigured: No client and no ``ARGO_SERVER``.
        ArgoServerError: The server refused it.
    """
    if client is None:
        from tiphys.client.aclient import AsyncClient

        client = AsyncClient()
    created = await client._run(
        _submit_plan(
            source,
            parameters,
            client.namespace,
            namespace=namespace,
            name=name,
            generate_name=generate_name,
            entrypoint=entrypoint,
            labels=labels,
            service_account=service_account,
            priority=priority,
            server_dry_run=server_dry_run,
        )
    )
    return AsyncRun(client, created)


def _submit_plan(
    source: Any,
    parameters: Mapping[str, Any] | None,
    default_namespace: str,
    *,
    namespace: str | None,
    name: str | None,
    generate_name: str | None,
    entrypoint: str | None,
    labels: Mapping[str, str] | None,
    service_account: str | None,
    priority: int | None,
    server_dry_run: bool,
) -> Plan[Json]:
    """The checks and requests of :func:`submit` and :func:`async_submit`; returns the
    created Workflow."""
    values = _strings(parameters) or {}
    if isinstance(source, str):
        kind, ref_name = _ref(source)
        ns = namespace or default_namespace
        server_spec = yield from _server_spec(kind, ref_name, ns)
        if server_spec is not None:
            server_spec = yield from _merged_spec(server_spec, ns)
        if server_spec is not None:
            what = f"{kind} {ref_name!r}"
            _check_parameters(values, _declared(server_spec, entrypoint), what)
        return (
            yield from calls.submit(
                kind,
                ref_name,
                ns,
                parameters=values or None,
                entrypoint=entrypoint,
                workflow_name=name,
                generate_name=generate_name,
                labels=labels,
                annotations=None,
                service_account=service_account,
                priority=priority,
                server_dry_run=server_dry_run,
            )
        )

    manifest = _manifest_of(source)
    _check_kind(manifest)
    meta = manifest.get("metadata") or {}
    ns = namespace or meta.get("namespace") or default_namespace
    checked = yield from _merged_spec(dict(manifest.get("spec") or {}), ns)
    manifest = prepare_manifest(
        manifest,
        values,
        checked_spec=checked,
        namespace=namespace,
        default_namespace=default_namespace,
        name=name,
        generate_name=generate_name,
        entrypoint=entrypoint,
        labels=labels,
        service_account=service_account,
        priority=priority,
    )
    ns = str((manifest.get("metadata") or {}).get("namespace") or ns)
    return (yield from calls.create(ns, manifest, server_dry_run))
