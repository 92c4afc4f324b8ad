"""What ``tiphys run``, ``tiphys server`` and ``--local`` share: the backend and store flags,
mocks and extra manifests, and finding (or starting) the embedded Argo Server.

:func:`local_server` is ``--local``: it reuses the server that ``server.json`` in the state
directory names when it answers ``/api/v1/version`` with the token, else starts
``python -m tiphys server --state DIR --port 0`` detached (its output in ``DIR/server.log``)
and waits up to 15 seconds for it to answer.
"""

from __future__ import annotations

import enum
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiphys.cli._common import echo_err, fail
from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from tiphys.local.store import LocalStore

__all__ = [
    "Backend",
    "BackendOption",
    "ConfigMapFileOption",
    "ConfigMapOption",
    "LocalServerError",
    "SecretOption",
    "SecretsFileOption",
    "load_manifests",
    "local_server",
    "make_store",
    "read_mocks",
]

Json = dict[str, Any]

_STORE_PANEL = "Secrets and ConfigMaps"

#: Seconds ``--local`` waits for a server it started to answer.
START_TIMEOUT = 15.0
#: Seconds one ``/api/v1/version`` probe may take.
_PROBE_TIMEOUT = 2.0


class Backend(enum.StrEnum):
    """``--backend``: where the containers of a local run execute."""

    auto = "auto"
    host = "host"
    docker = "docker"
    podman = "podman"


def check_backend(backend: Backend) -> None:
    """Exit 2 when ``--backend docker`` or ``podman`` names a daemon that does not answer.

    Otherwise every node would end ``main: Error (exit code 125)``, the reason only in its log.
    """
    if backend not in (Backend.docker, Backend.podman):
        return
    from tiphys.local import docker

    program = backend.value
    if not docker.daemon_answers(program):
        fail(
            f"--backend {program}: no {program} daemon answers (`{program} version` failed); "
            "start it, or use --backend host"
        )


BackendOption = Annotated[
    Backend,
    typer.Option(
        "--backend",
        case_sensitive=False,
        help=(
            "Where containers run: docker or podman (a daemon must answer); host runs them on "
            "this machine for host-compatible images only (busybox, alpine, debian, ubuntu "
            "shells; python:* with this interpreter; argoproj/argosay built in), any other "
            "image ends its node in Error; auto is docker or podman when a daemon answers, "
            "else host."
        ),
    ),
]
SecretOption = Annotated[
    list[str] | None,
    typer.Option(
        "--secret",
        metavar="NAME.KEY=VALUE",
        show_default=False,
        rich_help_panel=_STORE_PANEL,
        help=(
            "A key of a Kubernetes Secret the workflow reads (env secretKeyRef, HTTP headers, "
            "volumes); repeatable. NAME.KEY=@FILE reads the value from FILE. Values are never "
            "printed. Prefer --secrets-file: a flag stays in the shell history."
        ),
    ),
]
SecretsFileOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--secrets-file",
        metavar="FILE",
        show_default=False,
        rich_help_panel=_STORE_PANEL,
        help=(
            "YAML or JSON with Kubernetes Secret documents (data in base64, or stringData), "
            "or a map {name: {key: value}}; repeatable."
        ),
    ),
]
ConfigMapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--configmap",
        metavar="NAME.KEY=VALUE",
        show_default=False,
        rich_help_panel=_STORE_PANEL,
        help=(
            "A key of a ConfigMap the workflow reads (configMapKeyRef, volumes); repeatable. "
            "NAME.KEY=@FILE reads the value from FILE."
        ),
    ),
]
ConfigMapFileOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--configmap-file",
        metavar="FILE",
        show_default=False,
        rich_help_panel=_STORE_PANEL,
        help="YAML or JSON with ConfigMap documents, or a map {name: {key: value}}; repeatable.",
    ),
]


def make_store(
    secrets: Sequence[str] | None,
    secrets_files: Sequence[Path] | None,
    configmaps: Sequence[str] | None,
    configmap_files: Sequence[Path] | None,
) -> LocalStore:
    """The local Secrets and ConfigMaps the flags give.

    Raises:
        typer.Exit: Exit 2 when a flag or a file is malformed (the message names it and never
            quotes a secret value).
    """
    from tiphys.local.store import LocalStore, StoreError

    try:
        return LocalStore.from_options(
            secrets=list(secrets or []),
            secrets_files=list(secrets_files or []),
            configmaps=list(configmaps or []),
            configmap_files=list(configmap_files or []),
        )
    except StoreError as exc:
        fail(str(exc))


_MOCK_KEYS = ("phase", "message", "outputs")
_MOCK_PHASES = ("Succeeded", "Failed", "Error")


def read_mocks(items: Sequence[str] | None) -> dict[str, Json]:
    """``--mock TEMPLATE=FILE`` options: template name to the node it gives instead of running.

    Each FILE is a JSON object ``{"phase": "Succeeded"|"Failed"|"Error", "message": str,
    "outputs": {...}}`` (each key optional; phase defaults to Succeeded).

    Args:
        items: The raw option values.

    Returns:
        ``{template: mock}`` in the order given.

    Raises:
        typer.Exit: Exit 2 when an item is not ``TEMPLATE=FILE``, a template is mocked twice,
            or a file cannot be read or is not such an object.
    """
    mocks: dict[str, Json] = {}
    for item in items or []:
        template, sep, path_text = item.partition("=")
        template = template.strip()
        if not sep or not template or not path_text:
            fail(f"--mock {item!r}: write TEMPLATE=FILE, FILE a JSON object of the node's outputs")
        if template in mocks:
            fail(f"--mock: template {template!r} is mocked twice")
        path = Path(path_text)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            fail(f"--mock {template}: cannot read {path}: {exc.strerror or exc}")
        except UnicodeDecodeError:
            fail(f"--mock {template}: {path} is not UTF-8 text")
        except json.JSONDecodeError as exc:
            fail(f"--mock {template}: {path} is not JSON: {exc.msg} (line {exc.lineno})")
        where = f"--mock {template}: {path}"
        if not isinstance(data, dict):
            fail(f'{where} must hold a JSON object like {{"outputs": {{"result": "..."}}}}')
        unknown = [key for key in data if key not in _MOCK_KEYS]
        if unknown:
            fail(f"{where}: unknown key {unknown[0]!r} (the keys are phase, message, outputs)")
        phase = data.get("phase", "Succeeded")
        if phase not in _MOCK_PHASES:
            fail(f"{where}: phase {phase!r} is not Succeeded, Failed or Error")
        if not isinstance(data.get("message", ""), str):
            fail(f"{where}: message must be a string")
        if not isinstance(data.get("outputs", {}), dict):
            fail(
                f'{where}: outputs must be an object like {{"result": "...", "parameters": '
                f'{{"name": "value"}}}}'
            )
        mocks[template] = data
    return mocks


_TEMPLATE_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate")
_STORE_KINDS = ("ConfigMap", "Secret")


def load_manifests(paths: Sequence[str], store: LocalStore) -> list[Json]:
    """``--template FILE``: WorkflowTemplates and ClusterWorkflowTemplates to run against, and
    ConfigMaps and Secrets (added to ``store``), from YAML files, .py files or directories.

    Args:
        paths: The files or directories (searched for *.yaml, *.yml, *.py).
        store: Where ConfigMap and Secret documents go.

    Returns:
        The (Cluster)WorkflowTemplate manifests, in order.

    Raises:
        CompileError: A file cannot be read or loaded (exit 2).
        typer.Exit: A document is of another kind, or a ConfigMap/Secret is malformed (exit 2).
    """
    from tiphys.compile.sources import collect

    templates: list[Json] = []
    for text in paths:
        path = Path(text if os.path.exists(text) else text.rpartition(":")[0] or text)
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".py"))
            if path.is_dir()
            else [path]
        )
        for file in files:
            if file.suffix == ".py":
                for source in collect([text if file == path else str(file)]):
                    doc = source.manifest()[0]
                    _take(doc, f"{source.location()}", store, templates)
                continue
            from tiphys.compile.yaml_in import load_documents

            try:
                body = file.read_text(encoding="utf-8")
            except OSError as exc:
                fail(f"--template: cannot read {file}: {exc.strerror or exc}")
            except UnicodeDecodeError:
                fail(f"--template: {file} is not UTF-8 text")
            for loaded in load_documents(body, str(file)):
                _take(loaded.doc, f"{file}:{loaded.line}", store, templates)
    return templates


def _take(doc: Json, where: str, store: LocalStore, templates: list[Json]) -> None:
    from tiphys.local.store import StoreError

    kind = doc.get("kind")
    if kind in _TEMPLATE_KINDS:
        templates.append(doc)
    elif kind in _STORE_KINDS:
        try:
            store.add_manifest(doc)
        except StoreError as exc:
            fail(f"{where}: {exc}")
    else:
        fail(
            f"{where}: --template loads WorkflowTemplate, ClusterWorkflowTemplate, ConfigMap "
            f"and Secret documents, not {kind or 'a document without kind'}"
        )


# --- --local ----------------------------------------------------------------------------------


class LocalServerError(TiphysError):
    """``--local`` found no server and could not start one (exit 3)."""


def _answers(url: str, token: str) -> bool:
    """Whether ``url`` serves ``/api/v1/version`` to ``token`` (no proxy, bounded)."""
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/v1/version", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with opener.open(request, timeout=_PROBE_TIMEOUT) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def _server_info(state: Path) -> Json | None:
    try:
        data = json.loads((state / "server.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("url"), str) else None


def _log_tail(log: Path, lines: int = 5) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


#: Servers started by this process (kept referenced: a collected ``Popen`` of a live process
#: warns "subprocess N is still running", which ``submit`` would show as a warning).
_STARTED: list[subprocess.Popen[bytes]] = []


def server_argv(state: Path) -> list[str]:
    """The command line of a server started by ``--local`` (tests replace it)."""
    return [sys.executable, "-m", "tiphys", "server", "--state", str(state), "--port", "0"]


def local_server(state: Path | None = None, *, timeout: float = START_TIMEOUT) -> tuple[str, str]:
    """The URL and token of the embedded Argo Server, started when none answers.

    A server that ``STATE/server.json`` names is reused when it answers ``/api/v1/version``
    with the token of ``STATE/token``. Otherwise ``python -m tiphys server --state STATE
    --port 0`` is started in its own session (it outlives this command; output appended to
    ``STATE/server.log``) and this waits until it writes a ``server.json`` with its pid that
    answers. Starts are serialised by a lock on ``STATE/start.lock``.

    Args:
        state: The state directory; default :func:`tiphys.local.server.default_state_dir`.
        timeout: Seconds to wait for a started server to answer.

    Returns:
        ``(url, token)``: ``http://127.0.0.1:PORT`` and the bearer token (without
        ``Bearer``).

    Raises:
        LocalServerError: The server did not start or answer in time (the message quotes
            the end of ``server.log``).
    """
    import fcntl

    from tiphys.local.server import default_state_dir, read_token

    state = state or default_state_dir()
    info = _server_info(state)
    token = read_token(state)
    if info and token and _answers(info["url"], token):
        return info["url"], token
    try:
        state.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_file = (state / "start.lock").open("a")
    except OSError as exc:
        raise LocalServerError(f"cannot use the state directory {state}: {exc}") from None
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        info = _server_info(state)  # another command may have started one meanwhile
        token = read_token(state)
        if info and token and _answers(info["url"], token):
            return info["url"], token
        log = state / "server.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                server_argv(state),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = _log_tail(log)
                raise LocalServerError(
                    f"the local server exited with code {process.returncode} at start"
                    + (f":\n{tail}" if tail else f" (see {log})")
                )
            info = _server_info(state)
            token = read_token(state)
            if info and token and info.get("pid") == process.pid and _answers(info["url"], token):
                _STARTED.append(process)  # it outlives us: no "still running" warning at GC
                echo_err(
                    f"tiphys: started the local Argo Server at {info['url']} (pid {process.pid})"
                )
                return info["url"], token
            time.sleep(0.05)
        process.kill()  # not to leave a server nobody knows of
        process.wait(5)
        raise LocalServerError(
            f"the local server did not answer within {timeout:g}s and was stopped; see {log}"
        )
