"""Issue 5, proof on real input: the tiphys CLI against a real `tiphys server` process over HTTP
(end to end), and the fault cases (each ends as Argo ends it, and the server keeps serving).

One server per module (`python -m tiphys server --port 0 --backend host`), driven by
`python -m tiphys ...` subprocesses with ARGO_SERVER/ARGO_TOKEN/ARGO_SECURE=false, as a user
drives it. Every wait is bounded; the server and every process a test starts are killed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NS = "argo"
EXIT_TIMEOUT = 60  # seconds: no CLI command of this file may take longer


@dataclass(frozen=True)
class Server:
    """The running `tiphys server`: its URL (http://127.0.0.1:PORT), env for the CLI, pid."""

    url: str
    env: dict[str, str]
    pid: int
    state: Path


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    state = tmp_path_factory.mktemp("e2e") / "state"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tiphys", "server", "--port", "0", "--state", str(state)]
        + ["--backend", "host"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # bounded: the server prints it or exits
        url = first.removeprefix("Argo Server (tiphys) listening on ").strip()
        assert url.startswith("http://127.0.0.1:"), first
        token = (state / "token").read_text().strip()
        cli_env = {
            **os.environ,
            "ARGO_SERVER": url.removeprefix("http://"),
            "ARGO_SECURE": "false",
            "ARGO_TOKEN": f"Bearer {token}",
            "ARGO_NAMESPACE": NS,
            "KUBECONFIG": "/dev/null",
            "NO_COLOR": "1",
            "COLUMNS": "120",
            "TZ": "UTC",
        }
        for key in ("ARGO_INSECURE_SKIP_VERIFY", "ARGO_BASE_HREF", "ARGO_UI_URL"):
            cli_env.pop(key, None)
        yield Server(url, cli_env, process.pid, state)
    finally:
        _end(process)


def _end(process: subprocess.Popen[str]) -> None:
    """SIGTERM the process group, SIGKILL after 10 s; reap."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def tiphys(server: Server, *args: str, timeout: float = EXIT_TIMEOUT) -> Ran:
    """Run `python -m tiphys ARGS` against the server; the token never shows."""
    done = subprocess.run(
        [sys.executable, "-m", "tiphys", *args],
        capture_output=True,
        text=True,
        env=server.env,
        timeout=timeout,
    )
    token = server.env["ARGO_TOKEN"].removeprefix("Bearer ")
    assert token not in done.stdout + done.stderr
    return Ran(done.returncode, done.stdout, done.stderr)


def norm(server: Server, text: str) -> str:
    """Normalise what changes between runs: the server URL and clock times."""
    text = text.replace(server.url, "URL")
    text = re.sub(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d \+0000 \([^)]*\)", "TIME", text)
    return re.sub(r"\b\d\d:\d\d:\d\d\b", "HH:MM:SS", text)


def write(path: Path, doc: dict[str, Any]) -> str:
    """A manifest file (JSON is YAML) for the CLI."""
    path.write_text(json.dumps(doc))
    return str(path)


def workflow(name: str, templates: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"entrypoint": templates[0]["name"], "templates": templates, **spec},
    }


def sh(name: str, script: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "container": {"image": "busybox", "command": ["sh", "-c"], "args": [script]},
        **extra,
    }


def steps(name: str, *groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "steps": [list(g) for g in groups]}


def get_json(server: Server, name: str) -> dict[str, Any]:
    ran = tiphys(server, "get", name, "-o", "json")
    assert (ran.code, ran.err) == (0, ""), ran
    wf: dict[str, Any] = json.loads(ran.out)
    return wf


def tree(wf: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """node name -> (type, phase, message), for whole comparisons of a status tree."""
    return {
        n["name"]: (n["type"], n["phase"], n.get("message", ""))
        for n in wf["status"]["nodes"].values()
    }


def wait_for(predicate: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def serves(server: Server, tmp_path: Path, name: str) -> None:
    """The server still runs workflows: a fresh submit --wait Succeeds."""
    path = write(tmp_path / f"{name}.yaml", workflow(name, [sh("main", "echo alive")]))
    ran = tiphys(server, "submit", path, "--wait", "--timeout", "30s")
    assert (ran.code, norm(server, ran.out), ran.err) == (
        0,
        f"Workflow: {name}\nLink: URL/workflows/{NS}/{name}\n{name} Succeeded\n",
        "",
    )


# --- faults -------------------------------------------------------------------------------------


def test_a_daemon_that_never_becomes_ready_ends_at_its_timeout(
    server: Server, tmp_path: Path
) -> None:
    # Argo: a daemon node is fulfilled only once every container is Ready (operator.go
    # assessNodeStatus), so the steps after it never start; the template's timeout (the
    # executor's deadline) or activeDeadlineSeconds (the kubelet's) ends it.
    probe = {"exec": {"command": ["sh", "-c", "exit 1"]}, "periodSeconds": 1}
    daemon = {
        "name": "server",
        "daemon": True,
        "container": {
            "image": "busybox",
            "command": ["sh", "-c"],
            "args": ["sleep 60"],
            "readinessProbe": probe,
        },
    }
    main = steps(
        "main",
        [{"name": "server", "template": "server"}],
        [{"name": "client", "template": "client"}],
    )
    client = sh("client", "echo client")
    paths = [
        write(tmp_path / "t.yaml", workflow("never-ready", [main, {**daemon, "timeout": "1s"}, client])),
        write(
            tmp_path / "a.yaml",
            workflow("never-ready-ads", [main, {**daemon, "activeDeadlineSeconds": 1}, client]),
        ),
    ]
    for path in paths:
        assert tiphys(server, "submit", path).code == 0
    ran = tiphys(server, "wait", "never-ready", "never-ready-ads", "--timeout", "20s")
    assert (ran.code, ran.out) == (1, "never-ready Failed\nnever-ready-ads Failed\n")
    for name, message in [
        ("never-ready", "Step exceeded its deadline"),
        ("never-ready-ads", "Pod was active on the node longer than the specified deadline"),
    ]:
        wf = get_json(server, name)
        child = f"child '{[n['id'] for n in wf['status']['nodes'].values() if n['name'] == f'{name}[0].server'][0]}' failed"
        assert tree(wf) == {
            name: ("Steps", "Failed", child),
            f"{name}[0]": ("StepGroup", "Failed", child),
            f"{name}[0].server": ("Pod", "Failed", message),
        }
    serves(server, tmp_path, "after-daemon")


def test_a_missing_parameter_value_is_refused_by_the_server_and_by_run(
    server: Server, tmp_path: Path
) -> None:
    # validate.go validateArgumentsValues (Lint false, as the server's create and submit run it)
    import httpx

    doc = workflow(
        "no-value",
        [sh("main", "echo {{workflow.parameters.msg}}")],
        arguments={"parameters": [{"name": "msg"}]},
    )
    token = server.env["ARGO_TOKEN"]
    reply = httpx.post(
        f"{server.url}/api/v1/workflows/{NS}",
        json={"workflow": doc},
        headers={"Authorization": token},
        timeout=10,
    )
    message = "spec.arguments.msg.value or spec.arguments.msg.valueFrom is required"
    assert (reply.status_code, reply.json()) == (400, {"code": 3, "message": message})
    # the same from a WorkflowTemplate whose parameter has no value and no -p
    template = {**doc, "kind": "WorkflowTemplate", "metadata": {"name": "needs-msg"}}
    path = write(tmp_path / "tmpl.yaml", template)
    assert tiphys(server, "apply", path).code == 0
    reply = httpx.post(
        f"{server.url}/api/v1/workflows/{NS}/submit",
        json={"resourceKind": "WorkflowTemplate", "resourceName": "needs-msg"},
        headers={"Authorization": token},
        timeout=10,
    )
    assert (reply.status_code, reply.json()) == (400, {"code": 3, "message": message})
    # the CLI says so before sending anything
    ran = tiphys(server, "submit", "--from", "wftmpl/needs-msg", "--wait")
    assert ran == Ran(
        2,
        "",
        "tiphys: error: WorkflowTemplate 'needs-msg' needs a value for parameter 'msg': pass "
        "-p msg=... on the command line (parameters={'msg': ...} in Python).\n",
    )
    # tiphys run refuses it before running anything: exit 2
    done = subprocess.run(
        [sys.executable, "-m", "tiphys", "run", write(tmp_path / "wf.yaml", doc)]
        + ["--backend", "host"],
        capture_output=True,
        text=True,
        env={**server.env, "TMPDIR": str(tmp_path)},
        timeout=EXIT_TIMEOUT,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.endswith(f"tiphys: error: {message}\n"), done.stderr
    serves(server, tmp_path, "after-missing")
