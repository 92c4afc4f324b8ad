"""The asynchronous Argo Server client: :class:`AsyncClient`.

The same endpoints as :class:`~tiphys.client.Client`, awaitable, over ``httpx.AsyncClient``:
each request is built by the same plan (:mod:`tiphys.client._calls`), sent with the same
timeouts, retry policy (idempotent requests only; a create, submit, lint or resubmit is never
re-sent), error mapping and token secrecy (:class:`~tiphys.client._transport.AsyncTransport`).
:meth:`AsyncClient.watch` and :meth:`AsyncClient.logs` are async iterators driven by the same
reconnect state machines as the sync ones (:class:`~tiphys.client.watch.WatchMachine`,
:class:`~tiphys.client.logs.LogMachine`).

Example::

    async with AsyncClient(server="localhost:2746", token="...") as argo:
        wf = await argo.create(manifest)
        async for event in argo.watch(wf["metadata"]["name"], timeout=600):
            print(event.phase)
"""

from __future__ import annotations

import builtins
import random as _random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from tiphys.client import _calls as calls
from tiphys.client._calls import Call, Plan, run_async
from tiphys.client._resources import (
    CLUSTER_WORKFLOW_TEMPLATE,
    WORKFLOW_TEMPLATE,
    AsyncCronWorkflows,
    AsyncResources,
)
from tiphys.client._transport import AsyncTransport, Query, RetryPolicy
from tiphys.client.client import new_config
from tiphys.client.config import ServerConfig

if TYPE_CHECKING:
    import httpx

    from tiphys.client.archive import AsyncArchivedWorkflows
    from tiphys.client.logs import AsyncLogStream
    from tiphys.client.watch import WorkflowEvent

__all__ = ["AsyncClient"]

Json = dict[str, Any]
_T = TypeVar("_T")


class AsyncClient:
    """An asynchronous client of one Argo Server (see the module documentation).

    Args:
        config: The server configuration; by default :func:`resolve_config` with
            ``**settings``.
        retry: Retry policy of idempotent requests (default :class:`RetryPolicy()`).
        sleep: Awaited with the seconds to wait between attempts (``asyncio.sleep``).
        random: Jitter source, a float in ``[0, 1)`` (``random.random``).
        transport: An httpx async transport to use instead of the network (tests).
        **settings: Keyword arguments of :func:`resolve_config`; only without ``config``.

    Raises:
        NoServerConfigured: No server was given nor set in ``ARGO_SERVER``.
        ConfigError: A setting is malformed.
        TiphysError: Both ``config`` and ``settings`` were given.
    """

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        random: Callable[[], float] = _random.random,
        transport: httpx.AsyncBaseTransport | None = None,
        **settings: Any,
    ) -> None:
        self.config = new_config(config, settings, "AsyncClient")
        self._transport = AsyncTransport(
            self.config, retry=retry, sleep=sleep, random=random, transport=transport
        )
        #: WorkflowTemplate create/get/list/update/delete/lint.
        self.workflow_templates = AsyncResources(self, WORKFLOW_TEMPLATE)
        #: ClusterWorkflowTemplate create/get/list/update/delete/lint (no namespace).
        self.cluster_workflow_templates = AsyncResources(self, CLUSTER_WORKFLOW_TEMPLATE)
        #: CronWorkflow create/get/list/update/delete/lint, suspend/resume.
        self.cron_workflows = AsyncCronWorkflows(self)

    def __repr__(self) -> str:
        return f"AsyncClient({self.config!r})"

    async def aclose(self) -> None:
        """Close the connections."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def namespace(self) -> str:
        """The default namespace of namespaced requests (from the configuration)."""
        return self.config.namespace

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        done_after_retry: frozenset[int] = frozenset(),
    ) -> Any:
        """Send one request; see :meth:`tiphys.client.Client.request`.

        Args:
            method: HTTP method.
            path: Path below the base URL, quoted.
            query: Query parameters.
            body: JSON body or ``None``.
            idempotent: Whether it may be retried (default: GET, PUT, DELETE).
            done_after_retry: Statuses that mean success after a re-send.

        Returns:
            The decoded JSON body.

        Raises:
            ArgoServerError: As the transport.
        """
        return await self._transport.request(
            method,
            path,
            query=query,
            body=body,
            idempotent=idempotent,
            done_after_retry=done_after_retry,
        )

    async def _send(self, call: Call) -> Any:
        return await self._transport.request(
            call.method,
            call.path,
            query=call.query,
            body=call.body,
            idempotent=call.idempotent,
            done_after_retry=call.done_after_retry,
        )

    async def _run(self, plan: Plan[_T]) -> _T:
        """Run an endpoint's plan (:mod:`tiphys.client._calls`) over the async transport."""
        return await run_async(plan, self._send)

    def _ns(self, namespace: str | None) -> str:
        return namespace or self.namespace

    # -- server ------------------------------------------------------------------------------

    async def version(self) -> Json:
        """``GET /api/v1/version``; see :meth:`Client.version`.

        Returns:
            The ``Version`` object.

        Raises:
            ArgoServerError: The request failed.
        """
        result: Json = await self._run(calls.one(Call("GET", "/api/v1/version")))
        return result

    async def info(self) -> Json:
        """``GET /api/v1/info``; see :meth:`Client.info`.

        Returns:
            The ``InfoResponse`` object.

        Raises:
            ArgoServerError: The request failed.
        """
        result: Json = await self._run(calls.one(Call("GET", "/api/v1/info")))
        return result

    async def userinfo(self) -> Json:
        """``GET /api/v1/userinfo``; see :meth:`Client.userinfo`.

        Returns:
            The ``GetUserInfoResponse`` object.

        Raises:
            ArgoServerError: The request failed.
        """
        result: Json = await self._run(calls.one(Call("GET", "/api/v1/userinfo")))
        return result

    # -- workflows ---------------------------------------------------------------------------

    async def create(
        self,
        manifest: Mapping[str, Any],
        namespace: str | None = None,
        *,
        server_dry_run: bool = False,
    ) -> Json:
        """``POST /api/v1/workflows/{namespace}`` (sent once); see :meth:`Client.create`.

        Args:
            manifest: The Workflow manifest.
            namespace: Namespace to create in; default the client's.
            server_dry_run: Validate on the server without creating.

        Returns:
            The created Workflow.

        Raises:
            AlreadyExists: 409, the name is taken.
            InvalidRequest: 400, the server's validation message.
            ArgoServerError: Another failure; a timeout says the create may have succeeded.
        """
        return await self._run(calls.create(self._ns(namespace), manifest, server_dry_run))

    async def get(
        self, name: str, namespace: str | None = None, *, fields: str | None = None
    ) -> Json:
        """``GET /api/v1/workflows/{namespace}/{name}``; see :meth:`Client.get`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            fields: Argo's ``fields`` filter, or ``None``.

        Returns:
            The Workflow.

        Raises:
            NotFound: 404, no such workflow.
            ArgoServerError: Another failure.
        """
        return await self._run(calls.get(self._ns(namespace), name, fields))

    async def list(
        self,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        fields: str | None = None,
        name_filter: str | None = None,
        limit: int | None = None,
        max_pages: int = 1000,
    ) -> builtins.list[Json]:
        """``GET /api/v1/workflows/{namespace}``, paged; see :meth:`Client.list`.

        Args:
            namespace: Namespace to list; default the client's.
            label_selector: ``listOptions.labelSelector``.
            field_selector: ``listOptions.fieldSelector``.
            fields: Argo's ``fields`` filter of each item.
            name_filter: ``nameFilter``.
            limit: Page size, or ``None`` for one unpaged request.
            max_pages: Bound on the pages read (default 1000).

        Returns:
            The Workflow items.

        Raises:
            ArgoServerError: A request failed.
        """
        return await self._run(
            calls.list_workflows(
                self._ns(namespace),
                label_selector=label_selector,
                field_selector=field_selector,
                fields=fields,
                name_filter=name_filter,
                limit=limit,
                max_pages=max_pages,
            )
        )

    async def delete(self, name: str, namespace: str | None = None, *, force: bool = False) -> None:
        """``DELETE /api/v1/workflows/{namespace}/{name}``; see :meth:`Client.delete`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            force: Also remove the workflow's finalizers.

        Raises:
            NotFound: 404, no such workflow.
            ArgoServerError: Another failure.
        """
        await self._run(calls.delete(self._ns(namespace), name, force))

    async def lint(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``POST /api/v1/workflows/{namespace}/lint``; see :meth:`Client.lint`.

        Args:
            manifest: The Workflow manifest.
            namespace: Namespace to lint in; default the client's.

        Returns:
            The Workflow as the server would create it.

        Raises:
            InvalidRequest: 400, the server's lint message, whole.
            ArgoServerError: Another failure.
        """
        return await self._run(calls.lint(self._ns(namespace), manifest))

    async def submit(
        self,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        parameters: Mapping[str, str] | None = None,
        entrypoint: str | None = None,
        workflow_name: str | None = None,
        generate_name: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        service_account: str | None = None,
        priority: int | None = None,
        server_dry_run: bool = False,
    ) -> Json:
        """``POST /api/v1/workflows/{namespace}/submit`` (sent once); see :meth:`Client.submit`.

        Args:
            kind: ``WorkflowTemplate``, ``ClusterWorkflowTemplate``, ``CronWorkflow`` or
                ``wftmpl``, ``cwftmpl``, ``cronwf``.
            name: Name of the template or cron workflow.
            namespace: Namespace of the new workflow; default the client's.
            parameters: Arguments, ``{"name": "value"}``.
            entrypoint: Overrides ``spec.entrypoint``.
            workflow_name: ``metadata.name`` of the new workflow.
            generate_name: ``metadata.generateName`` of the new workflow.
            labels: Labels to add.
            annotations: Annotations to add.
            service_account: ``spec.serviceAccountName``.
            priority: ``spec.priority``.
            server_dry_run: Validate on the server without creating.

        Returns:
            The created Workflow.

        Raises:
            TiphysError: ``kind`` is not one of the above.
            ArgoServerError: The request failed.
        """
        return await self._run(
            calls.submit(
                kind,
                name,
                self._ns(namespace),
                parameters=parameters,
                entrypoint=entrypoint,
                workflow_name=workflow_name,
                generate_name=generate_name,
                labels=labels,
                annotations=annotations,
                service_account=service_account,
                priority=priority,
                server_dry_run=server_dry_run,
            )
        )

    async def retry(
        self,
        name: str,
        namespace: str | None = None,
        *,
        restart_successful: bool = False,
        node_field_selector: str | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> Json:
        """``PUT .../{name}/retry``; see :meth:`Client.retry`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            restart_successful: Also re-run the selected succeeded nodes.
            node_field_selector: Nodes to restart.
            parameters: Changed arguments.

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The request failed.
        """
        return await self._run(
            calls.retry(
                self._ns(namespace), name, restart_successful, node_field_selector, parameters
            )
        )

    async def resubmit(
        self,
        name: str,
        namespace: str | None = None,
        *,
        memoized: bool = False,
        parameters: Mapping[str, str] | None = None,
    ) -> Json:
        """``PUT .../{name}/resubmit`` (sent once); see :meth:`Client.resubmit`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            memoized: Reuse the outputs of succeeded nodes.
            parameters: Changed arguments.

        Returns:
            The NEW Workflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return await self._run(calls.resubmit(self._ns(namespace), name, memoized, parameters))

    async def stop(
        self,
        name: str,
        namespace: str | None = None,
        *,
        message: str | None = None,
        node_field_selector: str | None = None,
    ) -> Json:
        """``PUT .../{name}/stop``; see :meth:`Client.stop`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            message: Reason recorded on the workflow.
            node_field_selector: Stop only the selected nodes.

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The request failed.
        """
        return await self._run(calls.stop(self._ns(namespace), name, message, node_field_selector))

    async def terminate(self, name: str, namespace: str | None = None) -> Json:
        """``PUT .../{name}/terminate``; see :meth:`Client.terminate`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The Workflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return await self._run(calls.action("terminate", self._ns(namespace), name, {}))

    async def suspend(self, name: str, namespace: str | None = None) -> Json:
        """``PUT .../{name}/suspend``; see :meth:`Client.suspend`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The Workflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return await self._run(calls.action("suspend", self._ns(namespace), name, {}))

    async def resume(
        self, name: str, namespace: str | None = None, *, node_field_selector: str | None = None
    ) -> Json:
        """``PUT .../{name}/resume``; see :meth:`Client.resume`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            node_field_selector: Resume only the selected nodes.

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The request failed.
        """
        return await self._run(calls.resume(self._ns(namespace), name, node_field_selector))

    async def set(
        self,
        name: str,
        node_field_selector: str,
        namespace: str | None = None,
        *,
        output_parameters: Mapping[str, str] | None = None,
        phase: str | None = None,
        message: str | None = None,
    ) -> Json:
        """``PUT .../{name}/set``; see :meth:`Client.set`.

        Args:
            name: Workflow name.
            node_field_selector: The nodes to set.
            namespace: Its namespace; default the client's.
            output_parameters: Values of a suspend node's supplied output parameters.
            phase: New node phase.
            message: New node message.

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The request failed.
        """
        return await self._run(
            calls.set_nodes(
                self._ns(namespace), name, node_field_selector, output_parameters, phase, message
            )
        )

    async def delete_selected(
        self,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        force: bool = False,
    ) -> builtins.list[str]:
        """A list with the selectors, then a DELETE per workflow; see
        :meth:`Client.delete_selected`.

        Args:
            namespace: Namespace to delete in; default the client's.
            label_selector: Label selector; ``""`` selects every workflow.
            field_selector: Field selector.
            force: Also remove finalizers.

        Returns:
            The names deleted, in the list's order.

        Raises:
            TiphysError: Neither selector was given.
            ArgoServerError: The list or a delete failed.
        """
        return await self._run(
            calls.delete_selected(self._ns(namespace), label_selector, field_selector, force)
        )

    # -- streams -----------------------------------------------------------------------------

    def watch(
        self, name: str, namespace: str | None = None, *, timeout: float | None = None
    ) -> AsyncIterator[WorkflowEvent]:
        """Follow one workflow until it finishes or is deleted; see :meth:`Client.watch`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            timeout: Seconds for the whole watch, or ``None`` for no limit.

        Returns:
            An async iterator of :class:`~tiphys.client.watch.WorkflowEvent`.

        Raises:
            WaitTimeout: While iterating, the workflow did not finish within ``timeout``.
            NotFound: While iterating, no such workflow.
            ArgoServerError: While iterating, another server error.
        """
        from tiphys.client.watch import watch_workflow_async

        return watch_workflow_async(self, name, namespace, timeout=timeout)

    def logs(
        self,
        name: str,
        namespace: str | None = None,
        *,
        pod_name: str | None = None,
        container: str = "main",
        follow: bool = False,
        since_seconds: int | None = None,
        since_time: datetime | None = None,
        tail_lines: int | None = None,
        grep: str | None = None,
        selector: str | None = None,
        timeout: float | None = None,
    ) -> AsyncLogStream:
        """The log lines of a workflow's pods; see :meth:`Client.logs`.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            pod_name: Only this pod.
            container: Container (default ``"main"``).
            follow: Follow until the workflow finishes.
            since_seconds: Only lines of the last N seconds.
            since_time: Only lines since then (whole seconds; naive is UTC).
            tail_lines: Only the last N lines of each pod.
            grep: Only lines whose text matches this regex (see :meth:`Client.logs`).
            selector: Extra pod label selector.
            timeout: Seconds one read may wait (default the configuration's read timeout).

        Returns:
            An :class:`~tiphys.client.logs.AsyncLogStream` of
            :class:`~tiphys.client.logs.LogLine` (read lazily).

        Raises:
            NotFound: While iterating, no such workflow.
            ArgoServerError: While iterating, another server error.
            StreamError: While iterating, an error chunk ended a stream that does not follow.
        """
        from tiphys.client.logs import stream_logs_async

        query = calls.logs_query(
            pod_name=pod_name,
            container=container,
            follow=follow,
            since_seconds=since_seconds,
            since_time=since_time,
            tail_lines=tail_lines,
            grep=grep,
            selector=selector,
        )
        return stream_logs_async(
            self,
            name,
            namespace,
            query,
            follow=follow,
            container=container,
            pod=pod_name,
            grep=grep,
            tail_lines=tail_lines,
            timeout=timeout,
        )

    @property
    def archived_workflows(self) -> AsyncArchivedWorkflows:
        """Archived workflows: ``list``, ``get``, ``delete`` (``/api/v1/archived-workflows``)."""
        from tiphys.client.archive import AsyncArchivedWorkflows

        return AsyncArchivedWorkflows(self)

    async def download_artifact(
        self,
        workflow: str,
        node_id: str,
        artifact: str,
        dest: Path | BinaryIO,
        namespace: str | None = None,
        *,
        io: str = "outputs",
        uid: str | None = None,
    ) -> int:
        """Download an output artifact, streamed; see :meth:`Client.download_artifact`.

        ``GET /artifact-files/{ns}/workflows/{name}/{nodeId}/{io}/{artifact}``. The file is
        written with blocking writes (small pieces of at most 64 KiB).

        Args:
            workflow: Workflow name.
            node_id: The node's id.
            artifact: The artifact's name.
            dest: A path (replaced; removed again on failure) or a binary file object.
            namespace: The workflow's namespace; default the client's.
            io: ``"outputs"``.
            uid: Read from the archived copy of the workflow with this ``metadata.uid``.

        Returns:
            Bytes written.

        Raises:
            NotFound: No such workflow, node or artifact.
            ArgoServerError: Another failure, or the connection dropped mid-download.
            OSError: ``dest`` cannot be written.
        """
        path = calls.artifact_path(self._ns(namespace), workflow, node_id, artifact, io, uid)
        async with self._transport.stream(path, accept="*/*") as stream:
            if not isinstance(dest, Path):
                written = 0
                async for piece in stream.chunks():
                    dest.write(piece)
                    written += len(piece)
                return written
            part = dest.with_name(dest.name + ".part")
            try:
                written = 0
                with part.open("wb") as out:
                    async for piece in stream.chunks():
                        out.write(piece)
                        written += len(piece)
                part.replace(dest)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            return written

    async def read_artifact(
        self,
        workflow: str,
        node_id: str,
        artifact: str,
        namespace: str | None = None,
        *,
        io: str = "outputs",
        max_bytes: int = 64 * 1024 * 1024,
        uid: str | None = None,
    ) -> bytes:
        """Read a small output artifact into memory; see :meth:`Client.read_artifact`.

        Args:
            workflow: Workflow name.
            node_id: The node's id.
            artifact: The artifact's name.
            namespace: The workflow's namespace; default the client's.
            io: ``"outputs"``.
            max_bytes: Refuse artifacts larger than this many bytes (default 64 MiB).
            uid: Read from the archived copy of the workflow with this ``metadata.uid``
                (``archived-workflows/{uid}``), for a workflow deleted but archived.

        Returns:
            The artifact's bytes.

        Raises:
            TiphysError: The artifact is larger than ``max_bytes``.
            NotFound: No such workflow, node or artifact.
            ArgoServerError: Another failure.
        """
        path = calls.artifact_path(self._ns(namespace), workflow, node_id, artifact, io, uid)
        data = bytearray()
        async with self._transport.stream(path, accept="*/*") as stream:
            async for piece in stream.chunks():
                data += piece
                if len(data) > max_bytes:
                    raise calls.too_large(artifact, node_id, max_bytes)
        return bytes(data)
