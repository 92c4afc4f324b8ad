"""tiphys.local.result: LocalResult lookups, outputs, check() and the failure text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tiphys.local.result import LocalOutputs, LocalResult, LocalRunFailed, failure_text

RUN_DIR = Path("/tmp/tiphys-runs/ci-abcde")


def _node(node_id: str, display: str, **fields: Any) -> dict[str, Any]:
    return {"id": node_id, "name": f"ci-abcde.{display}", "displayName": display, **fields}


NODES = {
    "ci-abcde": {
        "id": "ci-abcde",
        "name": "ci-abcde",
        "displayName": "ci-abcde",
        "type": "DAG",
        "phase": "Failed",
        "outputs": {"parameters": [{"name": "digest", "value": "sha256:1"}]},
    },
    "ci-abcde-1": _node(
        "ci-abcde-1",
        "build",
        type="Pod",
        phase="Succeeded",
        startedAt="2026-11-30T01:00:00Z",
        outputs={
            "result": "built",
            "exitCode": "0",
            "parameters": [{"name": "tag", "value": "v1"}],
            "artifacts": [{"name": "bin", "path": "/tmp/bin", "s3": {"key": "ci-abcde/x/bin.tgz"}}],
        },
    ),
    "ci-abcde-2": _node(
        "ci-abcde-2",
        "test",
        type="Pod",
        phase="Failed",
        message="Error (exit code 1)",
        startedAt="2026-11-30T01:00:05Z",
    ),
    "ci-abcde-3": _node(
        "ci-abcde-3", "lint", type="Pod", phase="Error", startedAt="2026-11-30T01:00:02Z"
    ),
    "ci-abcde-4": {**_node("ci-abcde-4", "step", type="Pod"), "name": "ci-abcde.a.step"},
    "ci-abcde-5": {**_node("ci-abcde-5", "step", type="Pod"), "name": "ci-abcde.b.step"},
}
WF = {
    "metadata": {"name": "ci-abcde", "namespace": "default"},
    "status": {"phase": "Failed", "message": "child 'ci-abcde-2' failed", "nodes": NODES},
}


def test_phase_message_and_the_failure_raised_by_check() -> None:
    result = LocalResult(WF, RUN_DIR)
    assert (result.name, result.phase, result.message, result.succeeded) == (
        "ci-abcde",
        "Failed",
        "child 'ci-abcde-2' failed",
        False,
    )
    assert repr(result) == "LocalResult(ci-abcde, phase='Failed')"
    with pytest.raises(LocalRunFailed) as caught:
        result.check()
    assert caught.value.result is result
    assert caught.value.phase == "Failed"
    assert str(caught.value) == (
        "workflow 'ci-abcde' ended Failed: child 'ci-abcde-2' failed\n"
        "failed nodes:\n"
        "  lint (Error)\n"
        "  test (Failed): Error (exit code 1)\n"
        "Logs and outputs are in /tmp/tiphys-runs/ci-abcde."
    )


def test_check_returns_a_succeeded_result() -> None:
    done = LocalResult({"metadata": {"name": "x"}, "status": {"phase": "Succeeded"}}, RUN_DIR)
    assert done.check() is done


def test_outputs_of_a_task_and_of_the_workflow() -> None:
    result = LocalResult(WF, RUN_DIR)
    assert result.outputs("build") == LocalOutputs(
        parameters={"tag": "v1"},
        result="built",
        exit_code="0",
        artifacts={"bin": {"name": "bin", "path": "/tmp/bin", "s3": {"key": "ci-abcde/x/bin.tgz"}}},
    )
    assert result.outputs() == LocalOutputs({"digest": "sha256:1"}, None, None, {})
    assert result.outputs("test") == LocalOutputs({}, None, None, {})


def test_node_by_display_name_full_name_and_id() -> None:
    result = LocalResult(WF, RUN_DIR)
    assert result.node("build") is NODES["ci-abcde-1"]
    assert result.node("ci-abcde.test") is NODES["ci-abcde-2"]
    assert result.node("ci-abcde-3") is NODES["ci-abcde-3"]
    assert result.node("ci-abcde.b.step") is NODES["ci-abcde-5"]


def test_unknown_and_ambiguous_names() -> None:
    result = LocalResult(WF, RUN_DIR)
    with pytest.raises(KeyError) as caught:
        result.node("deploy")
    assert caught.value.args == (
        "no node named 'deploy' in 'ci-abcde' (its nodes: build, ci-abcde, lint, step, test)",
    )
    with pytest.raises(KeyError) as caught:
        result.outputs("step")
    assert caught.value.args == (
        "2 nodes are named 'step': give one's full name (ci-abcde.a.step, ci-abcde.b.step)",
    )


def test_failure_text_caps_the_node_list() -> None:
    nodes = {
        f"n{i}": {"id": f"n{i}", "displayName": f"t{i:02d}", "type": "Pod", "phase": "Failed"}
        for i in range(12)
    }
    wf = {"metadata": {"name": "big"}, "status": {"phase": "Error", "nodes": nodes}}
    assert failure_text(wf) == "\n".join(
        [
            "workflow 'big' ended Error",
            "failed nodes:",
            *(f"  t{i:02d} (Failed)" for i in range(10)),
            "  and 2 more",
        ]
    )


# --- Workflow.run_local (runs on the host backend) ---------------------------------------------


def _pipeline() -> Any:
    from tiphys import Workflow, dag, script

    @script(image="python:3.12-alpine")
    def double(n: int) -> int:
        return n * 2

    @script(image="python:3.12-alpine")
    def check(value: int) -> None:
        import sys

        print(f"checking {value}")
        sys.exit(0 if value < 10 else 1)

    @dag
    def pipeline(n: int = 2):  # type: ignore[no-untyped-def]
        doubled = double(n=n)
        check(value=doubled.result)

    return Workflow(entrypoint=pipeline, generate_name="pipeline-")


def test_run_local_returns_the_result_with_each_task_outputs(tmp_path: Path) -> None:
    result = _pipeline().run_local(parameters={"n": 3}, backend="host", run_dir=tmp_path)
    assert (result.phase, result.message, result.run_dir) == ("Succeeded", "", tmp_path)
    assert result.outputs("double") == LocalOutputs({}, "6", "0", {})
    assert result.outputs("check").exit_code == "0"
    assert result.node("check")["phase"] == "Succeeded"


def test_run_local_returns_a_failure_or_raises_it_with_check(tmp_path: Path) -> None:
    failed = _pipeline().run_local(parameters={"n": 5}, backend="host", run_dir=tmp_path / "a")
    assert failed.phase == "Failed"
    assert failed.outputs("check").exit_code == "1"
    with pytest.raises(LocalRunFailed) as caught:
        _pipeline().run_local(
            parameters={"n": 5}, backend="host", run_dir=tmp_path / "b", check=True
        )
    raised = caught.value.result
    said = f": {raised.message}" if raised.message else ""  # the engine's (DAG: none)
    assert str(caught.value) == (
        f"workflow '{raised.name}' ended Failed{said}\n"
        "failed nodes:\n"
        "  check (Failed): main: Error (exit code 1)\n"
        f"Logs and outputs are in {tmp_path / 'b'}."
    )


def test_run_local_mocks_and_checks_parameters(tmp_path: Path) -> None:
    from tiphys.errors import CompileError

    result = _pipeline().run_local(
        backend="host",
        run_dir=tmp_path,
        mocks={"double": {"outputs": {"result": "42"}}, "check": {"phase": "Failed"}},
    )
    assert (result.phase, result.outputs("double").result) == ("Failed", "42")
    with pytest.raises(CompileError) as caught:
        _pipeline().run_local(parameters={"m": 1}, run_dir=tmp_path)
    assert [d.message for d in caught.value.diagnostics] == [
        "Workflow (generateName 'pipeline-') has no parameter 'm' (parameters: n)"
    ]
