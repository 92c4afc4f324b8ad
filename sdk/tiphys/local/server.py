"""The embedded Argo Server: the REST subset tiphys.client uses, on this machine, no cluster.

:class:`LocalServer` serves Argo Server v4.1.2's routes (``/api/v1/workflows``, the
``workflow-events`` watch stream, the log stream, WorkflowTemplates, ClusterWorkflowTemplates,
CronWorkflows, version/userinfo/info and the artifact download route) on
``http.server.ThreadingHTTPServer``, shaped as ``swagger.json`` and FACTS §1 say. Workflows run
on one asyncio loop in a background thread through :class:`tiphys.local.engine.LocalRun`;
objects persist in :class:`tiphys.local.state.StateStore` (SQLite in the state directory) and
CronWorkflows are scheduled by :class:`tiphys.local.cron.CronScheduler`.

Security: the server runs commands on this machine, so every route needs
``Authorization: Bearer <token>`` (the token is generated on first start into
``<state_dir>/token``, mode 0600); ``Host`` and ``Origin`` must be loopback; POST and PUT bodies
must be ``application/json``; it binds 127.0.0.1 unless told otherwise.

Example::

    server = LocalServer(state_dir=Path("/tmp/tiphys-server"), port=0)
    server.start()
    try:
        Client(server=server.url.removeprefix("http://"), secure=False,
               token=server.token).version()
    finally:
        server.shutdown()
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import copy
import getpass
import importlib
import json
import os
import platform
import queue
import re
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tiphys.local import security
from tiphys.local.routes import (
    ApiError,
    FileReply,
    Reply,
    Request,
    StreamReply,
    error_body,
    match,
    parse_body,
)
from tiphys.local.selectors import (
    SelectorError,
    clean_fields,
    field_selector,
    label_selector,
    name_match,
    node_selector,
)
from tiphys.local.sse import StreamWriter, error_chunk, wants_sse

if TYPE_CHECKING:
    from tiphys.local.artifacts import ArtifactStore
    from tiphys.local.store import LocalStore

__all__ = ["LocalServer", "default_state_dir", "read_token"]

API_VERSION = "argoproj.io/v1alpha1"
WORKFLOW = "Workflow"
WORKFLOW_TEMPLATE = "WorkflowTemplate"
CLUSTER_WORKFLOW_TEMPLATE = "ClusterWorkflowTemplate"
CRON_WORKFLOW = "CronWorkflow"
#: k8s resource names, for NotFound / AlreadyExists / Conflict messages.
RESOURCE = {
    WORKFLOW: "workflows.argoproj.io",
    WORKFLOW_TEMPLATE: "workflowtemplates.argoproj.io",
    CLUSTER_WORKFLOW_TEMPLATE: "clusterworkflowtemplates.argoproj.io",
    CRON_WORKFLOW: "cronworkflows.argoproj.io",
}
#: The body field of create/update/lint requests of each kind.
BODY_FIELD = {
    WORKFLOW: "workflow",
    WORKFLOW_TEMPLATE: "template",
    CLUSTER_WORKFLOW_TEMPLATE: "template",
    CRON_WORKFLOW: "cronWorkflow",
}
#: ``resourceKind`` spellings the submit endpoint accepts (server/workflow/workflow_server.go).
SUBMIT_KINDS = {
    **dict.fromkeys(("CronWorkflow", "cronworkflow", "cronworkflows", "cronwf"), CRON_WORKFLOW),
    **dict.fromkeys(
        ("WorkflowTemplate", "workflowtemplate", "workflowtemplates", "wftmpl"), WORKFLOW_TEMPLATE
    ),
    **dict.fromkeys(
        (
            "ClusterWorkflowTemplate",
            "clusterworkflowtemplate",
            "clusterworkflowtemplates",
            "cwftmpl",
        ),
        CLUSTER_WORKFLOW_TEMPLATE,
    ),
}
#: Status and message when a create/lint body lacks its object (Argo's servers; the cron
#: server answers NotFound).
MISSING_BODY = {
    WORKFLOW: (400, "workflow body not specified"),
    WORKFLOW_TEMPLATE: (400, "workflow template was not found in the request body"),
    CLUSTER_WORKFLOW_TEMPLATE: (400, "cluster workflow template was not found in the request body"),
    CRON_WORKFLOW: (404, "cron workflow was not found in the request body"),
}
DONE_PHASES = ("Succeeded", "Failed", "Error")
LABEL_PHASE = "workflows.argoproj.io/phase"
LABEL_COMPLETED = "workflows.argoproj.io/completed"
LABEL_RESUBMITTED_FROM = "workflows.argoproj.io/resubmitted-from-workflow"
LABEL_WORKFLOW_TEMPLATE = "workflows.argoproj.io/workflow-template"
LABEL_CLUSTER_WORKFLOW_TEMPLATE = "workflows.argoproj.io/cluster-workflow-template"
#: Labels a resubmitted workflow does not inherit (workflow/util/util.go
#: FormulateResubmitWorkflow).
RESUBMIT_DROPPED_LABELS = (
    "workflows.argoproj.io/creator",
    "workflows.argoproj.io/creator-email",
    "workflows.argoproj.io/creator-preferred-username",
    LABEL_PHASE,
    LABEL_COMPLETED,
    "workflows.argoproj.io/workflow-archiving-status",
)
#: k8s generateName suffix alphabet (apimachinery/pkg/util/rand: no vowels, no 0/1/3).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_BODY_BYTES = 32 * 1024 * 1024
#: Seconds between polls of log files while following.
LOG_POLL_SECONDS = 0.2
#: Watch events kept for watches that resume from a resourceVersion.
HISTORY_EVENTS = 2000
#: Seconds the server waits for runs to stop when shutting down.
SHUTDOWN_SECONDS = 5.0


def default_state_dir() -> Path:
    """The default state directory: ``$XDG_STATE_HOME/tiphys/server``, else
    ``~/.local/state/tiphys/server``."""
    base = os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base else Path.home() / ".local" / "state"
    return root / "tiphys" / "server"


def read_token(state_dir: Path) -> str | None:
    """The bearer token of the server whose state is in ``state_dir`` (without ``"Bearer "``),
    or ``None`` when it was never started there."""
    return security.read_token(state_dir)


def _extra_hosts(host: str) -> frozenset[str]:
    """Host names accepted besides loopback for a server bound to ``host``: none for a
    loopback bind; the bound name and every IP literal (``"*"``) for an explicit other one."""
    if host in security.LOOPBACK_NAMES:
        return frozenset()
    return frozenset({host.lower(), "*"})


def now_rfc3339() -> str:
    """The current time as Argo writes it (``2026-11-30T01:02:03Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _finished(wf: Mapping[str, Any]) -> bool:
    status = wf.get("status") or {}
    return bool(status.get("finishedAt")) or status.get("phase") in DONE_PHASES


def _not_found(kind: str, name: str) -> ApiError:
    return ApiError(404, f'{RESOURCE[kind]} "{name}" not found')


def _generate_name(prefix: str) -> str:
    """k8s generateName: the prefix (cut to 58 characters) + 5 random characters."""
    return prefix[:58] + "".join(secrets.choice(NAME_ALPHABET) for _ in range(5))


def _parse_pairs(text: str, what: str) -> dict[str, str]:
    """``a=b,c=d`` (submitOptions labels/annotations, ``cmdutil.ParseLabels``)."""
    pairs: dict[str, str] = {}
    for part in (p for p in text.split(",") if p):
        key, sep, value = part.partition("=")
        if not sep:
            raise ApiError(
                400,
                f"expected {what} of the form: NAME1=VALUE2,NAME2=VALUE2. Received: {text}",
            )
        pairs[key] = value
    return pairs


def override_parameters(wf: dict[str, Any], parameters: list[str] | None) -> None:
    """``-p k=v`` values replace ``spec.arguments.parameters`` (given ones first, then the
    others in their order: workflow/util/util.go overrideParameters).

    Raises:
        ApiError: 400 for a value without ``=``.
    """
    if not parameters:
        return
    given: list[dict[str, Any]] = []
    names: set[str] = set()
    for text in parameters:
        name, sep, value = str(text).partition("=")
        if not sep:
            raise ApiError(400, f"expected parameter of the form: NAME=VALUE. Received: {text}")
        given.append({"name": name, "value": value})
        names.add(name)
    spec = wf.setdefault("spec", {})
    arguments = spec.setdefault("arguments", {})
    kept = [p for p in arguments.get("parameters") or [] if p.get("name") not in names]
    arguments["parameters"] = given + kept


class _Run:
    """One workflow executing on the loop: its LocalRun, future and flush state."""

    def __init__(self, key: tuple[str, str], run: Any) -> None:
        self.key = key
        self.run = run
        self.future: concurrent.futures.Future[Any] | None = None
        self.flush_pending = False
        self.last: str = ""  # JSON of the last stored snapshot, without resourceVersion
        # changes seen on the run loop, and the count the stored snapshot was taken at: a
        # snapshot taken before the stored one (a flush from another thread racing the loop's)
        # must never overwrite it, or a finished run would be left stored as Running
        self.changes = 0
        self.stored_at = -1


class _Handler(BaseHTTPRequestHandler):
    """One connection; dispatches to the core of :class:`LocalServer`."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    timeout = 60.0

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet (the default logs every request to stderr)."""

    def _handle(self) -> None:
        core = self.server.core
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        declared = headers.get("content-length") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:  # the body's end is unknown: answer and close
            self.close_connection = True
            self._send_json(400, error_body(400, f"invalid Content-Length {declared!r}"))
            return
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send_json(413, error_body(413, "request body too large"))
            return
        raw = self.rfile.read(length) if length else b""
        try:
            core.check_access(self.command, headers)
            handler, params = match(self.command, parts.path)
            request = Request(
                method=self.command,
                path=parts.path,
                params=params,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers=headers,
                body=parse_body(raw),
            )
            reply = getattr(core, handler)(request)
        except ApiError as exc:
            self._send_json(exc.status, error_body(exc.status, exc.message, exc.code))
            return
        except Exception as exc:  # a bug: answer 500 rather than drop the connection
            self._send_json(500, error_body(500, f"internal error: {type(exc).__name__}: {exc}"))
            return
        try:
            if isinstance(reply, Reply):
                self._send_json(reply.status, reply.obj)
            elif isinstance(reply, FileReply):
                self._send_file(reply)
            else:
                self._send_stream(reply, wants_sse(headers.get("accept")))
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def _send_json(self, status: int, obj: Any) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_file(self, reply: FileReply) -> None:
        size = reply.path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Disposition", f'filename="{reply.filename}"')
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with reply.path.open("rb") as source:
            while piece := source.read(64 * 1024):
                self.wfile.write(piece)

    def _send_stream(self, reply: StreamReply, sse: bool) -> None:
        writer = StreamWriter(self.wfile, sse=sse)  # type: ignore[arg-type]  # a BufferedIOBase
        self.send_response(200)
        self.send_header("Content-Type", writer.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()
        try:
            reply.run(writer)
        except OSError:
            raise
        except Exception as exc:  # a bug or a store closed by shutdown: end the stream cleanly
            writer.send(error_chunk(f"internal error: {type(exc).__name__}: {exc}", 13, 500))
        writer.end()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    core: _Core

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class StateDirectoryInUse(Exception):
    """Another server holds the state directory (its lock ``server.lock``).

    Attributes:
        state_dir: The directory.
        pid: The other server's process id (from ``server.json``), or None when unknown.
    """

    def __init__(self, state_dir: Path, pid: int | None) -> None:
        who = f"pid {pid}" if pid is not None else "another process"
        super().__init__(f"{state_dir} is in use by another tiphys server ({who})")
        self.state_dir = state_dir
        self.pid = pid


class LocalServer:
    """The embedded Argo Server (see the module docstring).

    Args:
        state_dir: Directory of the token (0600), ``server.json`` (``{"url", "pid", "port"}``
            while serving), ``runs/`` (one directory per workflow uid: logs, sandboxes),
            ``artifacts/`` (the local artifact repository) and ``state.sqlite``. Created with
            mode 0700.
        port: TCP port (default 2746, Argo's); 0 picks a free one.
        host: Address to bind; 127.0.0.1 by default. A non-loopback address is used only when
            given here explicitly; ``Host``/``Origin`` may then also name it or any IP address
            (never another domain name: DNS rebinding needs one).
        backend: Container backend of the runs (``auto`` | ``host`` | ``docker`` | ``podman``).
        store: Secrets and ConfigMaps the workflows read (a ``tiphys.local.store.LocalStore``);
            default an empty one.
        persist: Keep workflows and templates in ``state.sqlite`` across restarts (a workflow
            running when the server stopped is marked Error at the next start); False keeps
            them in memory.
        keepalive: Seconds between SSE keepalive comments on idle streams (Argo: 15).
        engine: The module providing ``LocalRun``, ``RunOptions``, ``LocalError`` (default
            ``tiphys.local.engine``); tests give a stand-in.
        state: The module providing ``StateStore``, ``Conflict``, ``AlreadyExists`` (default
            ``tiphys.local.state``).
        cron: The module providing ``CronScheduler`` and ``cron_to_workflow`` (default
            ``tiphys.local.cron``); ``False`` disables scheduling (submit from a CronWorkflow
            still works when the module is given).
        artifacts: The artifact repository (a ``tiphys.local.artifacts.ArtifactStore``);
            default one in ``state_dir / "artifacts"``.

    Attributes:
        url: ``http://<host>:<port>`` (set by :meth:`start`).
        token: The bearer token, without ``"Bearer "``.
    """

    def __init__(
        self,
        *,
        state_dir: Path,
        port: int = 2746,
        host: str = "127.0.0.1",
        backend: str = "auto",
        store: LocalStore | None = None,
        persist: bool = True,
        keepalive: float = 15.0,
        engine: Any | None = None,
        state: Any | None = None,
        cron: Any | None = None,
        artifacts: ArtifactStore | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self._persist = persist
        self._lock: Any = None
        self._wrote_info = False
        self.port = port
        self.host = host
        self.token = security.ensure_token(self.state_dir)
        self.url = ""
        self._core = _Core(
            state_dir=self.state_dir,
            backend=backend,
            store=store,
            persist=persist,
            keepalive=keepalive,
            engine=engine,
            state=state,
            cron=cron,
            artifacts=artifacts,
            token=self.token,
            extra_hosts=_extra_hosts(host),
        )
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def start(self) -> None:
        """Start serving in background threads; returns once the socket listens.

        Marks workflows that were running when a previous server stopped as Error, starts the
        run loop and the cron scheduler, and writes ``server.json``.

        Raises:
            OSError: The port cannot be bound.
        """
        if self._http is not None:
            return
        self._lock_state()
        try:
            self._core.start()
        except BaseException:
            self._unlock_state()
            raise
        server_class = _HTTPServer6 if ":" in self.host else _HTTPServer
        try:
            http = server_class((self.host, self.port), _Handler)
        except OSError:
            self._core.close()
            self._unlock_state()
            raise
        http.core = self._core
        self._http = http
        port = int(http.server_address[1])
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{shown}:{port}"
        self.port = port
        self._thread = threading.Thread(
            target=http.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name="tiphys-server-http",
        )
        self._thread.start()
        info = self.state_dir / "server.json"
        fd = os.open(info, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"url": self.url, "pid": os.getpid(), "port": port}, out)
        self._wrote_info = True

    def serve_forever(self) -> None:
        """:meth:`start`, then block until :meth:`shutdown`, SIGINT or SIGTERM."""
        self.start()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: self._stopped.set())
        try:
            self._stopped.wait()
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop serving: end streams, cancel runs (their processes are killed), close the state,
        remove ``server.json``. Bounded: a few seconds at most."""
        self._stopped.set()
        http, self._http = self._http, None
        self._core.stopping.set()
        if http is not None:
            http.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=SHUTDOWN_SECONDS)
            http.server_close()
        self._core.close()
        if self._wrote_info:
            self._wrote_info = False
            with contextlib.suppress(FileNotFoundError):
                (self.state_dir / "server.json").unlink()
        self._unlock_state()

    def _lock_state(self) -> None:
        """Hold ``STATE/server.lock`` while serving a persistent state directory.

        Raises:
            StateDirectoryInUse: Another server holds it.
        """
        if not self._persist or self._lock is not None:
            return
        import fcntl

        lock = (self.state_dir / "server.lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            pid = None
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                pid = int(json.loads((self.state_dir / "server.json").read_text())["pid"])
            raise StateDirectoryInUse(self.state_dir, pid) from None
        self._lock = lock

    def _unlock_state(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


class _Core:
    """What the routes do: objects in the state store, runs on the loop, watch subscribers."""

    def __init__(
        self,
        *,
        state_dir: Path,
        backend: str,
        store: Any | None,
        persist: bool,
        keepalive: float,
        engine: Any | None,
        state: Any | None,
        cron: Any | None,
        artifacts: Any | None,
        token: str,
        extra_hosts: frozenset[str],
    ) -> None:
        self.state_dir = state_dir
        self.backend = backend
        self.store = store
        self.persist = persist
        self.keepalive = keepalive
        self.token = token
        self.extra_hosts = extra_hosts
        self._engine_module = engine
        self._state_module = state
        self._cron_module = cron
        self._artifacts = artifacts
        self.stopping = threading.Event()
        self.lock = threading.RLock()
        self.runs: dict[tuple[str, str], _Run] = {}
        self.subscribers: set[queue.Queue[tuple[str, dict[str, Any]] | None]] = set()
        self.history: collections.deque[tuple[int, str, dict[str, Any]]] = collections.deque(
            maxlen=HISTORY_EVENTS
        )
        self.last_version = 0  # the highest resourceVersion of a workflow event so far
        self.first_version = 0  # watches from before this are "too old"
        self.loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self.state: Any = None
        self._scheduler: Any = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def engine(self) -> Any:
        if self._engine_module is None:
            self._engine_module = importlib.import_module("tiphys.local.engine")
        return self._engine_module

    @property
    def state_module(self) -> Any:
        if self._state_module is None:
            self._state_module = importlib.import_module("tiphys.local.state")
        return self._state_module

    @property
    def cron_module(self) -> Any:
        if self._cron_module is None:
            self._cron_module = importlib.import_module("tiphys.local.cron")
        return self._cron_module

    @property
    def artifacts(self) -> Any:
        if self._artifacts is None:
            module = importlib.import_module("tiphys.local.artifacts")
            self._artifacts = module.ArtifactStore(self.state_dir / "artifacts")
        return self._artifacts

    def start(self) -> None:
        path = self.state_dir / "state.sqlite" if self.persist else None
        self.state = self.state_module.StateStore(path)
        self.state.mark_interrupted(datetime.now(UTC))
        versions = [int(_meta(w).get("resourceVersion") or 0) for w in self.state.list(WORKFLOW)]
        self.first_version = self.last_version = max(versions, default=0)
        # the first validation imports Hera (about a second): do it before the first request
        threading.Thread(target=_prewarm_validation, daemon=True, name="tiphys-prewarm").start()
        self.loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self.loop.run_forever, daemon=True, name="tiphys-server-runs"
        )
        self._loop_thread.start()
        if self._cron_module is not False:
            scheduler_class = getattr(self.cron_module, "CronScheduler", None)
            if scheduler_class is not None:
                self._scheduler = scheduler_class(
                    state=self.state,
                    submit=self._submit_scheduled,
                    stop=self._stop_scheduled,
                    delete=self._delete_scheduled,
                )
                self._scheduler.start()

    def close(self) -> None:
        self.stopping.set()
        if self._scheduler is not None:
            with contextlib.suppress(Exception):
                self._scheduler.close()
            self._scheduler = None
        with self.lock:
            for sub in list(self.subscribers):
                sub.put(None)
        loop, self.loop = self.loop, None
        if loop is not None:
            # cancel every run (the executor kills its processes) and wait for them, bounded
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(_cancel_all(), loop).result(
                    timeout=SHUTDOWN_SECONDS + 1
                )
            loop.call_soon_threadsafe(loop.stop)
            if self._loop_thread is not None:
                self._loop_thread.join(timeout=SHUTDOWN_SECONDS)
            if not loop.is_running():
                loop.close()
        state, self.state = self.state, None
        close = getattr(state, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()

    # -- access ----------------------------------------------------------------------------------

    def check_access(self, method: str, headers: Mapping[str, str]) -> None:
        """Host/Origin loopback (403), bearer token (401), JSON bodies (415)."""
        host = headers.get("host")
        if not security.host_allowed(host, self.extra_hosts):
            raise ApiError(
                403,
                f"request refused: Host {host!r} is not a loopback address; the local server "
                "answers only requests to 127.0.0.1, localhost or [::1]",
            )
        origin = headers.get("origin")
        if not security.origin_allowed(origin, self.extra_hosts):
            raise ApiError(
                403,
                f"request refused: Origin {origin!r} is not a loopback origin; a web page "
                "cannot drive the local server",
            )
        if not security.token_matches(headers.get("authorization"), self.token):
            raise ApiError(401, security.UNAUTHENTICATED_MESSAGE)
        if method in ("POST", "PUT", "PATCH"):
            kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if kind != "application/json":
                raise ApiError(
                    415,
                    f"unsupported Content-Type {kind or '(none)'!r}: request bodies must be "
                    "application/json",
                )

    # -- objects ---------------------------------------------------------------------------------

    def _get(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        obj: dict[str, Any] | None = self.state.get(kind, namespace, name)
        if obj is None:
            raise _not_found(kind, name)
        return obj

    def _validate(self, kind: str, doc: dict[str, Any]) -> None:
        """tiphys.validate's checks (what ``tiphys lint`` runs); errors -> 400."""
        from tiphys.validate import validate_document

        doc.setdefault("apiVersion", API_VERSION)
        doc.setdefault("kind", kind)
        errors = [d for d in validate_document(doc) if d.severity == "error"]
        if errors:
            lines = [f"{d.path}: {d.message}" if d.path else d.message for d in errors]
            raise ApiError(400, "\n".join(lines))

    def _options(self, wf: Mapping[str, Any]) -> Any:
        namespace = _meta(wf).get("namespace", "default")
        state = self.state

        def templates(name: str, cluster_scope: bool) -> dict[str, Any] | None:
            if cluster_scope:
                found: dict[str, Any] | None = state.get(CLUSTER_WORKFLOW_TEMPLATE, "", name)
            else:
                found = state.get(WORKFLOW_TEMPLATE, namespace, name)
            return found

        kwargs: dict[str, Any] = {
            "run_dir": self._run_dir(wf),
            "backend": self.backend,
            "templates": templates,
            "artifacts": self.artifacts,
        }
        if self.store is not None:
            kwargs["store"] = self.store
        return self.engine.RunOptions(**kwargs)

    # -- events ----------------------------------------------------------------------------------

    def _publish(self, kind: str, obj: Mapping[str, Any]) -> None:
        """Send a watch event to every subscriber and keep it for watches that resume from a
        resourceVersion (each event's resourceVersion is new: deletes store first)."""
        event = (kind, copy.deepcopy(dict(obj)))
        version = int(_meta(obj).get("resourceVersion") or 0)
        with self.lock:
            self.history.append((version, kind, event[1]))
            self.last_version = max(self.last_version, version)
            for sub in self.subscribers:
                sub.put(event)

    def _store_workflow(self, wf: Mapping[str, Any]) -> dict[str, Any]:
        stored: dict[str, Any] = self.state.put(WORKFLOW, wf)
        self._publish("MODIFIED", stored)
        return stored

    # -- runs ------------------------------------------------------------------------------------

    def _flush(self, key: tuple[str, str]) -> dict[str, Any] | None:
        """Store the run's current snapshot (and publish MODIFIED) when it changed.

        Never call it holding :attr:`lock`: ``LocalRun.workflow`` hops onto the run loop from
        other threads, and the loop's change callbacks must not wait for that lock.

        Nothing is stored once the server is stopping: cancelling a run terminates it, and
        that snapshot (Failed) would hide that the server stopped; the stored Running state is
        marked Error (``state.INTERRUPTED_MESSAGE``) at the next start instead."""
        if self.stopping.is_set():
            return None
        with self.lock:
            entry = self.runs.get(key)
        if entry is None:
            return None
        entry.flush_pending = False
        seen, snapshot = self._snapshot(entry)
        snapshot.get("metadata", {}).pop("resourceVersion", None)
        text = json.dumps(snapshot, sort_keys=True, default=str)
        with self.lock:
            if self.runs.get(key) is not entry or text == entry.last or seen < entry.stored_at:
                return None
            entry.last = text
            entry.stored_at = seen
            return self._store_workflow(snapshot)

    def _snapshot(self, entry: _Run) -> tuple[int, dict[str, Any]]:
        """The run's Workflow and the change count it reflects, read together on the run loop
        (from another thread this hops onto the loop, as ``LocalRun.workflow`` does)."""
        loop = self.loop
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if loop is not None and not on_loop and loop.is_running():

            async def read() -> tuple[int, dict[str, Any]]:
                return entry.changes, entry.run.workflow

            try:
                return asyncio.run_coroutine_threadsafe(read(), loop).result(timeout=30)
            except (RuntimeError, concurrent.futures.TimeoutError):
                pass  # the loop is closing: the run is over, its state is final
        return entry.changes, entry.run.workflow

    def _on_change(self, key: tuple[str, str]) -> Callable[[Any], None]:
        def changed(_run: Any) -> None:
            # on the run loop: no core lock here (see _flush); a lost race only flushes twice
            entry = self.runs.get(key)
            if entry is None:
                return
            entry.changes += 1
            if entry.flush_pending:
                return
            entry.flush_pending = True
            loop = self.loop
            if loop is not None:
                loop.call_soon_threadsafe(loop.call_later, 0.05, self._flush, key)

        return changed

    async def _execute(self, entry: _Run) -> None:
        try:
            await entry.run.execute()
        finally:
            entry.changes += 1  # the final state is the newest, whatever flushed before
            self._flush(entry.key)
            with self.lock:
                if self.runs.get(entry.key) is entry:
                    del self.runs[entry.key]

    def _launch(self, entry: _Run) -> None:
        loop = self.loop
        if loop is None:
            raise ApiError(503, "the server is shutting down")
        entry.future = asyncio.run_coroutine_threadsafe(self._execute(entry), loop)

    def _new_run(self, wf: dict[str, Any]) -> _Run:
        """A LocalRun for ``wf`` (LocalError -> 400), not yet started."""
        key = (_meta(wf)["namespace"], _meta(wf)["name"])
        entry = _Run(key, None)
        try:
            entry.run = self.engine.LocalRun(
                wf, self._options(wf), on_change=self._on_change_entry(entry)
            )
        except self.engine.LocalError as exc:
            raise ApiError(400, str(exc)) from None
        return entry

    def _on_change_entry(self, entry: _Run) -> Callable[[Any], None]:
        return lambda run: self._on_change(entry.key)(run)

    def _start_workflow(self, wf: dict[str, Any]) -> dict[str, Any]:
        """Create ``wf`` (name set) in the store and start running it."""
        entry = self._new_run(wf)
        snapshot = entry.run.workflow
        snapshot.get("metadata", {}).pop("resourceVersion", None)
        with self.lock:
            try:
                stored: dict[str, Any] = self.state.create(WORKFLOW, snapshot)
            except self.state_module.AlreadyExists:
                raise ApiError(
                    409, f'{RESOURCE[WORKFLOW]} "{_meta(wf)["name"]}" already exists'
                ) from None
            entry.last = json.dumps(snapshot, sort_keys=True, default=str)
            self.runs[entry.key] = entry
            self._publish("ADDED", stored)
        self._launch(entry)
        return stored

    def _prepare_new(self, wf: dict[str, Any], namespace: str) -> dict[str, Any]:
        """What the k8s API server fills on create: namespace, name, uid, creationTimestamp."""
        meta = wf.setdefault("metadata", {})
        wf.setdefault("apiVersion", API_VERSION)
        wf.setdefault("kind", WORKFLOW)
        meta["namespace"] = meta.get("namespace") or namespace
        if not meta.get("name"):
            prefix = meta.get("generateName")
            if not prefix:
                raise ApiError(400, "name or generateName is required")
            meta["name"] = _generate_name(prefix)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        meta.pop("resourceVersion", None)
        return wf

    def _run_control(self, key: tuple[str, str], action: Callable[[Any], None]) -> dict[str, Any]:
        """Call ``action(run)`` on the loop, let the run react, store and return the workflow."""
        with self.lock:
            entry = self.runs.get(key)
        loop = self.loop
        if entry is None or loop is None:
            return self._get(WORKFLOW, *key)

        async def act() -> None:
            action(entry.run)
            for _ in range(3):
                await asyncio.sleep(0)

        future = asyncio.run_coroutine_threadsafe(act(), loop)
        try:
            future.result(timeout=10)
        except self.engine.LocalError as exc:
            raise ApiError(500, str(exc)) from None
        except concurrent.futures.TimeoutError:
            raise ApiError(504, f"the run of {key[1]} did not answer within 10 s") from None
        self._flush(key)
        return self._get(WORKFLOW, *key)

    def _submit_scheduled(self, wf: dict[str, Any]) -> None:
        """CronScheduler's submit: start a workflow it made. A taken name raises the state's
        AlreadyExists (the scheduler drops that run); other errors are the cron's to report."""
        namespace = _meta(wf).get("namespace") or "default"
        try:
            self._start_workflow(self._prepare_new(copy.deepcopy(wf), namespace))
        except ApiError as exc:
            if exc.status == 409:
                raise self.state_module.AlreadyExists(exc.message) from None
            raise

    def _stop_scheduled(self, namespace: str, name: str) -> None:
        """CronScheduler's stop (concurrencyPolicy Replace: Argo terminates the running one)."""
        with self.lock:
            entry = self.runs.get((namespace, name))
        if entry is not None and self.loop is not None:
            self.loop.call_soon_threadsafe(entry.run.terminate)

    def _delete_scheduled(self, namespace: str, name: str) -> None:
        """CronScheduler's delete (history limits): as DELETE of the workflow."""
        with contextlib.suppress(ApiError):
            self._remove_workflow(namespace, name)

    # -- info routes -----------------------------------------------------------------------------

    def version(self, req: Request) -> Reply:
        """``GET /api/v1/version``: the Argo version this server speaks."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            tiphys_version = version("tiphys")
        except PackageNotFoundError:  # a source tree on PYTHONPATH, not installed
            tiphys_version = "unknown"
        return Reply(
            {
                "version": "v4.1.2",
                "buildDate": "",
                "gitCommit": "",
                "gitTag": "v4.1.2",
                "gitTreeState": "",
                "goVersion": f"python{platform.python_version()}",
                "compiler": f"tiphys-local {tiphys_version}",
                "platform": f"{sys.platform}/{platform.machine()}",
            }
        )

    def userinfo(self, req: Request) -> Reply:
        """``GET /api/v1/userinfo``: the local user."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "local"
        return Reply({"subject": user, "name": user})

    def info(self, req: Request) -> Reply:
        """``GET /api/v1/info``."""
        return Reply({"links": [], "columns": [], "navColor": "", "modals": {}})

    # -- workflows -------------------------------------------------------------------------------

    def create_workflow(self, req: Request) -> Reply:
        """``POST /api/v1/workflows/{ns}`` (serverDryRun, createOptions.dryRun)."""
        body = req.json_body()
        manifest = body.get("workflow")
        if not isinstance(manifest, dict):
            raise ApiError(400, "workflow body not specified")
        namespace = req.params["namespace"]
        wf = copy.deepcopy(manifest)
        self._namespace(wf.setdefault("metadata", {}), namespace)
        self._validate(WORKFLOW, wf)
        dry_run = (body.get("createOptions") or {}).get("dryRun") or []
        if dry_run:
            return Reply(wf)
        wf = self._prepare_new(wf, namespace)
        if body.get("serverDryRun"):
            return Reply(wf)
        return Reply(self._start_workflow(wf))

    def lint_workflow(self, req: Request) -> Reply:
        """``POST /api/v1/workflows/{ns}/lint``: the workflow back, or 400."""
        manifest = req.json_body().get("workflow")
        if not isinstance(manifest, dict):
            raise ApiError(400, "workflow body not specified")
        wf = copy.deepcopy(manifest)
        self._namespace(wf.setdefault("metadata", {}), req.params["namespace"])
        self._validate(WORKFLOW, wf)
        return Reply(wf)

    def _latest(self, namespace: str) -> dict[str, Any]:
        items: list[dict[str, Any]] = self.state.list(WORKFLOW, namespace)
        if not items:
            raise ApiError(404, "no workflows found")

        def age(wf: dict[str, Any]) -> tuple[str, int]:
            meta = _meta(wf)
            return meta.get("creationTimestamp", ""), int(meta.get("resourceVersion") or 0)

        return max(items, key=age)

    def _current(self, namespace: str, name: str) -> dict[str, Any]:
        if name == "@latest":
            return self._latest(namespace)
        self._flush((namespace, name))
        return self._get(WORKFLOW, namespace, name)

    def get_workflow(self, req: Request) -> Reply:
        """``GET /api/v1/workflows/{ns}/{name}`` (``@latest``, ``fields``, ``uid``)."""
        wf = self._current(req.params["namespace"], req.params["name"])
        uid = req.q("uid")
        if uid and _meta(wf).get("uid") != uid:
            raise _not_found(WORKFLOW, req.params["name"])
        return Reply(clean_fields(wf, req.q("fields")))

    def _select(self, req: Request, namespace: str | None, kind: str) -> list[dict[str, Any]]:
        try:
            by_label = label_selector(req.q("listOptions.labelSelector"))
            by_field = field_selector(req.q("listOptions.fieldSelector"))
        except SelectorError as exc:
            raise ApiError(400, str(exc)) from None
        return [o for o in self.state.list(kind, namespace) if by_label(o) and by_field(o)]

    def list_workflows(self, req: Request) -> Reply:
        """``GET /api/v1/workflows/{ns}``: ``{"metadata": {...}, "items": [...] | null}``."""
        namespace = req.params["namespace"] or None
        name_filter = req.q("nameFilter")
        selector = req.q("listOptions.fieldSelector") or ""
        wanted = None
        rest: list[str] = []
        for part in (p.strip() for p in selector.split(",") if p.strip()):
            key, sep, value = part.partition("=")
            if sep and key == "metadata.name" and name_filter and not value.startswith("="):
                wanted = value
            else:
                rest.append(part)
        if wanted is not None:
            req.query["listOptions.fieldSelector"] = [",".join(rest)]
        items = self._select(req, namespace, WORKFLOW)
        if wanted is not None:
            items = [w for w in items if name_match(_meta(w).get("name", ""), wanted, name_filter)]
        items.sort(
            key=lambda w: (_meta(w).get("creationTimestamp", ""), _meta(w).get("name", "")),
            reverse=True,
        )
        offset = req.int_q("listOptions.continue") or 0
        limit = req.int_q("listOptions.limit")
        page = items[offset:]
        meta: dict[str, Any] = {"resourceVersion": self._resource_version()}
        if limit and limit > 0 and len(page) > limit:
            page = page[:limit]
            meta["continue"] = str(offset + limit)
        body = {"metadata": meta, "items": page or None}
        return Reply(clean_fields(body, req.q("fields")))

    def _resource_version(self) -> str:
        version = getattr(self.state, "resource_version", None)
        if callable(version):
            return str(version())
        return "0"

    def delete_workflow(self, req: Request) -> Reply:
        """``DELETE /api/v1/workflows/{ns}/{name}``: terminates a running workflow, returns
        ``{}``."""
        namespace = req.params["namespace"]
        self._remove_workflow(
            namespace, _meta(self._current(namespace, req.params["name"]))["name"]
        )
        return Reply({})

    def _remove_workflow(self, namespace: str, name: str) -> None:
        """Delete a workflow (cancelling its run) and publish DELETED."""
        wf = self._current(namespace, name)
        with self.lock:
            entry = self.runs.pop((namespace, name), None)
        if entry is not None:
            wf = entry.run.workflow
            wf.get("metadata", {}).pop("resourceVersion", None)
        with self.lock:
            last = self.state.put(WORKFLOW, wf)  # a new resourceVersion for the DELETED event
            self.state.delete(WORKFLOW, namespace, name)
            self._publish("DELETED", last)
        run_dir = self._run_dir(wf)
        if entry is not None and entry.future is not None:
            # the run's processes die on cancellation; its directory goes once it has ended
            entry.future.add_done_callback(lambda _: shutil.rmtree(run_dir, ignore_errors=True))
            entry.future.cancel()
        else:
            shutil.rmtree(run_dir, ignore_errors=True)

    def _run_dir(self, wf: Mapping[str, Any]) -> Path:
        """``<state_dir>/runs/<uid>``: the run's sandboxes and logs."""
        return self.state_dir / "runs" / str(_meta(wf).get("uid") or _meta(wf).get("name"))

    def _finished_or_active(self, namespace: str, name: str) -> tuple[dict[str, Any], bool]:
        wf = self._current(namespace, name)
        with self.lock:
            active = (namespace, _meta(wf)["name"]) in self.runs
        return wf, active

    def stop_workflow(self, req: Request) -> Reply:
        """``PUT .../stop``: exit handlers still run; with ``nodeFieldSelector``, fails the
        matching suspend nodes (workflow/util/util.go StopWorkflow)."""
        body = req.json_body()
        namespace = req.params["namespace"]
        wf, active = self._finished_or_active(namespace, req.params["name"])
        name = _meta(wf)["name"]
        selector = body.get("nodeFieldSelector") or ""
        message = body.get("message") or None
        if selector:
            return self._set_nodes(namespace, name, active, selector, "Failed", message or "", None)
        if _finished(wf) or not active:
            raise ApiError(
                500,
                f'cannot shutdown a completed workflow: workflow: "{name}", '
                f'namespace: "{namespace}"',
            )
        return Reply(self._run_control((namespace, name), lambda run: run.stop(message)))

    def terminate_workflow(self, req: Request) -> Reply:
        """``PUT .../terminate``: no exit handlers."""
        namespace = req.params["namespace"]
        wf, active = self._finished_or_active(namespace, req.params["name"])
        name = _meta(wf)["name"]
        if _finished(wf) or not active:
            raise ApiError(
                500,
                f'cannot shutdown a completed workflow: workflow: "{name}", '
                f'namespace: "{namespace}"',
            )
        return Reply(self._run_control((namespace, name), lambda run: run.terminate()))

    def suspend_workflow(self, req: Request) -> Reply:
        """``PUT .../suspend`` (400 ``cannot suspend completed workflows``)."""
        namespace = req.params["namespace"]
        wf, active = self._finished_or_active(namespace, req.params["name"])
        name = _meta(wf)["name"]
        if _finished(wf) or not active:
            raise ApiError(400, "cannot suspend completed workflows")
        return Reply(self._run_control((namespace, name), lambda run: run.suspend()))

    def resume_workflow(self, req: Request) -> Reply:
        """``PUT .../resume`` (``nodeFieldSelector``: only the matching suspend nodes)."""
        body = req.json_body()
        namespace = req.params["namespace"]
        wf, active = self._finished_or_active(namespace, req.params["name"])
        name = _meta(wf)["name"]
        selector = body.get("nodeFieldSelector") or None
        if not active:
            if selector:
                raise ApiError(500, self._no_suspend_nodes(selector))
            return Reply(wf)
        if selector:
            self._check_suspend_nodes(namespace, name, selector)
        return Reply(self._run_control((namespace, name), lambda run: run.resume(selector)))

    def _check_suspend_nodes(self, namespace: str, name: str, selector: str) -> None:
        """500 with Argo's message when no running suspend node matches ``selector``
        (updateSuspendedNode in workflow/util/util.go)."""
        try:
            matches = node_selector(selector)
        except SelectorError as exc:
            raise ApiError(500, str(exc)) from None
        wf = self._current(namespace, name)
        nodes = (wf.get("status") or {}).get("nodes") or {}
        if not any(
            n.get("type") == "Suspend" and n.get("phase") == "Running" and matches(n)
            for n in nodes.values()
        ):
            raise ApiError(500, self._no_suspend_nodes(selector))

    @staticmethod
    def _no_suspend_nodes(selector: str) -> str:
        return (
            "currently, set only targets suspend nodes: no suspend nodes matching "
            f"nodeFieldSelector: {selector}"
        )

    def _set_nodes(
        self,
        namespace: str,
        name: str,
        active: bool,
        selector: str,
        phase: str | None,
        message: str | None,
        outputs: Mapping[str, str] | None,
    ) -> Reply:
        if not active:
            raise ApiError(500, self._no_suspend_nodes(selector))
        self._check_suspend_nodes(namespace, name, selector)

        def act(run: Any) -> None:
            run.set_node(selector, phase=phase, message=message, output_parameters=outputs)

        return Reply(self._run_control((namespace, name), act))

    def set_workflow(self, req: Request) -> Reply:
        """``PUT .../set``: phase, message, outputParameters (a JSON string) of suspend nodes."""
        body = req.json_body()
        namespace = req.params["namespace"]
        wf, active = self._finished_or_active(namespace, req.params["name"])
        selector = body.get("nodeFieldSelector") or ""
        if not selector:
            raise ApiError(
                500,
                "'set' currently only targets suspend nodes, use a node field selector to "
                "target them",
            )
        outputs: dict[str, str] | None = None
        if body.get("outputParameters"):
            try:
                decoded = json.loads(body["outputParameters"])
            except (TypeError, ValueError) as exc:
                raise ApiError(
                    500, f"unable to parse output parameter set request: {exc}"
                ) from None
            if not isinstance(decoded, dict):
                raise ApiError(500, "unable to parse output parameter set request: not an object")
            outputs = {str(k): str(v) for k, v in decoded.items()}
        return self._set_nodes(
            namespace,
            _meta(wf)["name"],
            active,
            selector,
            body.get("phase") or None,
            body.get("message") or None,
            outputs,
        )

    def retry_workflow(self, req: Request) -> Reply:
        """``PUT .../retry``: re-run a Failed/Error workflow in place (LocalRun.retry)."""
        body = req.json_body()
        namespace = req.params["namespace"]
        wf, active = self._finished_or_active(namespace, req.params["name"])
        name = _meta(wf)["name"]
        if active and not _finished(wf):
            phase = (wf.get("status") or {}).get("phase") or "Running"
            raise ApiError(400, f"Cannot retry a workflow in phase {phase}")
        key = (namespace, name)
        entry = _Run(key, None)
        try:
            entry.run = self.engine.LocalRun.retry(
                wf,
                self._options(wf),
                restart_successful=bool(body.get("restartSuccessful")),
                node_field_selector=body.get("nodeFieldSelector") or None,
                parameters=list(body.get("parameters") or []),
                on_change=self._on_change_entry(entry),
            )
        except self.engine.LocalError as exc:
            raise ApiError(400, str(exc)) from None
        with self.lock:
            previous = self.runs.get(key)
            running = previous is not None and previous.run.phase not in DONE_PHASES
            if running:  # another retry won the race
                raise ApiError(400, "Cannot retry a workflow in phase Running")
            self.runs[key] = entry
        stored = self._flush(key) or self._get(WORKFLOW, namespace, name)
        self._launch(entry)
        return Reply(stored)

    def resubmit_workflow(self, req: Request) -> Reply:
        """``PUT .../resubmit``: a new workflow from this one's spec (FormulateResubmitWorkflow:
        generateName, user labels and annotations, ``resubmitted-from-workflow`` label)."""
        body = req.json_body()
        namespace = req.params["namespace"]
        old = self._current(namespace, req.params["name"])
        meta = _meta(old)
        phase = (old.get("status") or {}).get("phase")
        if body.get("memoized") and phase not in ("Failed", "Error"):
            raise ApiError(400, "workflow must be Failed/Error to resubmit in memoized mode")
        spec = copy.deepcopy(old.get("spec") or {})
        spec.pop("shutdown", None)
        if spec.get("activeDeadlineSeconds") == 0:
            del spec["activeDeadlineSeconds"]
        labels = {
            k: v for k, v in (meta.get("labels") or {}).items() if k not in RESUBMIT_DROPPED_LABELS
        }
        labels[LABEL_RESUBMITTED_FROM] = meta["name"]
        new: dict[str, Any] = {
            "apiVersion": old.get("apiVersion", API_VERSION),
            "kind": old.get("kind", WORKFLOW),
            "metadata": {
                "generateName": meta.get("generateName") or meta["name"] + "-",
                "namespace": namespace,
                "labels": labels,
            },
            "spec": spec,
        }
        if meta.get("annotations"):
            new["metadata"]["annotations"] = dict(meta["annotations"])
        override_parameters(new, body.get("parameters"))
        return Reply(self._start_workflow(self._prepare_new(new, namespace)))

    def submit_workflow(self, req: Request) -> Reply:
        """``POST /api/v1/workflows/{ns}/submit``: from a WorkflowTemplate,
        ClusterWorkflowTemplate or CronWorkflow (every kind spelling the server accepts)."""
        body = req.json_body()
        namespace = req.params["namespace"]
        given = str(body.get("resourceKind") or "")
        kind = SUBMIT_KINDS.get(given)
        if kind is None:
            raise ApiError(400, f"Resource kind '{given}' is not supported for submitting")
        name = str(body.get("resourceName") or "")
        if kind == CRON_WORKFLOW:
            cron = self._get(CRON_WORKFLOW, namespace, name)
            # ConvertCronWorkflowToWorkflow: named "<cron>-<unix seconds>" as the controller
            # names its children (workflow/common/convert.go)
            wf: dict[str, Any] = copy.deepcopy(
                self.cron_module.cron_to_workflow(cron, datetime.now(UTC))
            )
        else:
            cluster = kind == CLUSTER_WORKFLOW_TEMPLATE
            self._get(kind, "" if cluster else namespace, name)
            label = LABEL_CLUSTER_WORKFLOW_TEMPLATE if cluster else LABEL_WORKFLOW_TEMPLATE
            ref: dict[str, Any] = {"name": name}
            if cluster:
                ref["clusterScope"] = True
            wf = {
                "apiVersion": API_VERSION,
                "kind": WORKFLOW,
                "metadata": {"generateName": name + "-", "labels": {label: name}},
                "spec": {"workflowTemplateRef": ref},
            }
        options = body.get("submitOptions") or {}
        self._apply_submit_options(wf, options)
        wf["metadata"]["namespace"] = namespace
        self._validate(WORKFLOW, copy.deepcopy(wf))
        wf = self._prepare_new(wf, namespace)
        if options.get("serverDryRun") or options.get("dryRun"):
            return Reply(wf)
        return Reply(self._start_workflow(wf))

    @staticmethod
    def _apply_submit_options(wf: dict[str, Any], opts: Mapping[str, Any]) -> None:
        """workflow/util/util.go ApplySubmitOpts."""
        spec = wf.setdefault("spec", {})
        meta = wf.setdefault("metadata", {})
        if opts.get("entryPoint"):
            spec["entrypoint"] = opts["entryPoint"]
        if opts.get("serviceAccount"):
            spec["serviceAccountName"] = opts["serviceAccount"]
        if opts.get("podPriorityClassName"):
            spec["podPriorityClassName"] = opts["podPriorityClassName"]
        if opts.get("priority") is not None:
            spec["priority"] = opts["priority"]
        if opts.get("labels"):
            meta.setdefault("labels", {}).update(_parse_pairs(opts["labels"], "labels"))
        if opts.get("annotations"):
            meta.setdefault("annotations", {}).update(
                _parse_pairs(opts["annotations"], "Annotations")
            )
        override_parameters(wf, opts.get("parameters"))
        if opts.get("generateName"):
            meta["generateName"] = opts["generateName"]
        if opts.get("name"):
            meta["name"] = opts["name"]

    # -- watch -----------------------------------------------------------------------------------

    def watch_workflows(self, req: Request) -> StreamReply:
        """``GET /api/v1/workflow-events/{ns}``: ADDED for the current state (resourceVersion
        ``0`` or unset), MODIFIED per change, DELETED; keepalives; ``timeoutSeconds`` ends it
        with the EOF error chunk the real server sends when its k8s watch closes."""
        namespace = req.params["namespace"] or None
        try:
            by_label = label_selector(req.q("listOptions.labelSelector"))
            by_field = field_selector(req.q("listOptions.fieldSelector"))
        except SelectorError as exc:
            raise ApiError(400, str(exc)) from None
        fields = req.q("fields")
        timeout = req.int_q("listOptions.timeoutSeconds")
        since = req.q("listOptions.resourceVersion") or "0"

        def wanted(obj: Mapping[str, Any]) -> bool:
            if namespace is not None and _meta(obj).get("namespace") != namespace:
                return False
            return by_label(obj) and by_field(obj)

        def message(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
            cleaned = clean_fields(obj, fields, prefix="result.object.")
            return {"result": {"type": kind, "object": cleaned}}

        try:
            resume_from = int(since)
        except ValueError:
            raise ApiError(400, f"invalid resource version {since!r}") from None

        def run(writer: StreamWriter) -> None:
            sub: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
            with self.lock:
                keys = list(self.runs)
            for key in keys:
                self._flush(key)
            with self.lock:
                self.subscribers.add(sub)
                floor = self.last_version
                if resume_from == 0:
                    first = [("ADDED", o) for o in self.state.list(WORKFLOW, namespace)]
                else:
                    oldest = self.history[0][0] if self.history else floor + 1
                    truncated = len(self.history) == self.history.maxlen
                    if resume_from < self.first_version or (truncated and resume_from < oldest - 1):
                        first = []
                        floor = -1
                    else:
                        first = [(k, o) for v, k, o in self.history if v > resume_from]
            try:
                if floor < 0:  # k8s 410 Gone, as the watch's error chunk
                    writer.send(
                        error_chunk(
                            f"too old resource version: {resume_from} ({self.last_version})",
                            grpc_code=3,
                            http_code=400,
                        )
                    )
                    return
                for kind, obj in first:
                    if wanted(obj):
                        writer.send(message(kind, obj))
                ends = None if timeout is None else time.monotonic() + timeout
                self._pump(writer, sub, ends, wanted, floor, message)
            finally:
                with self.lock:
                    self.subscribers.discard(sub)

        return StreamReply(run)

    def _pump(
        self,
        writer: StreamWriter,
        sub: queue.Queue[tuple[str, dict[str, Any]] | None],
        ends: float | None,
        wanted: Callable[[Mapping[str, Any]], bool],
        floor: int,
        message: Callable[[str, Mapping[str, Any]], dict[str, Any]],
    ) -> None:
        last_sent = time.monotonic()
        while not self.stopping.is_set():
            now = time.monotonic()
            if ends is not None and now >= ends:
                break
            wait = self.keepalive - (now - last_sent)
            if ends is not None:
                wait = min(wait, ends - now)
            try:
                event = sub.get(timeout=max(0.0, min(wait, 1.0)))
            except queue.Empty:
                if time.monotonic() - last_sent >= self.keepalive:
                    writer.keepalive()
                    last_sent = time.monotonic()
                continue
            if event is None:
                break
            kind, obj = event
            if not wanted(obj):
                continue
            if int(_meta(obj).get("resourceVersion") or 0) <= floor:
                continue  # already in what was sent first
            writer.send(message(kind, obj))
            last_sent = time.monotonic()
        writer.send(error_chunk("EOF"))

    # -- logs ------------------------------------------------------------------------------------

    def workflow_logs(self, req: Request) -> StreamReply:
        """``GET /api/v1/workflows/{ns}/{name}/log``: lines of the workflow's pods from
        ``<run_dir>/logs/<pod>/<container>.log``, merged by timestamp; ``follow`` ends when the
        workflow finishes."""
        namespace = req.params["namespace"]
        wf = self._current(namespace, req.params["name"])
        name = _meta(wf)["name"]
        logs_dir = self._run_dir(wf) / "logs"
        pod = req.q("podName") or None
        container = req.q("logOptions.container") or "main"
        follow = req.flag("logOptions.follow")
        stamps = req.flag("logOptions.timestamps")
        tail = req.int_q("logOptions.tailLines")
        since_seconds = req.int_q("logOptions.sinceSeconds")
        since_time = req.int_q("logOptions.sinceTime.seconds")
        since: float | None = None
        if since_time is not None:
            since = float(since_time)
        if since_seconds is not None:
            since = max(since or 0.0, time.time() - since_seconds)
        grep = req.q("grep") or None
        try:
            pattern = re.compile(grep) if grep else None
        except re.error as exc:
            raise ApiError(400, f"error parsing regexp: {exc}") from None

        def entry(pod_name: str, line: str) -> dict[str, Any] | None:
            stamp, _, text = line.partition(" ")
            if since is not None and _epoch(stamp) < since:
                return None
            content = line if stamps else text
            if pattern is not None and not pattern.search(content):
                return None
            # LogEntry's fields in proto order (content, podName), both omitempty
            result: dict[str, Any] = {"content": content} if content else {}
            result["podName"] = pod_name
            return {"result": result}

        def run(writer: StreamWriter) -> None:
            readers: dict[Path, _LogReader] = {}

            def batch(first: bool) -> list[tuple[str, str, str]]:
                lines: list[tuple[str, str, str]] = []
                for path in _log_files(logs_dir, pod, container):
                    reader = readers.setdefault(path, _LogReader(path))
                    got = reader.read()
                    if first and tail is not None and tail >= 0:
                        got = got[-tail:] if tail else []
                    lines += [(line.partition(" ")[0], path.parent.name, line) for line in got]
                lines.sort(key=lambda t: t[0])
                return lines

            def send(lines: list[tuple[str, str, str]]) -> None:
                for _, pod_name, line in lines:
                    message = entry(pod_name, line)
                    if message is not None:
                        writer.send(message)

            send(batch(True))
            last_sent = time.monotonic()
            while follow and not self.stopping.is_set():
                done = self._run_done(namespace, name)
                lines = batch(False)
                send(lines)
                if lines:
                    last_sent = time.monotonic()
                if done:
                    break
                if time.monotonic() - last_sent >= self.keepalive:
                    writer.keepalive()
                    last_sent = time.monotonic()
                self.stopping.wait(LOG_POLL_SECONDS)

        return StreamReply(run)

    def _run_done(self, namespace: str, name: str) -> bool:
        with self.lock:
            if (namespace, name) in self.runs:
                return False
        wf = self.state.get(WORKFLOW, namespace, name)
        return wf is None or _finished(wf)

    # -- artifacts -------------------------------------------------------------------------------

    def artifact_file(self, req: Request) -> FileReply:
        """``GET /artifact-files/{ns}/workflows/{name}/{nodeId}/outputs/{artifactName}``: an
        output artifact of the local artifact repository (``s3.key`` in node status)."""
        wf = self._current(req.params["namespace"], req.params["name"])
        node_id, artifact = req.params["nodeId"], req.params["artifactName"]
        node = ((wf.get("status") or {}).get("nodes") or {}).get(node_id)
        if node is None:
            raise ApiError(404, f"node {node_id!r} not found in workflow {_meta(wf)['name']!r}")
        found = next(
            (
                a
                for a in (node.get("outputs") or {}).get("artifacts") or []
                if a.get("name") == artifact
            ),
            None,
        )
        if found is None:
            raise ApiError(404, f"artifact not found: {artifact}")
        key = (found.get("s3") or {}).get("key")
        if not key:
            raise ApiError(
                501,
                f"artifact {artifact!r} is not in the local artifact repository; it needs a "
                "cluster's artifact repository",
            )
        try:
            path = Path(self.artifacts.path(key))
        except Exception as exc:
            raise ApiError(404, f"artifact {artifact!r}: {exc}") from None
        if not path.is_file():
            raise ApiError(404, f"artifact {artifact!r}: no such file {key!r}")
        return FileReply(path, filename=Path(key).name)

    # -- archived workflows (no archive: always empty) ------------------------------------------

    def list_archived(self, req: Request) -> Reply:
        """``GET /api/v1/archived-workflows``: the local server keeps no archive."""
        return Reply({"metadata": {}, "items": None})

    def get_archived(self, req: Request) -> Reply:
        """``GET /api/v1/archived-workflows/{uid}``: always 404 (no archive)."""
        raise ApiError(404, "not found")

    # -- templates and crons --------------------------------------------------------------------

    def _list(self, req: Request, kind: str, namespace: str | None) -> Reply:
        items = self._select(req, namespace, kind)
        pattern = req.q("namePattern")
        if pattern:
            items = [o for o in items if pattern in _meta(o).get("name", "")]
        items.sort(key=lambda o: _meta(o).get("name", ""))
        return Reply(
            {"metadata": {"resourceVersion": self._resource_version()}, "items": items or None}
        )

    def _body_object(self, req: Request, kind: str, update: bool = False) -> dict[str, Any]:
        """The object of a create/update/lint body; its absence answers as Argo's servers do
        (server/workflowtemplate, clusterworkflowtemplate, cronworkflow)."""
        obj = req.json_body().get(BODY_FIELD[kind])
        if not isinstance(obj, dict):
            if update:
                raise ApiError(400, f"{kind} is not found in Request body")
            status, message = MISSING_BODY[kind]
            raise ApiError(status, message)
        return copy.deepcopy(obj)

    @staticmethod
    def _namespace(meta: dict[str, Any], namespace: str) -> None:
        """The object's namespace is the path's (k8s refuses a different one); cluster kinds
        have none."""
        if not namespace:
            meta.pop("namespace", None)
            return
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise ApiError(
                400,
                "the namespace of the provided object does not match the namespace sent on "
                "the request",
            )
        meta["namespace"] = namespace

    def _create(self, req: Request, kind: str, namespace: str) -> Reply:
        obj = self._body_object(req, kind)
        meta = obj.setdefault("metadata", {})
        self._namespace(meta, namespace)
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise ApiError(400, "name or generateName is required")
            meta["name"] = _generate_name(meta["generateName"])
        self._validate(kind, obj)
        if (req.json_body().get("createOptions") or {}).get("dryRun"):
            return Reply(obj)
        meta.pop("resourceVersion", None)
        try:
            stored = self.state.create(kind, obj)
        except self.state_module.AlreadyExists:
            raise ApiError(409, f'{RESOURCE[kind]} "{meta["name"]}" already exists') from None
        return Reply(stored)

    def _lint(self, req: Request, kind: str, namespace: str) -> Reply:
        obj = self._body_object(req, kind)
        self._namespace(obj.setdefault("metadata", {}), namespace)
        self._validate(kind, obj)
        return Reply(obj)

    def _update(self, req: Request, kind: str, namespace: str) -> Reply:
        """A k8s Update of the body's object (Argo validates first; a CronWorkflow is read
        first, so a missing one is 404 before validation)."""
        obj = self._body_object(req, kind, update=True)
        meta = obj.setdefault("metadata", {})
        name = meta.get("name") or req.params["name"]
        meta["name"] = name
        self._namespace(meta, namespace)
        if kind == CRON_WORKFLOW:
            self._get(kind, namespace, name)
        self._validate(kind, obj)
        current = self._get(kind, namespace, name)
        version = meta.get("resourceVersion")
        if not version:
            raise ApiError(
                400,
                f'{kind}.argoproj.io "{name}" is invalid: metadata.resourceVersion: Invalid '
                "value: 0x0: must be specified for an update",
            )
        conflict = (
            f'Operation cannot be fulfilled on {RESOURCE[kind]} "{name}": the object has been '
            "modified; please apply your changes to the latest version and try again"
        )
        if str(version) != str(_meta(current).get("resourceVersion")):
            raise ApiError(409, conflict)
        for keep in ("uid", "creationTimestamp"):
            if _meta(current).get(keep):
                meta[keep] = _meta(current)[keep]
        if kind == CRON_WORKFLOW and "status" not in obj and current.get("status"):
            obj["status"] = current["status"]
        try:
            stored = self.state.put(kind, obj, expect_version=str(version))
        except self.state_module.Conflict:
            raise ApiError(409, conflict) from None
        except getattr(self.state_module, "NotFound", ()):  # deleted meanwhile
            raise _not_found(kind, name) from None
        return Reply(stored)

    def _delete(self, kind: str, namespace: str, name: str) -> Reply:
        if not self.state.delete(kind, namespace, name):
            raise _not_found(kind, name)
        return Reply({})

    def list_templates(self, req: Request) -> Reply:
        """``GET /api/v1/workflow-templates/{ns}``."""
        return self._list(req, WORKFLOW_TEMPLATE, req.params["namespace"] or None)

    def create_template(self, req: Request) -> Reply:
        """``POST /api/v1/workflow-templates/{ns}``."""
        return self._create(req, WORKFLOW_TEMPLATE, req.params["namespace"])

    def lint_template(self, req: Request) -> Reply:
        """``POST /api/v1/workflow-templates/{ns}/lint``."""
        return self._lint(req, WORKFLOW_TEMPLATE, req.params["namespace"])

    def get_template(self, req: Request) -> Reply:
        """``GET /api/v1/workflow-templates/{ns}/{name}``."""
        return Reply(self._get(WORKFLOW_TEMPLATE, req.params["namespace"], req.params["name"]))

    def update_template(self, req: Request) -> Reply:
        """``PUT /api/v1/workflow-templates/{ns}/{name}`` (resourceVersion required)."""
        return self._update(req, WORKFLOW_TEMPLATE, req.params["namespace"])

    def delete_template(self, req: Request) -> Reply:
        """``DELETE /api/v1/workflow-templates/{ns}/{name}``."""
        return self._delete(WORKFLOW_TEMPLATE, req.params["namespace"], req.params["name"])

    def list_cluster_templates(self, req: Request) -> Reply:
        """``GET /api/v1/cluster-workflow-templates``."""
        return self._list(req, CLUSTER_WORKFLOW_TEMPLATE, None)

    def create_cluster_template(self, req: Request) -> Reply:
        """``POST /api/v1/cluster-workflow-templates``."""
        return self._create(req, CLUSTER_WORKFLOW_TEMPLATE, "")

    def lint_cluster_template(self, req: Request) -> Reply:
        """``POST /api/v1/cluster-workflow-templates/lint``."""
        return self._lint(req, CLUSTER_WORKFLOW_TEMPLATE, "")

    def get_cluster_template(self, req: Request) -> Reply:
        """``GET /api/v1/cluster-workflow-templates/{name}``."""
        return Reply(self._get(CLUSTER_WORKFLOW_TEMPLATE, "", req.params["name"]))

    def update_cluster_template(self, req: Request) -> Reply:
        """``PUT /api/v1/cluster-workflow-templates/{name}``."""
        return self._update(req, CLUSTER_WORKFLOW_TEMPLATE, "")

    def delete_cluster_template(self, req: Request) -> Reply:
        """``DELETE /api/v1/cluster-workflow-templates/{name}``."""
        return self._delete(CLUSTER_WORKFLOW_TEMPLATE, "", req.params["name"])

    def list_crons(self, req: Request) -> Reply:
        """``GET /api/v1/cron-workflows/{ns}``."""
        return self._list(req, CRON_WORKFLOW, req.params["namespace"] or None)

    def create_cron(self, req: Request) -> Reply:
        """``POST /api/v1/cron-workflows/{ns}``."""
        return self._create(req, CRON_WORKFLOW, req.params["namespace"])

    def lint_cron(self, req: Request) -> Reply:
        """``POST /api/v1/cron-workflows/{ns}/lint``."""
        return self._lint(req, CRON_WORKFLOW, req.params["namespace"])

    def get_cron(self, req: Request) -> Reply:
        """``GET /api/v1/cron-workflows/{ns}/{name}``."""
        return Reply(self._get(CRON_WORKFLOW, req.params["namespace"], req.params["name"]))

    def update_cron(self, req: Request) -> Reply:
        """``PUT /api/v1/cron-workflows/{ns}/{name}`` (resourceVersion required)."""
        return self._update(req, CRON_WORKFLOW, req.params["namespace"])

    def delete_cron(self, req: Request) -> Reply:
        """``DELETE /api/v1/cron-workflows/{ns}/{name}``."""
        return self._delete(CRON_WORKFLOW, req.params["namespace"], req.params["name"])

    def _cron_suspend(self, req: Request, suspend: bool) -> Reply:
        namespace, name = req.params["namespace"], req.params["name"]
        with self.lock:
            cron = self._get(CRON_WORKFLOW, namespace, name)
            cron.setdefault("spec", {})["suspend"] = suspend
            return Reply(self.state.put(CRON_WORKFLOW, cron))

    def suspend_cron(self, req: Request) -> Reply:
        """``PUT /api/v1/cron-workflows/{ns}/{name}/suspend``: ``spec.suspend: true``."""
        return self._cron_suspend(req, True)

    def resume_cron(self, req: Request) -> Reply:
        """``PUT /api/v1/cron-workflows/{ns}/{name}/resume``: ``spec.suspend: false``."""
        return self._cron_suspend(req, False)


def _prewarm_validation() -> None:
    """Validate a tiny Workflow once, so that the first create does not pay Hera's import."""
    from tiphys.validate import validate_document

    with contextlib.suppress(Exception):
        validate_document(
            {
                "apiVersion": API_VERSION,
                "kind": WORKFLOW,
                "metadata": {"name": "prewarm"},
                "spec": {
                    "entrypoint": "main",
                    "templates": [{"name": "main", "container": {"image": "busybox"}}],
                },
            }
        )


async def _cancel_all() -> None:
    """Cancel the other tasks of the running loop and wait for them (at most
    :data:`SHUTDOWN_SECONDS`)."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=SHUTDOWN_SECONDS)


def _epoch(stamp: str) -> float:
    """Seconds since the epoch of an RFC3339(Nano) UTC timestamp (0 when malformed)."""
    text = stamp.rstrip("Z")
    whole, _, fraction = text.partition(".")
    try:
        moment = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return 0.0
    return moment.timestamp() + (float("0." + fraction) if fraction.isdigit() else 0.0)


def _log_files(logs_dir: Path, pod: str | None, container: str) -> Iterator[Path]:
    """``<logs_dir>/<pod>/<container>.log`` of one pod or every pod, sorted."""
    if not logs_dir.is_dir():
        return
    pods = [logs_dir / pod] if pod else sorted(p for p in logs_dir.iterdir() if p.is_dir())
    for pod_dir in pods:
        path = pod_dir / f"{container}.log"
        if path.is_file():
            yield path


class _LogReader:
    """Reads the complete lines added to a log file since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def read(self) -> list[str]:
        try:
            with self.path.open("rb") as source:
                source.seek(self.offset)
                data = source.read()
        except OSError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        return data[:end].decode("utf-8", errors="replace").split("\n")
