"""The synchronous Argo Server client: :class:`Client`.

Each method is one REST call of Argo Server v4.1.2 (``swagger.json``); bodies are the server's
request wrappers (``WorkflowCreateRequest``, ``WorkflowSubmitRequest``, ...) and results are the
decoded JSON objects. Timeouts, retries and errors are those of
:class:`tiphys.client._transport.Transport`: GET, DELETE and the PUT actions are retried on
connection errors, timeouts, 429, 502, 503 and 504; a POST (create, submit, lint),
``resubmit`` (a PUT that creates a new workflow) and template/cron updates are sent once. A
retried DELETE answered 404 counts as done. Templates and cron workflows are under
:attr:`Client.workflow_templates`, :attr:`Client.cluster_workflow_templates` and
:attr:`Client.cron_workflows`.

Example::

    with Client(server="localhost:2746", token="...") as argo:
        wf = argo.create(manifest)
        print(argo.get(wf["metadata"]["name"])["status"]["phase"])
"""

from __future__ import annotations

import builtins
import random as _random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from tiphys.client import _calls as calls
from tiphys.client._calls import SUBMIT_KINDS, Call, Plan, run_sync
from tiphys.client._resources import (
    CLUSTER_WORKFLOW_TEMPLATE,
    WORKFLOW_TEMPLATE,
    CronWorkflows,
    Resources,
)
from tiphys.client._transport import Query, RetryPolicy, Transport
from tiphys.client.config import ServerConfig, resolve_config
from tiphys.errors import TiphysError

if TYPE_CHECKING:
    import httpx

    from tiphys.client.archive import ArchivedWorkflows
    from tiphys.client.logs import LogStream
    from tiphys.client.watch import WorkflowEvent

__all__ = ["SUBMIT_KINDS", "Client", "RetryPolicy"]

Json = dict[str, Any]
_T = TypeVar("_T")


def new_config(config: ServerConfig | None, settings: Mapping[str, Any], who: str) -> ServerConfig:
    """The configuration of a client: ``config``, or :func:`resolve_config` of ``settings``.

    Raises:
        TiphysError: Both were given, or ``config`` is a string (the address belongs in
            ``server=``).
    """
    if isinstance(config, str):
        raise TiphysError(
            f"{who}() takes the server address as server=: {who}(server={config!r}, ...). Its "
            "first argument is a ServerConfig (or nothing: ARGO_SERVER)."
        )
    if config is not None and settings:
        raise TiphysError(
            f"{who}() takes a config or resolve_config() settings, not both (got config "
            f"and {', '.join(sorted(settings))})."
        )
    return config if config is not None else resolve_config(**settings)


class Client:
    """A synchronous client of one Argo Server.

    Args:
        config: The server configuration; by default :func:`resolve_config` with
            ``**settings``.
        retry: Retry policy of idempotent requests (default :class:`RetryPolicy()`: 4 attempts,
            0.5 s base, 8 s cap).
        sleep: Called with the seconds to wait between attempts (``time.sleep``).
        random: Jitter source, a float in ``[0, 1)`` (``random.random``).
        transport: An httpx transport to use instead of the network (tests).
        **settings: Keyword arguments of :func:`resolve_config` (``server``, ``token``,
            ``namespace``, ...); only without ``config``.

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
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        transport: httpx.BaseTransport | None = None,
        **settings: Any,
    ) -> None:
        self.config = new_config(config, settings, "Client")
        self._transport = Transport(
            self.config, retry=retry, sleep=sleep, random=random, transport=transport
        )
        #: WorkflowTemplate create/get/list/update/delete/lint.
        self.workflow_templates = Resources(self, WORKFLOW_TEMPLATE)
        #: ClusterWorkflowTemplate create/get/list/update/delete/lint (no namespace).
        self.cluster_workflow_templates = Resources(self, CLUSTER_WORKFLOW_TEMPLATE)
        #: CronWorkflow create/get/list/update/delete/lint, suspend/resume.
        self.cron_workflows = CronWorkflows(self)

    def __repr__(self) -> str:
        return f"Client({self.config!r})"

    def close(self) -> None:
        """Close the connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def namespace(self) -> str:
        """The default namespace of namespaced requests (from the configuration)."""
        return self.config.namespace

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        done_after_retry: frozenset[int] = frozenset(),
    ) -> Any:
        """Send one request; see :meth:`tiphys.client._transport.Transport.request`.

        Args:
            method: HTTP method.
            path: Path below the base URL, quoted (``/api/v1/version``).
            query: Query parameters.
            body: JSON body or ``None``.
            idempotent: Whether it may be retried (default: GET, PUT, DELETE).
            done_after_retry: Statuses that mean success after a re-send (``{404}`` for a
                DELETE).

        Returns:
            The decoded JSON body.

        Raises:
            ArgoServerError: As the transport.
        """
        return self._transport.request(
            method,
            path,
            query=query,
            body=body,
            idempotent=idempotent,
            done_after_retry=done_after_retry,
        )

    def _send(self, call: Call) -> Any:
        return self._transport.request(
            call.method,
            call.path,
            query=call.query,
            body=call.body,
            idempotent=call.idempotent,
            done_after_retry=call.done_after_retry,
        )

    def _run(self, plan: Plan[_T]) -> _T:
        """Run an endpoint's plan (:mod:`tiphys.client._calls`) over the transport."""
        return run_sync(plan, self._send)

    def _ns(self, namespace: str | None) -> str:
        return namespace or self.namespace

    # -- server ------------------------------------------------------------------------------

    def version(self) -> Json:
        """``GET /api/v1/version``: the server's version (``{"version": "v4.1.2", ...}``).

        Returns:
            The ``Version`` object.

        Raises:
            ArgoServerError: The request failed.
        """
        result: Json = self._run(calls.one(Call("GET", "/api/v1/version")))
        return result

    def info(self) -> Json:
        """``GET /api/v1/info``: managed namespace, links, UI settings (``InfoResponse``).

        Returns:
            The ``InfoResponse`` object.

        Raises:
            ArgoServerError: The request failed.
        """
        result: Json = self._run(calls.one(Call("GET", "/api/v1/info")))
        return result

    def userinfo(self) -> Json:
        """``GET /api/v1/userinfo``: who the token is (``GetUserInfoResponse``).

        Returns:
            The ``GetUserInfoResponse`` object (``{}`` without a token in server auth mode).

        Raises:
            ArgoServerError: The request failed.
        """
        result: Json = self._run(calls.one(Call("GET", "/api/v1/userinfo")))
        return result

    # -- workflows ---------------------------------------------------------------------------

    def create(
        self,
        manifest: Mapping[str, Any],
        namespace: str | None = None,
        *,
        server_dry_run: bool = False,
    ) -> Json:
        """``POST /api/v1/workflows/{namespace}``: create a workflow (sent once, never retried).

        Args:
            manifest: The Workflow manifest (``apiVersion``, ``kind``, ``metadata``, ``spec``).
            namespace: Namespace to create in; default the client's.
            server_dry_run: Validate on the server without creating (``serverDryRun``).

        Returns:
            The created Workflow (with its generated ``metadata.name``).

        Raises:
            AlreadyExists: 409, the name is taken.
            InvalidRequest: 400, the server's validation message.
            ArgoServerError: Another failure; a timeout says the create may have succeeded.
        """
        return self._run(calls.create(self._ns(namespace), manifest, server_dry_run))

    def get(self, name: str, namespace: str | None = None, *, fields: str | None = None) -> Json:
        """``GET /api/v1/workflows/{namespace}/{name}``: one workflow.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            fields: Argo's ``fields`` filter (``"metadata.name,status.phase"``), or ``None``.

        Returns:
            The Workflow.

        Raises:
            NotFound: 404, no such workflow (it may be archived).
            ArgoServerError: Another failure.
        """
        return self._run(calls.get(self._ns(namespace), name, fields))

    def list(
        self,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        fields: str | None = None,
        name_filter: str | None = None,
        limit: int | None = None,
        max_pages: int = 1000,
    ) -> list[Json]:
        """``GET /api/v1/workflows/{namespace}``: workflows (``"items": null`` is ``[]``).

        With ``limit``, pages of ``limit`` items are read following ``metadata.continue``, at
        most ``max_pages`` of them.

        Args:
            namespace: Namespace to list; default the client's; ``""`` is not all namespaces
                here (use the namespace the token may list).
            label_selector: ``listOptions.labelSelector`` (``"app=x,tier!=db"``).
            field_selector: ``listOptions.fieldSelector``.
            fields: Argo's ``fields`` filter of each item (``"items.metadata.name"``).
            name_filter: ``nameFilter``: ``Exact``, ``Prefix`` or ``Contains``... as the server
                takes it.
            limit: Page size (``listOptions.limit``), or ``None`` for one unpaged request.
            max_pages: Bound on the pages read (default 1000).

        Returns:
            The Workflow items.

        Raises:
            ArgoServerError: A request failed.
        """
        return self._run(
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

    def delete(self, name: str, namespace: str | None = None, *, force: bool = False) -> None:
        """``DELETE /api/v1/workflows/{namespace}/{name}``: delete a workflow.

        Retried like a GET; a 404 answering a re-send counts as deleted.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            force: Also remove the workflow's finalizers (query ``force=true``), so that a
                workflow stuck on one (artifact GC) goes at once.

        Raises:
            NotFound: 404, no such workflow.
            ArgoServerError: Another failure.
        """
        self._run(calls.delete(self._ns(namespace), name, force))

    def lint(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``POST /api/v1/workflows/{namespace}/lint``: validate a workflow on the server.

        Args:
            manifest: The Workflow manifest.
            namespace: Namespace to lint in; default the client's.

        Returns:
            The Workflow as the server would create it.

        Raises:
            InvalidRequest: 400, the server's lint message, whole.
            ArgoServerError: Another failure.
        """
        return self._run(calls.lint(self._ns(namespace), manifest))

    def submit(
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
        """``POST /api/v1/workflows/{namespace}/submit``: a workflow from a template or cron.

        Sent once, never retried (it creates a workflow).

        Args:
            kind: ``WorkflowTemplate``, ``ClusterWorkflowTemplate`` or ``CronWorkflow``, or the
                ``argo`` CLI's ``wftmpl``, ``cwftmpl``, ``cronwf`` (any case).
            name: Name of the template or cron workflow (``resourceName``).
            namespace: Namespace of the new workflow; default the client's.
            parameters: Arguments, ``{"name": "value"}`` (``submitOptions.parameters``).
            entrypoint: Overrides ``spec.entrypoint`` (``entryPoint``).
            workflow_name: ``metadata.name`` of the new workflow (``name``).
            generate_name: ``metadata.generateName`` of the new workflow.
            labels: Labels to add (sent as ``"k=v,k2=v2"``: no ``,`` or ``=`` inside).
            annotations: Annotations to add (sent the same way).
            service_account: ``spec.serviceAccountName`` (``serviceAccount``).
            priority: ``spec.priority``.
            server_dry_run: Validate on the server without creating.

        Returns:
            The created Workflow.

        Raises:
            TiphysError: ``kind`` is not one of the above, or a label or annotation holds
                ``,`` or ``=``.
            ArgoServerError: The request failed.
        """
        return self._run(
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

    def retry(
        self,
        name: str,
        namespace: str | None = None,
        *,
        restart_successful: bool = False,
        node_field_selector: str | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> Json:
        """``PUT .../{name}/retry``: retry a Failed or Error workflow in place (sent once, not
        retried: a re-send after it took effect is refused).

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            restart_successful: Also re-run the succeeded nodes that ``node_field_selector``
                selects (``restartSuccessful``).
            node_field_selector: Nodes to restart (``"templateName=main"``).
            parameters: Changed arguments, ``{"name": "value"}``.

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            InvalidRequest: 400, e.g. the workflow is not Failed or Error.
            ArgoServerError: Another failure.
        """
        return self._run(
            calls.retry(
                self._ns(namespace), name, restart_successful, node_field_selector, parameters
            )
        )

    def resubmit(
        self,
        name: str,
        namespace: str | None = None,
        *,
        memoized: bool = False,
        parameters: Mapping[str, str] | None = None,
    ) -> Json:
        """``PUT .../{name}/resubmit``: a new workflow from this one (sent once, not retried).

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            memoized: Reuse the outputs of succeeded nodes (``memoized``).
            parameters: Changed arguments, ``{"name": "value"}``.

        Returns:
            The NEW Workflow (another name).

        Raises:
            ArgoServerError: The request failed.
        """
        return self._run(calls.resubmit(self._ns(namespace), name, memoized, parameters))

    def stop(
        self,
        name: str,
        namespace: str | None = None,
        *,
        message: str | None = None,
        node_field_selector: str | None = None,
    ) -> Json:
        """``PUT .../{name}/stop``: stop a workflow, running its exit handlers.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            message: Reason recorded on the workflow (``message``).
            node_field_selector: Stop only the selected nodes.

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The request failed.
        """
        return self._run(calls.stop(self._ns(namespace), name, message, node_field_selector))

    def terminate(self, name: str, namespace: str | None = None) -> Json:
        """``PUT .../{name}/terminate``: terminate a workflow, skipping its exit handlers.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The Workflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return self._run(calls.action("terminate", self._ns(namespace), name, {}))

    def suspend(self, name: str, namespace: str | None = None) -> Json:
        """``PUT .../{name}/suspend``: suspend a workflow.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The Workflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return self._run(calls.action("suspend", self._ns(namespace), name, {}))

    def resume(
        self, name: str, namespace: str | None = None, *, node_field_selector: str | None = None
    ) -> Json:
        """``PUT .../{name}/resume``: resume a suspended workflow or suspend nodes.

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            node_field_selector: Resume only the selected nodes (``"displayName=approve"``).

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The request failed.
        """
        return self._run(calls.resume(self._ns(namespace), name, node_field_selector))

    def set(
        self,
        name: str,
        node_field_selector: str,
        namespace: str | None = None,
        *,
        output_parameters: Mapping[str, str] | None = None,
        phase: str | None = None,
        message: str | None = None,
    ) -> Json:
        """``PUT .../{name}/set``: set the outputs, phase or message of nodes (``argo node set``).

        Args:
            name: Workflow name.
            node_field_selector: The nodes to set (``"displayName=approve"``).
            namespace: Its namespace; default the client's.
            output_parameters: Values of a suspend node's supplied output parameters,
                ``{"name": "value"}``; sent as the JSON string the server takes
                (``outputParameters``).
            phase: New node phase (``"Succeeded"``, ``"Failed"``).
            message: New node message.

        Returns:
            The Workflow.

        Raises:
            TiphysError: ``node_field_selector`` names a field the server does not match
                (it would select no node); nothing is sent.
            ArgoServerError: The request failed.
        """
        return self._run(
            calls.set_nodes(
                self._ns(namespace), name, node_field_selector, output_parameters, phase, message
            )
        )

    def delete_selected(
        self,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        force: bool = False,
    ) -> builtins.list[str]:
        """Delete every workflow the selectors pick: one list, then a DELETE per workflow.

        ``GET /api/v1/workflows/{namespace}`` with ``listOptions.labelSelector`` /
        ``listOptions.fieldSelector``, then ``DELETE .../{name}`` for each item. A workflow
        already gone when its DELETE is sent (404) is skipped.

        Args:
            namespace: Namespace to delete in; default the client's.
            label_selector: ``"app=x,workflows.argoproj.io/completed=true"``; ``""`` selects
                every workflow of the namespace.
            field_selector: ``"metadata.name!=keep-me"``.
            force: Also remove finalizers (see :meth:`delete`).

        Returns:
            The names deleted, in the list's order.

        Raises:
            TiphysError: Neither selector was given (say ``label_selector=""`` to delete all).
            ArgoServerError: The list or a delete failed (the ones before it are deleted).
        """
        return self._run(
            calls.delete_selected(self._ns(namespace), label_selector, field_selector, force)
        )

    # -- streams -----------------------------------------------------------------------------

    def watch(
        self, name: str, namespace: str | None = None, *, timeout: float | None = None
    ) -> Iterator[WorkflowEvent]:
        """Follow one workflow until it finishes or is deleted (``GET`` then the SSE watch).

        ``GET /api/v1/workflows/{ns}/{name}`` first (an already finished or archived
        workflow ends the watch there), then ``GET /api/v1/workflow-events/{ns}`` with
        reconnects, deduplication by resourceVersion and a fresh GET after "too old resource
        version" (see :mod:`tiphys.client.watch`).

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            timeout: Seconds for the whole watch, or ``None`` for no limit.

        Returns:
            An iterator of :class:`~tiphys.client.watch.WorkflowEvent`; the last one is
            finished or ``DELETED``.

        Raises:
            WaitTimeout: While iterating, the workflow did not finish within ``timeout``.
            NotFound: While iterating, no such workflow.
            ArgoServerError: While iterating, another server error.
        """
        from tiphys.client.watch import watch_workflow

        return watch_workflow(self, name, namespace, timeout=timeout)

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
    ) -> LogStream:
        """``GET /api/v1/workflows/{ns}/{name}/log``: the log lines of a workflow's pods.

        Always asks for timestamps (``logOptions.timestamps=true``) to resume and dedupe;
        while following, a dropped stream reconnects while the workflow is unfinished, from
        ``sinceTime``, without repeating lines. When the workflow is finished and no line
        came, the ``main-logs`` artifacts are read; else :attr:`LogStream.notice` says why
        there are none (see :mod:`tiphys.client.logs`).

        Args:
            name: Workflow name.
            namespace: Its namespace; default the client's.
            pod_name: Only this pod (``podName``); default all pods.
            container: Container (``logOptions.container``, default ``"main"``).
            follow: Follow until the workflow finishes (``logOptions.follow``).
            since_seconds: Only lines of the last N seconds (``logOptions.sinceSeconds``).
            since_time: Only lines since then (``logOptions.sinceTime.seconds``, whole
                seconds; a naive datetime is UTC).
            tail_lines: Only the last N lines of each pod (``logOptions.tailLines``).
            grep: Only lines whose text (without the timestamp) matches this regex; sent
                as ``grep`` to pre-filter on the server unless anchored with ``^``.
            selector: Extra pod label selector (``selector``).
            timeout: Seconds one read may wait (default the configuration's read timeout).

        Returns:
            A :class:`~tiphys.client.logs.LogStream` of
            :class:`~tiphys.client.logs.LogLine` (read lazily).

        Raises:
            NotFound: While iterating, no such workflow.
            ArgoServerError: While iterating, another server error, or too many failed
                reconnects.
            StreamError: While iterating, an error chunk ended a stream that does not follow.
        """
        from tiphys.client.logs import stream_logs

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
        return stream_logs(
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
    def archived_workflows(self) -> ArchivedWorkflows:
        """Archived workflows: ``list``, ``get``, ``delete`` (``/api/v1/archived-workflows``)."""
        from tiphys.client.archive import ArchivedWorkflows

        return ArchivedWorkflows(self)

    def download_artifact(
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
        """Download an output artifact, streamed (never whole in memory).

        ``GET /artifact-files/{ns}/workflows/{name}/{nodeId}/{io}/{artifact}``; the server
        reads it from the artifact repository. The handler finds live workflows only: for one
        deleted but archived, pass its ``uid`` (``archived-workflows/{uid}``).
        A file artifact comes as its content; a directory as the server sends it.

        Args:
            workflow: Workflow name.
            node_id: The node's id (the entrypoint node's id is the workflow name).
            artifact: The artifact's name (``main-logs`` for archived logs).
            dest: A path to write (replaced; removed again if the download fails) or a binary
                file object open for writing.
            namespace: The workflow's namespace; default the client's.
            io: ``"outputs"`` (the only kind the endpoint serves).
            uid: Read from the archived copy of the workflow with this ``metadata.uid``, for a
                workflow deleted but archived.

        Returns:
            Bytes written.

        Raises:
            NotFound: No such workflow, node or artifact.
            ArgoServerError: Another failure, or the connection dropped mid-download.
            OSError: ``dest`` cannot be written.
        """
        path = calls.artifact_path(self._ns(namespace), workflow, node_id, artifact, io, uid)
        with self._transport.stream(path, accept="*/*") as stream:
            if not isinstance(dest, Path):
                written = 0
                for piece in stream.chunks():
                    dest.write(piece)
                    written += len(piece)
                return written
            part = dest.with_name(dest.name + ".part")
            try:
                written = 0
                with part.open("wb") as out:
                    for piece in stream.chunks():
                        out.write(piece)
                        written += len(piece)
                part.replace(dest)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            return written

    def read_artifact(
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
        """Read a small output artifact into memory (see :meth:`download_artifact`).

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
        with self._transport.stream(path, accept="*/*") as stream:
            for piece in stream.chunks():
                data += piece
                if len(data) > max_bytes:
                    raise calls.too_large(artifact, node_id, max_bytes)
        return bytes(data)
