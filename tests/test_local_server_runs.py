"""Real workflows through the embedded Argo Server: the engine (tiphys.local.engine) and the host
backend run them; the real tiphys.client.Client drives them over HTTP on 127.0.0.1.

Skipped until the engine and the executor are on main (they are built in parallel).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("tiphys.local.engine")
pytest.importorskip("tiphys.local.pods")

from tiphys.client import ArgoServerError, Client
from tiphys.local.server import LocalServer

NS = "argo"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    server = LocalServer(
        state_dir=tmp_path / "state", port=0, persist=False, backend="host", keepalive=0.5
    )
    server.start()
    try:
        with Client(
            server=server.url.removeprefix("http://"),
            secure=False,
            token=server.token,
            namespace=NS,
            env={},
            kubeconfig=Path("/nonexistent"),
        ) as c:
            yield c
    finally:
        server.shutdown()


def manifest(name: str, templates: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
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


def finish(client: Client, name: str) -> dict[str, Any]:
    for _ in client.watch(name, timeout=30):
        pass
    return client.get(name)


def by_display_name(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def test_a_dag_with_parameters_runs_and_logs(client: Client) -> None:
    echo = sh(
        "echo",
        "echo {{inputs.parameters.m}}",
        inputs={"parameters": [{"name": "m"}]},
    )
    main = {
        "name": "main",
        "dag": {
            "tasks": [
                {
                    "name": "a",
                    "template": "echo",
                    "arguments": {
                        "parameters": [{"name": "m", "value": "{{workflow.parameters.msg}}"}]
                    },
                },
                {
                    "name": "b",
                    "template": "echo",
                    "depends": "a",
                    "arguments": {
                        "parameters": [{"name": "m", "value": "{{tasks.a.outputs.result}}-b"}]
                    },
                },
            ]
        },
    }
    wf = manifest("dag", [main, echo], arguments={"parameters": [{"name": "msg", "value": "x"}]})
    client.create(wf)
    lines = [line.content for line in client.logs("dag", follow=True, timeout=30)]
    final = finish(client, "dag")
    assert (final["status"]["phase"], final["status"]["progress"]) == ("Succeeded", "2/2")
    nodes = by_display_name(final)
    # outputs.result is captured only where the DAG reads it (hasOutputResultRef): a's, not b's
    assert (nodes["a"]["outputs"], nodes["b"]["outputs"]) == (
        {"result": "x", "exitCode": "0"},
        {"exitCode": "0"},
    )
    assert lines == ["x", "x-b"]
    assert final["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"


def test_stop_runs_the_exit_handler_and_terminate_does_not(client: Client) -> None:
    templates = [sh("sleep", "sleep 30"), sh("bye", "echo bye {{workflow.status}}")]
    client.create(manifest("stopped", templates, onExit="bye"))
    client.create(manifest("terminated", templates, onExit="bye"))
    for name in ("stopped", "terminated"):
        for event in client.watch(name, timeout=30):
            if by_display_name(event.workflow).get(name, {}).get("phase") == "Running":
                break
    client.stop("stopped")
    client.terminate("terminated")
    stopped, terminated = finish(client, "stopped"), finish(client, "terminated")
    assert (stopped["status"]["phase"], stopped["status"]["message"]) == (
        "Failed",
        "Stopped with strategy 'Stop'",
    )
    assert [line.content for line in client.logs("stopped")] == ["bye Failed"]
    assert terminated["status"]["message"] == "Stopped with strategy 'Terminate'"
    assert "terminated.onExit" not in {n["name"] for n in terminated["status"]["nodes"].values()}
    with pytest.raises(ArgoServerError) as caught:
        client.stop("stopped")
    assert caught.value.status == 500


def test_resume_a_suspend_node_by_selector(client: Client) -> None:
    steps = {
        "name": "main",
        "steps": [
            [{"name": "approve", "template": "approve"}],
            [{"name": "after", "template": "after"}],
        ],
    }
    client.create(
        manifest("gate", [steps, {"name": "approve", "suspend": {}}, sh("after", "echo after")])
    )
    for event in client.watch("gate", timeout=30):
        if by_display_name(event.workflow).get("approve", {}).get("phase") == "Running":
            break
    client.resume("gate", node_field_selector="displayName=approve")
    final = finish(client, "gate")
    assert final["status"]["phase"] == "Succeeded"
    assert [line.content for line in client.logs("gate")] == ["after"]


def test_retry_and_resubmit_a_failed_workflow(client: Client) -> None:
    client.create(manifest("flaky", [sh("main", "echo try; exit 1")]))
    failed = finish(client, "flaky")
    assert (failed["status"]["phase"], by_display_name(failed)["flaky"]["phase"]) == (
        "Failed",
        "Failed",
    )
    client.retry("flaky")
    assert finish(client, "flaky")["status"]["phase"] == "Failed"
    again = client.resubmit("flaky")
    name = again["metadata"]["name"]
    assert again["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "flaky"
    assert finish(client, name)["status"]["phase"] == "Failed"


def test_submit_from_an_applied_template(client: Client) -> None:
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
    client.request("POST", f"/api/v1/workflow-templates/{NS}", body={"template": template})
    run = client.submit("wftmpl", "greet", parameters={"who": "local"})
    final = finish(client, run["metadata"]["name"])
    assert final["status"]["phase"] == "Succeeded"
    assert [line.content for line in client.logs(run["metadata"]["name"])] == ["hello local"]


def test_a_run_cut_by_stopping_the_server_reads_error_after_the_restart(tmp_path: Path) -> None:
    # Stopping the server cancels its runs; their cancellation (a Terminate, ending Failed
    # "child ... failed") was stored and hid that the server stopped, which Argo would not do.
    import time

    from tiphys.local.state import INTERRUPTED_MESSAGE

    def connect(server: LocalServer) -> Client:
        return Client(
            server=server.url.removeprefix("http://"),
            secure=False,
            token=server.token,
            namespace=NS,
            env={},
            kubeconfig=Path("/nonexistent"),
        )

    state = tmp_path / "state"
    first = LocalServer(state_dir=state, port=0, backend="host", keepalive=0.5)
    first.start()
    try:
        with connect(first) as c:
            steps = {"name": "main", "steps": [[{"name": "s", "template": "s"}]]}
            c.create(manifest("cut", [steps, sh("s", "sleep 30")]))
            for _ in range(100):
                nodes = c.get("cut").get("status", {}).get("nodes", {})
                if any(n["type"] == "Pod" and n["phase"] == "Running" for n in nodes.values()):
                    break
                time.sleep(0.05)
    finally:
        first.shutdown()
    second = LocalServer(state_dir=state, port=0, backend="host", keepalive=0.5)
    second.start()
    try:
        with connect(second) as c:
            status = c.get("cut")["status"]
            assert (status["phase"], status["message"]) == ("Error", INTERRUPTED_MESSAGE)
    finally:
        second.shutdown()
