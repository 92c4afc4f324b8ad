"""The local engine against Argo's controller, semantic by semantic: each test is a small
manifest and the whole status (or outputs) Argo's code gives for it (the Go file is named)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import local_engine_support as support
from tiphys.argo.nodes import node_id, pod_name
from tiphys.local.engine import LocalRun, RunOptions
from tiphys.local.prepare import prepare_workflow
from tiphys.local.store import LocalStore

Json = dict[str, Any]
ALPINE = "alpine:3.20"


def sh(name: str, script: str, **extra: Any) -> Json:
    return {"name": name, "container": {"image": ALPINE, "command": ["sh", "-c", script]}, **extra}


def wf(name: str, templates: list[Json], entry: str = "main", **spec: Any) -> Json:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"entrypoint": entry, "templates": templates, **spec},
    }


def steps(name: str, *groups: list[Json], **extra: Any) -> Json:
    return {"name": name, "steps": [list(g) for g in groups], **extra}


def make_run(manifest: Json, tmp_path: Path) -> tuple[LocalRun, support.ShExecutor]:
    executor = support.ShExecutor()
    opts = RunOptions(run_dir=tmp_path, store=LocalStore())
    return LocalRun(prepare_workflow(manifest), opts, executor=executor), executor


def execute(manifest: Json, tmp_path: Path) -> Json:
    run, _ = make_run(manifest, tmp_path)
    return asyncio.run(asyncio.wait_for(run.execute(), 20))


def summary(workflow: Json) -> dict[str, tuple[str, str, str]]:
    """Every node by name: (type, phase, message)."""
    return {
        n["name"]: (n["type"], n["phase"], n.get("message", ""))
        for n in workflow["status"]["nodes"].values()
    }


def by_name(workflow: Json, name: str) -> Json:
    for n in workflow["status"]["nodes"].values():
        if n["name"] == name:
            return dict(n)
    raise KeyError(name)


def stdout(workflow: Json, name: str, run_dir: Path) -> str:
    nid = node_id(workflow["metadata"]["name"], name)
    return (run_dir / "nodes" / nid / "stdout").read_text().removesuffix("\n")


# --- retries (operator.go processNodeRetries) -------------------------------------------------


@pytest.mark.parametrize(
    ("retry", "script", "attempts", "phase", "message"),
    [
        # limit N -> N+1 attempts, then "No more retries left"
        ({"limit": 1}, "exit 1", 2, "Failed", "No more retries left"),
        # the policy is checked before the limit: an Error under OnFailure is not retried
        ({"limit": 1, "retryPolicy": "OnError"}, "exit 1", 1, "Failed", "Error (exit code 1)"),
        # the limit is checked before the expression
        ({"limit": 0, "expression": "false"}, "exit 1", 1, "Failed", "No more retries left"),
        (
            {"limit": 3, "expression": "asInt(lastRetry.exitCode) == 1"},
            "exit 2",
            1,
            "Failed",
            "retryStrategy.expression evaluated to false",
        ),
        # an expression without a policy means Always; retries counts attempts from 0
        (
            {"limit": 5, "expression": "asInt(retries) < 1"},
            "exit 3",
            2,
            "Failed",
            "retryStrategy.expression evaluated to false",
        ),
        # backoff without a duration is an error of the Retry node
        (
            {"limit": 1, "backoff": {"factor": 2}},
            "exit 1",
            1,
            "Error",
            "no base duration specified for retryStrategy",
        ),
    ],
)
def test_retry_decisions(
    tmp_path: Path,
    retry: Json,
    script: str,
    attempts: int,
    phase: str,
    message: str,
) -> None:
    manifest = wf("rd", [steps("main", [{"name": "r", "template": "t"}]), sh("t", script)])
    manifest["spec"]["templates"][1]["retryStrategy"] = retry
    out = execute(manifest, tmp_path)
    r = by_name(out, "rd[0].r")
    names = [f"rd[0].r({i})" for i in range(attempts)]
    assert [out["status"]["nodes"][c]["name"] for c in r["children"]] == names
    assert (r["type"], r["phase"], r.get("message", "")) == ("Retry", phase, message)
    assert [by_name(out, n)["nodeFlag"] for n in names] == [{"retried": True}] * attempts


def test_retry_backoff_waits_duration_times_factor_capped(tmp_path: Path) -> None:
    # waits 0.2 s, then 0.4 s capped to 0.3 s: about 0.5 s in all (operator.go: duration *
    # factor^(attempts-1), at most cap)
    manifest = wf(
        "bo",
        [
            steps("main", [{"name": "r", "template": "t"}]),
            sh(
                "t",
                "exit 1",
                retryStrategy={
                    "limit": 2,
                    "backoff": {"duration": "0.2s", "factor": 2, "cap": "0.3s"},
                },
            ),
        ],
    )
    started = time.monotonic()
    out = execute(manifest, tmp_path)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 3
    assert summary(out)["bo[0].r"] == ("Retry", "Failed", "No more retries left")


def test_retry_max_duration_exceeded_after_a_long_attempt(tmp_path: Path) -> None:
    manifest = wf(
        "md",
        [
            steps("main", [{"name": "r", "template": "t"}]),
            sh(
                "t",
                "sleep 1.2; exit 1",
                retryStrategy={"limit": 3, "backoff": {"duration": "0", "maxDuration": "1"}},
            ),
        ],
    )
    out = execute(manifest, tmp_path)
    assert summary(out)["md[0].r"] == ("Retry", "Failed", "Max duration limit exceeded")
    assert len(by_name(out, "md[0].r")["children"]) == 1


def test_retry_past_the_workflow_deadline_stops(tmp_path: Path) -> None:
    # without a limit, a retried step past activeDeadlineSeconds must end (operator.go:
    # "retry exceeded workflow deadline <time>")
    manifest = wf(
        "rwd",
        [
            steps("main", [{"name": "r", "template": "t"}]),
            sh("t", "sleep 0.4; exit 1", retryStrategy={"retryPolicy": "Always"}),
        ],
        activeDeadlineSeconds=1,
    )
    out = execute(manifest, tmp_path)
    r = by_name(out, "rwd[0].r")
    assert r["phase"] == "Failed"
    started = out["status"]["startedAt"].replace("T", " ").removesuffix("Z")
    from datetime import datetime, timedelta

    deadline = datetime.strptime(started, "%Y-%m-%d %H:%M:%S") + timedelta(seconds=1)
    assert r["message"] == f"retry exceeded workflow deadline {deadline} +0000 UTC"
    assert out["status"]["phase"] == "Failed"


# --- exit handler (operator.go operate, exit_handler.go) -----------------------------------------


def test_workflow_failures_lists_failed_nodes_with_their_pod_names(tmp_path: Path) -> None:
    manifest = wf(
        "wff",
        [
            steps("main", [{"name": "bad", "template": "fail"}]),
            sh("fail", "exit 1"),
            {
                "name": "bye",
                "container": {"image": ALPINE, "command": ["echo", "{{workflow.failures}}"]},
            },
        ],
        onExit="bye",
    )
    out = execute(manifest, tmp_path)
    failures = json.loads(json.loads(stdout(out, "wff.onExit", tmp_path)))
    bad = by_name(out, "wff[0].bad")
    assert pod_name(out, bad) == "wff-fail-" + pod_name(out, bad).rsplit("-", 1)[1]
    assert [f for f in failures if f["displayName"] == "bad"] == [
        {
            "displayName": "bad",
            "message": "Error (exit code 1)",
            "templateName": "fail",
            "phase": "Failed",
            "podName": pod_name(out, bad),
            "finishedAt": bad["finishedAt"],
        }
    ]


def test_exit_hooks_ignore_expressions_and_default_to_the_workflow_arguments(
    tmp_path: Path,
) -> None:
    # GetExitHook (workflow_types.go): an exit hook without arguments gets spec.arguments;
    # runOnExitNode (exit_handler.go) does not read the hook's expression
    manifest = wf(
        "xa",
        [
            steps(
                "main",
                [
                    {
                        "name": "s",
                        "template": "ok",
                        "hooks": {"exit": {"template": "say", "expression": "false"}},
                    }
                ],
            ),
            sh("ok", "true"),
            {
                "name": "say",
                "inputs": {"parameters": [{"name": "who"}]},
                "container": {"image": ALPINE, "command": ["echo", "{{inputs.parameters.who}}"]},
            },
        ],
        arguments={"parameters": [{"name": "who", "value": "world"}]},
        hooks={"exit": {"template": "say"}},
    )
    out = execute(manifest, tmp_path)
    assert out["status"]["phase"] == "Succeeded"
    assert stdout(out, "xa[0].s.onExit", tmp_path) == "world"
    assert stdout(out, "xa.onExit", tmp_path) == "world"
    assert by_name(out, "xa[0].s")["children"] == [node_id("xa", "xa[0].s.onExit")]


def test_workflow_hook_nodes_are_children_of_the_root(tmp_path: Path) -> None:
    # executeWfLifeCycleHook (hooks.go): addChildNode(wf.Name, "<wf>.hooks.<name>")
    manifest = wf(
        "wh",
        [steps("main", [{"name": "s", "template": "ok"}]), sh("ok", "true")],
        hooks={"running": {"template": "ok", "expression": "workflow.status == 'Running'"}},
    )
    out = execute(manifest, tmp_path)
    root = by_name(out, "wh")
    assert root["children"] == [node_id("wh", "wh[0]"), node_id("wh", "wh.hooks.running")]
    hook = by_name(out, "wh.hooks.running")
    assert (hook["type"], hook["phase"], hook["nodeFlag"], "boundaryID" in hook) == (
        "Pod",
        "Succeeded",
        {"hooked": True},
        False,
    )


# --- DAG (dag.go) --------------------------------------------------------------------------------


def test_dag_empty_loop_is_a_skipped_node_and_skipped_tasks_run_their_exit_hooks(
    tmp_path: Path,
) -> None:
    manifest = wf(
        "de",
        [
            {
                "name": "main",
                "dag": {
                    "tasks": [
                        {"name": "none", "template": "ok", "withParam": "[]"},
                        {
                            "name": "no",
                            "template": "ok",
                            "when": "1 == 2",
                            "hooks": {"exit": {"template": "ok"}},
                        },
                        {"name": "after", "template": "ok", "depends": "none && no"},
                    ]
                },
            },
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    assert summary(out) == {
        "de": ("DAG", "Succeeded", ""),
        "de.none": ("Skipped", "Skipped", "Skipped, empty params"),
        "de.no": ("Skipped", "Skipped", "when '1 == 2' evaluated false"),
        "de.no.onExit": ("Pod", "Succeeded", ""),
        "de.after": ("Pod", "Succeeded", ""),
    }
    assert by_name(out, "de.none")["nodeFlag"] == {}
    assert by_name(out, "de.no")["children"] == [
        node_id("de", "de.no.onExit"),
        node_id("de", "de.after"),
    ]


@pytest.mark.parametrize(
    ("dependency", "dag_phase", "after"),
    [
        # a bare name in depends expands with the dependency's continueOn (ancestry.go)
        ({"depends": "bad"}, "Succeeded", ("Pod", "Succeeded", "")),
        ({"dependencies": ["bad"]}, "Succeeded", ("Pod", "Succeeded", "")),
        # an explicit result does not: the task is omitted and its branch carries Failed
        (
            {"depends": "bad.Succeeded"},
            "Failed",
            ("Skipped", "Omitted", "omitted: depends condition not met"),
        ),
    ],
)
def test_dag_continue_on_in_depends_and_the_dag_phase(
    tmp_path: Path, dependency: Json, dag_phase: str, after: tuple[str, str, str]
) -> None:
    manifest = wf(
        "dc",
        [
            {
                "name": "main",
                "dag": {
                    "tasks": [
                        {"name": "bad", "template": "fail", "continueOn": {"failed": True}},
                        {"name": "after", "template": "ok", **dependency},
                    ]
                },
            },
            sh("ok", "true"),
            sh("fail", "exit 1"),
        ],
    )
    out = execute(manifest, tmp_path)
    assert summary(out) == {
        "dc": ("DAG", dag_phase, ""),
        "dc.bad": ("Pod", "Failed", "Error (exit code 1)"),
        "dc.after": after,
    }
    assert (out["status"]["phase"], out["status"].get("message", "")) == (dag_phase, "")


def test_steps_continue_on_keeps_the_workflow_succeeded(tmp_path: Path) -> None:
    # steps.go: a failed child whose step continues on does not fail the group
    manifest = wf(
        "sc",
        [
            steps(
                "main",
                [
                    {"name": "bad", "template": "fail", "continueOn": {"failed": True}},
                    {"name": "err", "template": "fail", "continueOn": {"error": True}},
                ],
            ),
            sh("fail", "exit 1"),
        ],
    )
    out = execute(manifest, tmp_path)
    err_id = node_id("sc", "sc[0].err")
    assert summary(out) == {
        "sc": ("Steps", "Failed", f"child '{err_id}' failed"),
        "sc[0]": ("StepGroup", "Failed", f"child '{err_id}' failed"),
        "sc[0].bad": ("Pod", "Failed", "Error (exit code 1)"),
        "sc[0].err": ("Pod", "Failed", "Error (exit code 1)"),
    }
    assert (out["status"]["phase"], out["status"]["message"]) == (
        "Failed",
        f"child '{err_id}' failed",
    )


# --- stop and terminate (workflowpod.go createWorkflowPod, operator.go) ---------------------------


@pytest.mark.parametrize("strategy", ["Stop", "Terminate"])
def test_nodes_started_after_a_stop_create_no_pod(tmp_path: Path, strategy: str) -> None:
    # A is killed by the stop and fails: C (on A.Failed) then gets a Pod node that fails
    # without a pod, its retried twin D a Retry node stopped by processNodeRetries; the exit
    # handler runs on Stop only
    manifest = wf(
        "st",
        [
            {
                "name": "main",
                "dag": {
                    "tasks": [
                        {"name": "A", "template": "hang"},
                        {"name": "C", "template": "ok", "depends": "A.Failed"},
                        {"name": "D", "template": "again", "depends": "A.Failed"},
                    ]
                },
            },
            sh("hang", "sleep 30"),
            sh("ok", "true"),
            sh("again", "true", retryStrategy={"limit": 2}),
            sh("bye", "true"),
        ],
        onExit="bye",
    )
    run, _ = make_run(manifest, tmp_path)

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        for _ in range(200):
            await asyncio.sleep(0.02)
            nodes = run.workflow["status"].get("nodes") or {}
            if any(n["name"] == "st.A" and n["phase"] == "Running" for n in nodes.values()):
                break
        run.stop() if strategy == "Stop" else run.terminate()
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(main())
    stopped = f"Stopped with strategy '{strategy}'"
    got = summary(out)
    assert got["st.C"] == ("Pod", "Failed", f"workflow shutdown with strategy: {strategy}")
    assert got["st.D"] == ("Retry", "Failed", stopped)
    assert got["st.D(0)"] == ("Pod", "Failed", f"workflow shutdown with strategy: {strategy}")
    assert got["st.A"] == ("Pod", "Failed", stopped)
    assert (out["status"]["phase"], out["status"]["message"]) == ("Failed", stopped)
    assert ("st.onExit" in got) == (strategy == "Stop")


# --- template defaults and the workflow's retryStrategy (operator.go) ---------------------------


def test_template_defaults_and_the_workflow_retry_strategy(tmp_path: Path) -> None:
    # mergedTemplateDefaultsInto: the defaults' retryStrategy applies to every template; its
    # timeout limits pods only (a steps template's timeout limits nothing)
    manifest = wf(
        "td",
        [
            steps(
                "main", [{"name": "bad", "template": "fail"}], [{"name": "ok", "template": "ok"}]
            ),
            sh("fail", "exit 1", retryStrategy={"limit": 0}),
            sh("ok", "sleep 1.2"),
        ],
        templateDefaults={"timeout": "1s", "retryStrategy": {"limit": 1}},
    )
    manifest["spec"]["templates"][0]["steps"][0][0]["continueOn"] = {"failed": True}
    manifest["spec"]["templates"][2]["timeout"] = "5s"
    out = execute(manifest, tmp_path)
    assert summary(out) == {
        "td": ("Retry", "Succeeded", ""),
        "td(0)": ("Steps", "Succeeded", ""),
        "td(0)[0]": ("StepGroup", "Succeeded", ""),
        "td(0)[0].bad": ("Retry", "Failed", "No more retries left"),
        "td(0)[0].bad(0)": ("Pod", "Failed", "Error (exit code 1)"),
        "td(0)[1]": ("StepGroup", "Succeeded", ""),
        "td(0)[1].ok": ("Retry", "Succeeded", ""),
        "td(0)[1].ok(0)": ("Pod", "Succeeded", ""),
    }
    assert out["status"]["phase"] == "Succeeded"
    # without template defaults, spec.retryStrategy is every template's default
    del manifest["spec"]["templateDefaults"]
    manifest["spec"]["retryStrategy"] = {"limit": 1}
    out = execute(manifest, tmp_path)
    assert [n for n, v in summary(out).items() if v[0] == "Retry"] == [
        "td",
        "td(0)[0].bad",
        "td(0)[1].ok",
    ]
    assert by_name(out, "td(0)[1].ok(0)")["nodeFlag"] == {"retried": True}


def test_a_retried_step_is_read_through_its_last_attempt(tmp_path: Path) -> None:
    # buildLocalScope (operator.go): steps.X.* of a Retry node are its last attempt's; the
    # Retry node's outbound node is that attempt (getOutboundNodes)
    manifest = wf(
        "rl",
        [
            steps(
                "main",
                [
                    {
                        "name": "r",
                        "template": "fail",
                        "continueOn": {"failed": True},
                    }
                ],
                [
                    {
                        "name": "show",
                        "template": "show",
                        "arguments": {
                            "parameters": [
                                {
                                    "name": "v",
                                    "value": "{{steps.r.exitCode}} {{steps.r.id}} "
                                    "{{steps.r.status}}",
                                }
                            ]
                        },
                    }
                ],
            ),
            sh("fail", "exit 3", retryStrategy={"limit": 1}),
            {
                "name": "show",
                "inputs": {"parameters": [{"name": "v"}]},
                "container": {"image": ALPINE, "command": ["echo", "{{inputs.parameters.v}}"]},
            },
        ],
    )
    out = execute(manifest, tmp_path)
    last = node_id("rl", "rl[0].r(1)")
    assert stdout(out, "rl[1].show", tmp_path) == f"3 {last} Failed"
    assert by_name(out, "rl[0].r(1)")["children"] == [node_id("rl", "rl[1]")]


# --- steps messages (steps.go) -------------------------------------------------------------------


def test_a_malformed_when_in_a_loop_errs_the_item_node(tmp_path: Path) -> None:
    # a step with a loop passes resolveReferences; its item fails in executeStepGroup
    manifest = wf(
        "lw",
        [
            steps(
                "main", [{"name": "a", "template": "ok", "when": "{{item}} ==", "withItems": [1]}]
            ),
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    message = "Invalid 'when' expression '1 ==': Unexpected end of expression"
    assert summary(out) == {
        "lw": ("Steps", "Failed", message),
        "lw[0]": ("StepGroup", "Error", message),
        "lw[0].a(0:1)": ("Skipped", "Error", message),
    }


def test_an_artifact_from_nothing_errs_the_step_group(tmp_path: Path) -> None:
    manifest = wf(
        "af",
        [
            steps(
                "main",
                [{"name": "ok", "template": "ok"}],
                [
                    {
                        "name": "use",
                        "template": "ok",
                        "arguments": {
                            "artifacts": [{"name": "x", "from": "{{steps.ok.outputs.artifacts.x}}"}]
                        },
                    }
                ],
            ),
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    got = summary(out)
    assert got["af[1]"][:2] == ("StepGroup", "Error")
    assert got["af[1]"][2].startswith(
        "Failed to resolve references: unable to resolve references: "
    )
    assert "af[1].use" not in got
    assert got["af"] == ("Steps", "Failed", got["af[1]"][2])


def test_a_dag_loop_runs_the_exit_hook_per_item_and_for_the_group(tmp_path: Path) -> None:
    # executeDAGTask (dag.go): runOnExitNode for each expanded task's node, and for the
    # TaskGroup (the task's node) once it has completed
    manifest = wf(
        "lx",
        [
            {
                "name": "main",
                "dag": {
                    "tasks": [
                        {
                            "name": "t",
                            "template": "ok",
                            "withItems": ["a", "b"],
                            "hooks": {"exit": {"template": "ok"}},
                        }
                    ]
                },
            },
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    got = summary(out)
    assert sorted(n for n in got if n.endswith(".onExit")) == [
        "lx.t(0:a).onExit",
        "lx.t(1:b).onExit",
        "lx.t.onExit",
    ]
    group = by_name(out, "lx.t")
    assert [out["status"]["nodes"][c]["name"] for c in group["children"]] == [
        "lx.t(0:a)",
        "lx.t(1:b)",
        "lx.t.onExit",
    ]
    assert by_name(out, "lx.t(0:a)")["children"] == [node_id("lx", "lx.t(0:a).onExit")]
    assert out["status"]["phase"] == "Succeeded"


# --- suspend (workflow/util/util.go) -------------------------------------------------------------


def test_resuming_a_suspend_node_whose_supplied_output_has_no_value(tmp_path: Path) -> None:
    manifest = wf(
        "rs",
        [
            steps("main", [{"name": "ask", "template": "ask"}]),
            {
                "name": "ask",
                "suspend": {},
                "outputs": {
                    "parameters": [
                        {"name": "given", "valueFrom": {"supplied": {}, "default": "d"}},
                        {"name": "missing", "valueFrom": {"supplied": {}}},
                    ]
                },
            },
        ],
    )
    run, _ = make_run(manifest, tmp_path)

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        for _ in range(200):
            await asyncio.sleep(0.02)
            nodes = run.workflow["status"].get("nodes") or {}
            if any(n["name"] == "rs[0].ask" for n in nodes.values()):
                break
        run.resume()
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(main())
    assert summary(out)["rs[0].ask"] == (
        "Suspend",
        "Error",
        "raw output parameter 'missing' has not been set and does not have a default value",
    )
