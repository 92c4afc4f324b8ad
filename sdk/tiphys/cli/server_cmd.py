"""``tiphys server``: serve the Argo Server REST API on this machine, backed by the local runner.

It prints the URL and how to point ``tiphys``/``argo`` at it (the token is read from the state
directory, never printed), then serves until Ctrl-C or SIGTERM (exit 0).
"""

from __future__ import annotations

import ipaddress
import shlex
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from tiphys.cli import _local
from tiphys.cli._common import cli_errors, echo_err, fail

__all__ = ["server_command"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli_errors
def server_command(
    port: Annotated[
        int,
        typer.Option("--port", metavar="PORT", help="TCP port to listen on (0: any free port)."),
    ] = 2746,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="ADDRESS",
            help=(
                "Address to listen on. The server runs commands on this machine: anything but "
                "a loopback address lets other machines that have the token do so."
            ),
        ),
    ] = "127.0.0.1",
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="DIR",
            file_okay=False,
            show_default=False,
            help=(
                "State directory: token (mode 0600), server.json, server.lock, workflows and "
                "templates in state.sqlite, runs/ and artifacts/ (default "
                "$XDG_STATE_HOME/tiphys/server, else ~/.local/state/tiphys/server, which --local "
                "uses)."
            ),
        ),
    ] = None,
    backend: _local.BackendOption = _local.Backend.auto,
    secret: _local.SecretOption = None,
    secrets_file: _local.SecretsFileOption = None,
    configmap: _local.ConfigMapOption = None,
    configmap_file: _local.ConfigMapFileOption = None,
) -> None:
    """Serve the Argo Server REST API on this machine, running workflows with the local runner.

    Workflows, WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows are kept in the
    state directory across restarts (a workflow running when the server stopped ends Error).
    Every request needs the bearer token of DIR/token; bodies must be application/json, and
    Host and Origin must be loopback. Prints the URL and the environment for tiphys and argo
    (the token itself is never printed); tiphys commands can also use --local.

    Exit codes: 0 stopped with Ctrl-C or SIGTERM; 2 usage error (a malformed --secret...);
    3 the port cannot be listened on, or another server uses the state directory.

    \b
    Examples:
      tiphys server
      tiphys server --port 0 --state /tmp/argo-state --secrets-file secrets.yaml
    """
    from tiphys.local.server import LocalServer, StateDirectoryInUse, default_state_dir

    if not 0 <= port <= 65535:
        fail(f"--port {port} is not a TCP port (0 to 65535)")
    directory = state or default_state_dir()
    _local.check_backend(backend)
    store = _local.make_store(secret, secrets_file, configmap, configmap_file)
    if not _loopback(host):
        echo_err(
            f"tiphys: warning: --host {host} is not a loopback address: anyone who can reach "
            "it and has the token can run commands on this machine."
        )
    try:
        server = LocalServer(
            state_dir=directory, port=port, host=host, backend=backend.value, store=store
        )
    except OSError as exc:
        fail(f"cannot use the state directory {directory}: {exc.strerror or exc}")
    started = False
    stopped = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopped.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        try:
            server.start()
            started = True
        except StateDirectoryInUse as exc:
            fail(f"the state directory {exc}: stop that server, or use another --state", 3)
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", 3)
        address = server.url.removeprefix("http://").rstrip("/")
        token_file = shlex.quote(str(directory / "token"))
        typer.echo(
            f"Argo Server (tiphys) listening on {server.url}\n"
            "Connect with:\n"
            f"  export ARGO_SERVER={address} ARGO_SECURE=false "
            f'ARGO_TOKEN="Bearer $(cat {token_file})"\n'
            "or add --local to tiphys commands"
            + ("" if directory == default_state_dir() else " (it uses the default --state)")
            + ". Ctrl-C stops the server."
        )
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if started:
            server.shutdown()
    echo_err("tiphys: server stopped")
