"""Issue 5, proof on real input: the tiphys CLI against a real `tiphys server` process over HTTP
(end to end), and the fault cases (each ends as Argo ends it, and the server keeps serving).

One server per module (`python -m tiphys server --port 0 --backend host`), driven by
`python -m tiphys ...` subprocesses with ARGO_SERVER/ARGO_TOKEN/ARGO_SECURE=false, as a user
drives it. Every wait is bounded; the server and every process a test starts are killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NS = "argo"
EXIT_TIMEOUT = 60  # seconds: no CLI command of this file may take longer
HOST = ("--backend", "host")


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
        [sys.executable, "-m", "tiphys", "server", "--port", "0", "--state", str(state), *HOST],
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
        left = _descendants(process.pid)  # pods run in sessions of their own
        _end(process)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in left) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in left if _alive(pid)] == []  # the server took its pods with it


def _descendants(root: int) -> list[int]:
    """Processes under ``root`` (by parent pid, from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        children = [c for c, p in parents.items() if p == pid]
        found.extend(children)
        todo.extend(children)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _end(process: subprocess.Popen[str]) -> None:
    """SIGTERM the process group, SIGKILL after 10 s; reap."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
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


@pytest.mark.slow
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
        write(
            tmp_path / "t.yaml",
            workflow("never-ready", [main, {**daemon, "timeout": "1s"}, client]),
        ),
        write(
            tmp_path / "a.yaml",
            workflow("never-ready-ads", [main, {**daemon, "activeDeadlineSeconds": 1}, client]),
        ),
    ]
    assert tiphys(server, "submit", *paths).code == 0
    ran = tiphys(server, "wait", "never-ready", "never-ready-ads", "--timeout", "20s")
    assert (ran.code, ran.out) == (1, "never-ready Failed\nnever-ready-ads Failed\n")
    for name, message in [
        ("never-ready", "Step exceeded its deadline"),
        ("never-ready-ads", "Pod was active on the node longer than the specified deadline"),
    ]:
        wf = get_json(server, name)
        child = f"child '{_id(wf, f'{name}[0].server')}' failed"
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
        [sys.executable, "-m", "tiphys", "run", write(tmp_path / "wf.yaml", doc), *HOST],
        capture_output=True,
        text=True,
        env={**server.env, "TMPDIR": str(tmp_path)},
        timeout=EXIT_TIMEOUT,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.endswith(f"tiphys: error: {message}\n"), done.stderr
    serves(server, tmp_path, "after-missing")


# --- end to end ---------------------------------------------------------------------------------


def _fail_message(name: str, node: str, message: str, phase: str = "Failed") -> str:
    return (
        f"failed nodes:\n  {node} ({phase}): {message}\n"
        f"See `tiphys get -n {NS} {name}` and `tiphys logs -n {NS} {name}`.\n"
    )


@pytest.mark.parametrize(
    ("name", "template", "code", "phase", "err"),
    [
        ("wait-ok", sh("main", "echo fine"), 0, "Succeeded", ""),
        (
            "wait-failed",
            sh("main", "echo oops >&2; exit 3"),
            1,
            "Failed",
            "workflow 'wait-failed' in namespace 'argo' ended Failed: main: Error (exit code 3)\n"
            + _fail_message("wait-failed", "wait-failed", "main: Error (exit code 3)"),
        ),
        (
            "wait-image",
            {"name": "main", "container": {"image": "nginx:1.25", "command": ["nginx"]}},
            1,
            "Error",
            "workflow 'wait-image' in namespace 'argo' ended Error: image 'nginx:1.25' cannot run "
            "on this machine's host backend: run with --backend docker (or podman), or mock the "
            "template with --mock TEMPLATE=outputs.json\n"
            + _fail_message(
                "wait-image",
                "wait-image",
                "image 'nginx:1.25' cannot run on this machine's host backend: run with --backend "
                "docker (or podman), or mock the template with --mock TEMPLATE=outputs.json",
                "Error",
            ),
        ),
        (
            "wait-resource",
            {
                "name": "main",
                "resource": {
                    "action": "create",
                    "manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
                },
            },
            1,
            "Error",
            "workflow 'wait-resource' in namespace 'argo' ended Error: resource template 'main' "
            "needs a Kubernetes cluster: tiphys cannot run it here; mock it (--mock "
            "main=outputs.json)\n"
            + _fail_message(
                "wait-resource",
                "wait-resource",
                "resource template 'main' needs a Kubernetes cluster: tiphys cannot run it here; "
                "mock it (--mock main=outputs.json)",
                "Error",
            ),
        ),
    ],
)
def test_submit_wait_exit_codes(
    server: Server,
    tmp_path: Path,
    name: str,
    template: dict[str, Any],
    code: int,
    phase: str,
    err: str,
) -> None:
    path = write(tmp_path / "wf.yaml", workflow(name, [template]))
    ran = tiphys(server, "submit", path, "--wait", "--timeout", "30s")
    assert (ran.code, norm(server, ran.out), ran.err) == (
        code,
        f"Workflow: {name}\nLink: URL/workflows/{NS}/{name}\n{name} {phase}\n",
        err,
    )


def test_submit_watch_prints_the_changes_then_the_get_view(server: Server, tmp_path: Path) -> None:
    main = steps("main", [{"name": "a", "template": "echo"}], [{"name": "b", "template": "bad"}])
    wf = workflow("watched", [main, sh("echo", "echo one"), sh("bad", "exit 2")])
    ran = tiphys(server, "submit", write(tmp_path / "wf.yaml", wf), "--watch", "--timeout", "30s")
    out = norm(server, ran.out)
    head, _, view = out.partition("\n\n")
    lines = head.splitlines()
    assert lines[:2] == ["Workflow: watched", f"Link: URL/workflows/{NS}/watched"]
    # node changes as they happen (a Running state may be coalesced away): each node's last line
    # is its final phase, a's before b's
    changes = [line.split() for line in lines[2:]]
    assert all(c[0] == "HH:MM:SS" for c in changes), changes
    last = {c[1]: c[2] for c in changes}
    assert last == {"a": "Succeeded", "b": "Failed", "watched": "Failed"}
    assert [c[1] for c in changes if c[2] in ("Succeeded", "Failed")] == ["a", "b", "watched"]
    wf = get_json(server, "watched")
    child = f"child '{_id(wf, 'watched[1].b')}' failed"
    assert view == (
        "Name:                watched\n"
        "Namespace:           argo\n"
        "ServiceAccount:      unset (will run with the default ServiceAccount)\n"
        "Status:              Failed\n"
        f"Message:             {child}\n"
        "Conditions:\n"
        " PodRunning          False\n"
        " Completed           True\n"
        "Created:             TIME\n"
        "Started:             TIME\n"
        "Finished:            TIME\n"
        "Duration:            0 seconds\n"
        "Progress:            1/2\n"
        "\n"
        "STEP        TEMPLATE  PODNAME                  DURATION  MESSAGE\n"
        f" ✖ watched  main                                         {child}\n"
        f" ├───✔ a    echo      watched-echo-{_hash(wf, 'watched[0].a')}  0s\n"
        f" └───✖ b    bad       watched-bad-{_hash(wf, 'watched[1].b')}   0s        "
        "main: Error (exit code 2)\n"
    )
    assert (ran.code, ran.err.splitlines()[0]) == (
        1,
        f"workflow 'watched' in namespace 'argo' ended Failed: {child}",
    )


def test_logs_follow_streams_while_the_workflow_runs(server: Server, tmp_path: Path) -> None:
    flags = tmp_path / "flags"
    flags.mkdir()
    script = "echo one; echo two; while [ ! -f /flags/go ]; do sleep 0.05; done; echo three"
    template = sh("main", script)
    template["container"]["volumeMounts"] = [{"name": "flags", "mountPath": "/flags"}]
    wf = workflow(
        "followed", [template], volumes=[{"name": "flags", "hostPath": {"path": str(flags)}}]
    )
    assert tiphys(server, "submit", write(tmp_path / "wf.yaml", wf)).code == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "tiphys", "logs", "followed", "-f"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server.env,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in process.stdout or ()])
    reader.start()
    try:
        first = [lines.get(timeout=20), lines.get(timeout=20)]
        assert first == ["followed: one\n", "followed: two\n"]
        assert process.poll() is None  # still following: the workflow waits for the flag
        (flags / "go").write_text("")
        process.wait(30)
        reader.join(10)
        rest = [lines.get_nowait() for _ in range(lines.qsize())]
        err = process.stderr.read() if process.stderr is not None else ""
    finally:
        _end(process)
        reader.join(10)
    assert (process.returncode, rest, err) == (0, ["followed: three\n"], "")


def _running(server: Server, name: str, node: str) -> bool:
    wf = get_json(server, name)
    return tree(wf).get(node, ("", ""))[1] == "Running"


def test_stop_runs_the_exit_handler_and_terminate_does_not(server: Server, tmp_path: Path) -> None:
    main = steps("main", [{"name": "hang", "template": "hang"}])
    templates = [main, sh("hang", "sleep 30"), sh("bye", "echo bye {{workflow.status}}")]
    for name in ("stopped", "terminated"):
        path = write(tmp_path / f"{name}.yaml", workflow(name, templates, onExit="bye"))
        assert tiphys(server, "submit", path).code == 0
    for name in ("stopped", "terminated"):
        wait_for(lambda name=name: _running(server, name, f"{name}[0].hang"))
    started = time.monotonic()
    assert tiphys(server, "stop", "stopped") == Ran(0, "workflow stopped stopped\n", "")
    assert tiphys(server, "terminate", "terminated") == Ran(
        0, "workflow terminated terminated\n", ""
    )
    ran = tiphys(server, "wait", "stopped", "terminated", "--timeout", "20s")
    assert (ran.code, ran.out) == (1, "stopped Failed\nterminated Failed\n")
    assert time.monotonic() - started < 15  # the sleeping pods were killed
    stop = "Stopped with strategy 'Stop'"
    stopped = get_json(server, "stopped")
    assert (stopped["status"]["phase"], stopped["status"]["message"]) == ("Failed", stop)
    child = f"child '{_id(stopped, 'stopped[0].hang')}' failed"  # steps.go executeStepGroup
    assert tree(stopped) == {
        "stopped": ("Steps", "Failed", child),
        "stopped[0]": ("StepGroup", "Failed", child),
        "stopped[0].hang": ("Pod", "Failed", stop),
        "stopped.onExit": ("Pod", "Succeeded", ""),
    }
    bye = f"stopped-bye-{_hash(stopped, 'stopped.onExit')}"
    assert tiphys(server, "logs", "stopped") == Ran(0, f"{bye}: bye Failed\n", "")
    term = "Stopped with strategy 'Terminate'"
    terminated = get_json(server, "terminated")
    assert (terminated["status"]["phase"], terminated["status"]["message"]) == ("Failed", term)
    child = f"child '{_id(terminated, 'terminated[0].hang')}' failed"
    assert tree(terminated) == {
        "terminated": ("Steps", "Failed", child),
        "terminated[0]": ("StepGroup", "Failed", child),
        "terminated[0].hang": ("Pod", "Failed", term),
    }
    serves(server, tmp_path, "after-stop")


def test_retry_reruns_the_failed_node_and_keeps_the_succeeded_one(
    server: Server, tmp_path: Path
) -> None:
    flags = tmp_path / "flags"
    flags.mkdir()
    main = steps(
        "main", [{"name": "first", "template": "first"}], [{"name": "flaky", "template": "flaky"}]
    )
    flaky = sh("flaky", "if [ -f /flags/fixed ]; then echo fixed; else echo broken; exit 1; fi")
    flaky["container"]["volumeMounts"] = [{"name": "flags", "mountPath": "/flags"}]
    wf = workflow(
        "retried",
        [main, sh("first", "echo first"), flaky],
        volumes=[{"name": "flags", "hostPath": {"path": str(flags)}}],
    )
    ran = tiphys(server, "submit", write(tmp_path / "wf.yaml", wf), "--wait", "--timeout", "30s")
    assert (ran.code, ran.out.splitlines()[-1]) == (1, "retried Failed")
    before = {n["name"]: n for n in get_json(server, "retried")["status"]["nodes"].values()}
    (flags / "fixed").write_text("")
    assert tiphys(server, "retry", "retried") == Ran(0, "workflow retried retried\n", "")
    ran = tiphys(server, "wait", "retried", "--timeout", "30s")
    assert ran == Ran(0, "retried Succeeded\n", "")
    after = get_json(server, "retried")
    assert tree(after) == {
        "retried": ("Steps", "Succeeded", ""),
        "retried[0]": ("StepGroup", "Succeeded", ""),
        "retried[0].first": ("Pod", "Succeeded", ""),
        "retried[1]": ("StepGroup", "Succeeded", ""),
        "retried[1].flaky": ("Pod", "Succeeded", ""),
    }
    kept = {n["name"]: n for n in after["status"]["nodes"].values()}["retried[0].first"]
    assert kept == before["retried[0].first"]  # not run again: the same node, times and all
    logs = tiphys(server, "logs", "retried")
    assert (logs.code, sorted(logs.out.splitlines())) == (
        0,
        [
            f"retried-first-{_hash(after, 'retried[0].first')}: first",
            # "broken" went with the first pod
            f"retried-flaky-{_hash(after, 'retried[1].flaky')}: fixed",
        ],
    )
    # resubmit: a new workflow from this one, labelled with where it came from
    ran = tiphys(server, "resubmit", "retried", "--wait", "--timeout", "30s")
    new = ran.out.splitlines()[0].removeprefix("workflow retried resubmitted as ")
    assert re.fullmatch(r"retried-[bcdfghjklmnpqrstvwxz2456789]{5}", new), ran.out
    assert ran == Ran(0, f"workflow retried resubmitted as {new}\n{new} Succeeded\n", "")
    labels = get_json(server, new)["metadata"]["labels"]
    assert labels["workflows.argoproj.io/resubmitted-from-workflow"] == "retried"


def _id(wf: dict[str, Any], name: str) -> str:
    """The id of the node called ``name``."""
    return next(n["id"] for n in wf["status"]["nodes"].values() if n["name"] == name)


def _hash(wf: dict[str, Any], name: str) -> str:
    """The number a pod name ends with (v2 pod names: WORKFLOW-TEMPLATE-HASH)."""
    return _id(wf, name).rpartition("-")[2]


def test_apply_a_template_then_submit_from_it(server: Server, tmp_path: Path) -> None:
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "greet"},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "who", "value": "world"}]},
            "templates": [sh("main", "echo hello {{workflow.parameters.who}}")],
        },
    }
    path = write(tmp_path / "greet.yaml", template)
    assert tiphys(server, "apply", path) == Ran(0, "workflowtemplate/greet created\n", "")
    assert tiphys(server, "apply", path) == Ran(0, "workflowtemplate/greet unchanged\n", "")
    ran = tiphys(server, "submit", "--from", "wftmpl/greet", "-p", "who=e2e", "--wait", "--log")
    name = ran.out.splitlines()[0].removeprefix("Workflow: ")
    assert re.fullmatch(r"greet-[bcdfghjklmnpqrstvwxz2456789]{5}", name), ran.out
    assert (ran.code, norm(server, ran.out), ran.err) == (  # the root pod is named as its workflow
        0,
        f"Workflow: {name}\nLink: URL/workflows/{NS}/{name}\n{name}: hello e2e\n{name} Succeeded\n",
        "",
    )


def test_get_list_wait_delete(server: Server, tmp_path: Path) -> None:
    for name in ("listed-a", "listed-b"):
        wf = workflow(name, [sh("main", "echo hi")])
        wf["metadata"]["labels"] = {"e2e": "listed"}
        assert tiphys(server, "submit", write(tmp_path / f"{name}.yaml", wf)).code == 0
    assert tiphys(server, "wait", "listed-a", "listed-b", "--timeout", "30s") == Ran(
        0, "listed-a Succeeded\nlisted-b Succeeded\n", ""
    )
    ran = tiphys(server, "list", "-l", "e2e=listed", "-o", "name")
    assert ran == Ran(0, "listed-b\nlisted-a\n", "") or ran == Ran(0, "listed-a\nlisted-b\n", "")
    ran = tiphys(server, "get", "listed-a")
    # the run's duration is 0 or 1 s, whichever second boundary it crossed
    shown = re.sub(r"(Duration: +)[01] seconds?\n", r"\g<1>N seconds\n", norm(server, ran.out))
    shown = re.sub(r"(listed-a  )[01]s\n", r"\g<1>Ns\n", shown)
    assert (ran.code, shown, ran.err) == (
        0,
        "Name:                listed-a\n"
        "Namespace:           argo\n"
        "ServiceAccount:      unset (will run with the default ServiceAccount)\n"
        "Status:              Succeeded\n"
        "Conditions:\n"
        " PodRunning          False\n"
        " Completed           True\n"
        "Created:             TIME\n"
        "Started:             TIME\n"
        "Finished:            TIME\n"
        "Duration:            N seconds\n"
        "Progress:            1/1\n"
        "\n"
        "STEP         TEMPLATE  PODNAME   DURATION  MESSAGE\n"
        " ✔ listed-a  main      listed-a  Ns\n",
        "",
    )
    assert tiphys(server, "delete", "listed-a") == Ran(0, "Workflow 'listed-a' deleted\n", "")
    ran = tiphys(server, "get", "listed-a")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err.startswith(
        f"tiphys: error: GET /api/v1/workflows/{NS}/listed-a: 404 Not Found: "
        'workflows.argoproj.io "listed-a" not found\n'
    )
    assert tiphys(server, "list", "-l", "e2e=listed", "-o", "name") == Ran(0, "listed-b\n", "")


# --- more faults --------------------------------------------------------------------------------


@pytest.mark.slow
def test_tasks_past_their_timeout_and_deadlines(server: Server, tmp_path: Path) -> None:
    slow = {
        "name": "slow",
        "container": {"image": "busybox", "command": ["sh", "-c"], "args": ["sleep 60"]},
    }
    main = steps("main", [{"name": "a", "template": "slow"}])
    docs = {
        "timed-out": workflow("timed-out", [main, {**slow, "timeout": "1s"}]),
        "pod-deadline": workflow("pod-deadline", [main, {**slow, "activeDeadlineSeconds": 1}]),
        "wf-deadline": workflow("wf-deadline", [slow], activeDeadlineSeconds=1),
    }
    paths = [write(tmp_path / f"{name}.yaml", doc) for name, doc in docs.items()]
    assert tiphys(server, "submit", *paths).code == 0
    started = time.monotonic()
    ran = tiphys(server, "wait", *docs, "--timeout", "30s")
    assert (ran.code, ran.out) == (
        1,
        "timed-out Failed\npod-deadline Failed\nwf-deadline Failed\n",
    )
    assert time.monotonic() - started < 15
    deadline = "Step exceeded its deadline"
    pod = "Pod was active on the node longer than the specified deadline"
    for name, message in (("timed-out", deadline), ("pod-deadline", pod)):
        wf = get_json(server, name)
        child = f"child '{_id(wf, f'{name}[0].a')}' failed"
        assert (wf["status"]["phase"], wf["status"]["message"]) == ("Failed", child)
        assert tree(wf) == {
            name: ("Steps", "Failed", child),
            f"{name}[0]": ("StepGroup", "Failed", child),
            f"{name}[0].a": ("Pod", "Failed", message),
        }
    wf = get_json(server, "wf-deadline")
    assert (wf["status"]["phase"], wf["status"]["message"]) == ("Failed", deadline)
    assert tree(wf) == {"wf-deadline": ("Pod", "Failed", deadline)}
    serves(server, tmp_path, "after-deadlines")


def test_a_malformed_when(server: Server, tmp_path: Path) -> None:
    main = steps("main", [{"name": "a", "template": "echo", "when": "foo == (bar"}])
    path = write(tmp_path / "wf.yaml", workflow("bad-when", [main, sh("echo", "echo hi")]))
    # steps.go resolveReferences wraps the error: "Failed to resolve references: %s"
    message = (
        "Failed to resolve references: "
        "Invalid 'when' expression 'foo == (bar': Unbalanced parenthesis"
    )
    ran = tiphys(server, "submit", path, "--wait", "--timeout", "30s")
    assert (ran.code, ran.err) == (
        1,
        f"workflow 'bad-when' in namespace 'argo' ended Failed: {message}\n"
        f"See `tiphys get -n {NS} bad-when` and `tiphys logs -n {NS} bad-when`.\n",
    )
    # steps.go: resolveReferences checks the `when` of a step without a loop before the group
    # runs anything, so the group ends in Error and the step gets no node
    assert tree(get_json(server, "bad-when")) == {
        "bad-when": ("Steps", "Failed", message),
        "bad-when[0]": ("StepGroup", "Error", message),
    }
    serves(server, tmp_path, "after-when")


@pytest.mark.slow
def test_a_script_that_writes_10_mb_to_stdout(server: Server, tmp_path: Path) -> None:
    gen = {
        "name": "gen",
        "script": {
            "image": "python:3.12",
            "command": ["python"],
            "source": "import sys\nline = 'x' * 99 + '\\n'\nfor i in range(100000):\n"
            "    sys.stdout.write(line)\nsys.stdout.write('END\\n')\n",
        },
    }
    use = sh("use", "echo {{inputs.parameters.n}}", inputs={"parameters": [{"name": "n"}]})
    main = steps(
        "main",
        [{"name": "gen", "template": "gen"}],
        [
            {
                "name": "use",
                "template": "use",
                "arguments": {
                    "parameters": [{"name": "n", "value": "{{=len(steps.gen.outputs.result)}}"}]
                },
            }
        ],
    )
    path = write(tmp_path / "wf.yaml", workflow("loud", [main, gen, use]))
    ran = tiphys(server, "submit", path, "--wait", "--timeout", "60s")
    assert (ran.code, ran.out.splitlines()[-1]) == (0, "loud Succeeded")
    wf = get_json(server, "loud")
    gen_node = next(n for n in wf["status"]["nodes"].values() if n["name"] == "loud[0].gen")
    full = ("x" * 99 + "\n") * 100000 + "END"  # executor.go: one newline trimmed, last 256 KiB
    assert gen_node["outputs"] == {"result": full[-256 * 1024 :], "exitCode": "0"}
    logs = subprocess.run(
        [sys.executable, "-m", "tiphys", "logs", "loud", "-f"],
        capture_output=True,
        text=True,
        env=server.env,
        timeout=EXIT_TIMEOUT,
    )
    lines = logs.stdout.splitlines()
    gen_pod = f"loud-gen-{_hash(wf, 'loud[0].gen')}"
    assert (logs.returncode, len(lines), lines[0], lines[-2:]) == (
        0,
        100002,
        f"{gen_pod}: {'x' * 99}",
        [f"{gen_pod}: END", f"loud-use-{_hash(wf, 'loud[1].use')}: 262144"],
    )
    status = Path(f"/proc/{server.pid}/status").read_text()
    peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    assert peak_kb < 300 * 1024  # the server's memory stays bounded (it is ~80 MB idle)
    serves(server, tmp_path, "after-loud")


def test_a_workflow_left_running_is_not_orphaned(server: Server, tmp_path: Path) -> None:
    # Left running on purpose: the server fixture's teardown checks that stopping the server
    # ends this pod too (no process of the server outlives it).
    path = write(tmp_path / "wf.yaml", workflow("left-running", [sh("main", "sleep 60")]))
    assert tiphys(server, "submit", path).code == 0
    wait_for(lambda: _running(server, "left-running", "left-running"))
    assert any(_alive(pid) for pid in _descendants(server.pid))
