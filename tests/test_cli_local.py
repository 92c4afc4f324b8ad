"""--local on the server commands: reuse of a running embedded server, start of a new one, and
`tiphys server` itself (URL and how to connect printed, the token never; Ctrl-C stops it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from argo_fake import ArgoFake, json_reply
from cli_server import TOKEN, cli_env
from tiphys.cli import _local
from tiphys.cli._server import ServerContext, server_command

LOCAL_TOKEN = "local-token-0123456789"
WF = {"metadata": {"name": "hello", "namespace": "argo"}, "status": {"phase": "Succeeded"}}


@server_command
def probe(server: ServerContext, name: Annotated[str, typer.Argument()]) -> None:
    """Get one workflow and print its phase and link."""
    wf = server.client.get(name)
    typer.echo(f"{server.namespace} {wf['status']['phase']}")
    typer.echo(server.ui_url(server.namespace, name))


def run(*args: str, **env: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(probe)
    result = CliRunner().invoke(app, list(args), env=cli_env(None, **env))
    for secret in (TOKEN, LOCAL_TOKEN):
        assert secret not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


def _state(root: Path) -> Path:
    state = root / "tiphys" / "server"
    state.mkdir(parents=True)
    return state


def test_local_reuses_the_server_that_server_json_names(argo: ArgoFake, tmp_path: Path) -> None:
    state = _state(tmp_path)
    (state / "token").write_text(LOCAL_TOKEN)
    port = int(argo.url.rpartition(":")[2])
    (state / "server.json").write_text(json.dumps({"url": argo.url, "pid": 1, "port": port}))
    argo.add("GET", "/api/v1/version", json_reply({"version": "v4.1.2"}))
    argo.add("GET", "/api/v1/workflows/argo/hello", json_reply(WF))
    code, out, err = run(
        "hello", "--local", XDG_STATE_HOME=str(tmp_path), ARGO_SERVER="elsewhere.example:2746"
    )
    assert (code, out, err) == (0, f"argo Succeeded\n{argo.url}/workflows/argo/hello\n", "")
    assert [(r.path, r.headers["authorization"]) for r in argo.requests] == [
        ("/api/v1/version", f"Bearer {LOCAL_TOKEN}"),
        ("/api/v1/workflows/argo/hello", f"Bearer {LOCAL_TOKEN}"),
    ]


def test_local_with_an_argo_server_is_a_usage_error(tmp_path: Path) -> None:
    assert run("hello", "--local", "-s", "argo.example:2746", XDG_STATE_HOME=str(tmp_path)) == (
        2,
        "",
        "tiphys: error: use either --local or -s/--argo-server, not both\n",
    )
    assert not (tmp_path / "tiphys").exists()  # nothing was started


def test_a_server_that_exits_at_start_is_a_server_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server that cannot start (here: a stand-in process) exits with its reason in the log.
    state = _state(tmp_path)
    (state / "server.log").write_text("")

    monkeypatch.setattr(
        _local,
        "server_argv",
        lambda state: [sys.executable, "-c", "print('port 2746 is taken'); raise SystemExit(3)"],
    )
    with pytest.raises(_local.LocalServerError) as caught:
        _local.local_server(state, timeout=5)
    assert str(caught.value) == (
        "the local server exited with code 3 at start:\nport 2746 is taken"
    )


# --- with real servers ------------------------------------------------------------------------


def _kill(state: Path) -> None:
    """Stop the server that server.json names (tests must not leave servers behind)."""
    try:
        pid = int(json.loads((state / "server.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return
    for process in list(_local._STARTED):  # started by this test process: reap it too
        if process.pid == pid:
            _local._STARTED.remove(process)
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def test_local_starts_a_server_once_then_reuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    state = tmp_path / "tiphys" / "server"
    try:
        url, token = _local.local_server()
        info = json.loads((state / "server.json").read_text())
        assert url == info["url"]
        assert url.startswith("http://127.0.0.1:")
        assert token == (state / "token").read_text().strip()
        assert oct((state / "token").stat().st_mode & 0o777) == "0o600"
        pid = info["pid"]
        assert _local.local_server() == (url, token)  # reused: same server
        assert json.loads((state / "server.json").read_text())["pid"] == pid
        path = "/api/v1/workflows/argo/nope"
        assert run("nope", "--local", XDG_STATE_HOME=str(tmp_path)) == (
            3,
            "",
            f'tiphys: error: GET {path}: 404 Not Found: workflows.argoproj.io "nope" not found\n'
            f"Nothing was found at GET {path} in namespace 'argo': check the name and the "
            "namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n",
        )
    finally:
        _kill(state)


def test_server_command_prints_how_to_connect_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    state = tmp_path / "state dir"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tiphys", "server", "--port", "0", "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        lines = [first, *(process.stdout.readline() for _ in range(3))]
        url = first.removeprefix("Argo Server (tiphys) listening on ").strip()
        token = (state / "token").read_text().strip()
        assert lines == [
            f"Argo Server (tiphys) listening on {url}\n",
            "Connect with:\n",
            f"  export ARGO_SERVER={url.removeprefix('http://')} ARGO_SECURE=false "
            f"ARGO_TOKEN=\"Bearer $(cat '{state}/token')\"\n",
            "or add --local to tiphys commands (it uses the default --state). Ctrl-C stops "
            "the server.\n",
        ]
        assert _local._answers(url, token)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert (process.returncode, out, err) == (0, "", "tiphys: server stopped\n")
    assert token not in "".join(lines)


def test_a_host_that_is_not_loopback_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiphys.local.server as server_module

    class NoListen:
        def __init__(self, **kwargs: object) -> None:
            self.kwargs = kwargs

        def start(self) -> None:
            raise OSError(99, "Cannot assign requested address")

    monkeypatch.setattr(server_module, "LocalServer", NoListen)
    from tiphys.cli.app import create_app

    result = CliRunner().invoke(
        create_app(), ["server", "--host", "10.1.2.3", "--state", str(tmp_path)]
    )
    assert (result.exit_code, result.stdout, result.stderr) == (
        3,
        "",
        "tiphys: warning: --host 10.1.2.3 is not a loopback address: anyone who can reach it "
        "and has the token can run commands on this machine.\n"
        "tiphys: error: cannot listen on 10.1.2.3:2746: Cannot assign requested address\n",
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.2", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    from tiphys.cli.server_cmd import _loopback

    assert _loopback(host) is loopback


HELLO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  templates:
    - name: main
      script:
        image: python:3.12-alpine
        command: [python]
        source: |
          print("hello from the local server")
"""


def test_submit_local_runs_on_the_embedded_server(tmp_path: Path) -> None:
    from tiphys.cli.app import create_app

    path = tmp_path / "hello.yaml"
    path.write_text(HELLO)
    state = tmp_path / "tiphys" / "server"
    try:
        result = CliRunner().invoke(
            create_app(),
            ["submit", "--local", str(path), "--name", "hello-local", "--log"],
            env=cli_env(None, XDG_STATE_HOME=str(tmp_path), ARGO_NAMESPACE=None),  # type: ignore[arg-type]
        )
        url = json.loads((state / "server.json").read_text())["url"]
        assert (result.exit_code, result.stdout) == (
            0,
            "Workflow: hello-local\n"
            f"Link: {url}/workflows/default/hello-local\n"
            "hello-local: hello from the local server\n"
            "hello-local Succeeded\n",
        )
        pid = json.loads((state / "server.json").read_text())["pid"]
        assert result.stderr == f"tiphys: started the local Argo Server at {url} (pid {pid})\n"
    finally:
        _kill(state)
