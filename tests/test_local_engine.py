"""The local engine end to end: real small manifests through LocalRun, whole status trees."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import local_engine_support as support
from tiphys.argo.nodes import node_id
from tiphys.local.engine import LocalError, LocalRun, RunOptions, run_local
from tiphys.local.prepare import prepare_workflow
from tiphys.local.store import LocalStore

Json = dict[str, Any]
ALPINE = "alpine:3.20"


def echo(name: str = "echo", *, param: str = "m") -> Json:
    return {
        "name": name,
        "inputs": {"parameters": [{"name": param}]},
        "container": {"image": ALPINE, "command": ["echo", f"{{{{inputs.parameters.{param}}}}}"]},
    }


def sh(name: str, script: str, **extra: Any) -> Json:
    return {"name": name, "container": {"image": ALPINE, "command": ["sh", "-c", script]}, **extra}


def wf(name: str, templates: list[Json], entry: str = "main", **spec: Any) -> Json:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"entrypoint": entry, "templates": templates, **spec},
    }


def p(name: str, value: str) -> Json:
    return {"parameters": [{"name": name, "value": value}]}


def make_run(manifest: Json, tmp_path: Path, **options: Any) -> tuple[LocalRun, support.ShExecutor]:
    executor = support.ShExecutor()
    opts = RunOptions(run_dir=tmp_path, store=options.pop("store", LocalStore()), **options)
    return LocalRun(prepare_workflow(manifest), opts, executor=executor), executor


def execute(manifest: Json, tmp_path: Path, **options: Any) -> Json:
    run, _ = make_run(manifest, tmp_path, **options)
    return asyncio.run(asyncio.wait_for(run.execute(), 20))


def tree(workflow: Json) -> dict[str, Json]:
    """Every node by name: type, phase, display name, template, boundary, children, outbound
    nodes and message (ids turned back into names; each id checked against its name)."""
    wf_name = workflow["metadata"]["name"]
    nodes = workflow["status"]["nodes"]
    names = {i: n["name"] for i, n in nodes.items()}
    out: dict[str, Json] = {}
    for nid, n in nodes.items():
        assert nid == n["id"] == node_id(wf_name, n["name"])
        entry: Json = {"type": n["type"], "phase": n["phase"], "display": n["displayName"]}
        if "templateName" in n:
            entry["template"] = n["templateName"]
        if "boundaryID" in n:
            entry["boundary"] = names[n["boundaryID"]]
        if n.get("children"):
            entry["children"] = [names[c] for c in n["children"]]
        if n.get("outboundNodes"):
            entry["outbound"] = [names[c] for c in n["outboundNodes"]]
        if n.get("message"):
            entry["message"] = n["message"]
        if n.get("nodeFlag"):
            entry["flag"] = n["nodeFlag"]
        out[n["name"]] = entry
    return out


def status_line(workflow: Json) -> tuple[str, str]:
    st = workflow["status"]
    return st["phase"], st.get("message", "")


def stdout(workflow: Json, name: str, run_dir: Path) -> str:
    """What a node printed (the test executor keeps it in the node's sandbox)."""
    nid = node_id(workflow["metadata"]["name"], name)
    return (run_dir / "nodes" / nid / "stdout").read_text().removesuffix("\n")


def outputs(workflow: Json, name: str) -> Json:
    for n in workflow["status"]["nodes"].values():
        if n["name"] == name:
            return dict(n.get("outputs") or {})
    raise KeyError(name)


# --- steps ---------------------------------------------------------------------------------------


def test_steps_sequential_and_parallel_with_when_and_outputs(tmp_path: Path) -> None:
    manifest = wf(
        "st",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "a", "template": "echo", "arguments": p("m", "hi")}],
                    [
                        {
                            "name": "b",
                            "template": "echo",
                            "arguments": p("m", "{{steps.a.outputs.result}}!"),
                        },
                        {
                            "name": "c",
                            "template": "echo",
                            "when": "{{steps.a.outputs.result}} == bye",
                            "arguments": p("m", "x"),
                        },
                    ],
                ],
            },
            echo(),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    status = {
        k: v for k, v in out["status"].items() if k not in ("nodes", "startedAt", "finishedAt")
    }
    assert status == {
        "phase": "Succeeded",
        "progress": "2/2",
        "conditions": [
            {"type": "PodRunning", "status": "False"},
            {"type": "Completed", "status": "True"},
        ],
    }
    assert out["status"]["startedAt"] <= out["status"]["finishedAt"]
    assert out["metadata"]["labels"] == {
        "workflows.argoproj.io/phase": "Succeeded",
        "workflows.argoproj.io/completed": "true",
    }
    assert tree(out) == {
        "st": {
            "type": "Steps",
            "phase": "Succeeded",
            "display": "st",
            "template": "main",
            "children": ["st[0]"],
            "outbound": ["st[1].b", "st[1].c"],
        },
        "st[0]": {
            "type": "StepGroup",
            "phase": "Succeeded",
            "display": "[0]",
            "boundary": "st",
            "children": ["st[0].a"],
        },
        "st[0].a": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "a",
            "template": "echo",
            "boundary": "st",
            "children": ["st[1]"],
        },
        "st[1]": {
            "type": "StepGroup",
            "phase": "Succeeded",
            "display": "[1]",
            "boundary": "st",
            "children": ["st[1].b", "st[1].c"],
        },
        "st[1].b": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "b",
            "template": "echo",
            "boundary": "st",
        },
        "st[1].c": {
            "type": "Skipped",
            "phase": "Skipped",
            "display": "c",
            "template": "echo",
            "boundary": "st",
            "message": "when 'hi == bye' evaluated false",
        },
    }
    progress = {n["name"]: n.get("progress") for n in out["status"]["nodes"].values()}
    assert progress == {
        "st": "2/2",
        "st[0]": "2/2",  # progress.go sums every child recursively, [1] hangs below a
        "st[0].a": "1/1",
        "st[1]": "1/1",
        "st[1].b": "1/1",
        "st[1].c": None,
    }
    # outputs.result only where the steps template reads it (hasOutputResultRef)
    assert outputs(out, "st[0].a") == {"result": "hi", "exitCode": "0"}
    assert outputs(out, "st[1].b") == {"exitCode": "0"}
    assert stdout(out, "st[1].b", tmp_path) == "hi!"
    b = next(n for n in out["status"]["nodes"].values() if n["name"] == "st[1].b")
    assert b["inputs"] == {"parameters": [{"name": "m", "value": "hi!"}]}
    assert b["startedAt"].endswith("Z") and b["finishedAt"].endswith("Z")


def test_a_failed_step_fails_the_group_and_the_workflow(tmp_path: Path) -> None:
    manifest = wf(
        "sf",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "bad", "template": "fail"}, {"name": "ok", "template": "ok"}],
                    [{"name": "never", "template": "ok"}],
                ],
            },
            sh("fail", "exit 3"),
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    bad_id = node_id("sf", "sf[0].bad")
    assert status_line(out) == ("Failed", f"child '{bad_id}' failed")
    assert tree(out) == {
        "sf": {
            "type": "Steps",
            "phase": "Failed",
            "display": "sf",
            "template": "main",
            "children": ["sf[0]"],
            "outbound": ["sf[0].bad", "sf[0].ok"],
            "message": f"child '{bad_id}' failed",
        },
        "sf[0]": {
            "type": "StepGroup",
            "phase": "Failed",
            "display": "[0]",
            "boundary": "sf",
            "children": ["sf[0].bad", "sf[0].ok"],
            "message": f"child '{bad_id}' failed",
        },
        "sf[0].bad": {
            "type": "Pod",
            "phase": "Failed",
            "display": "bad",
            "template": "fail",
            "boundary": "sf",
            "message": "Error (exit code 3)",
        },
        "sf[0].ok": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "ok",
            "template": "ok",
            "boundary": "sf",
        },
    }
    assert out["status"]["progress"] == "1/2"


def test_continue_on_failed_keeps_steps_going(tmp_path: Path) -> None:
    manifest = wf(
        "co",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "bad", "template": "fail", "continueOn": {"failed": True}}],
                    [{"name": "after", "template": "ok"}],
                ],
            },
            sh("fail", "exit 1"),
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    t = tree(out)
    assert [t[n]["phase"] for n in ("co", "co[0]", "co[0].bad", "co[1]", "co[1].after")] == [
        "Succeeded",
        "Succeeded",
        "Failed",
        "Succeeded",
        "Succeeded",
    ]
    assert t["co[0].bad"]["children"] == ["co[1]"]


def test_malformed_when_ends_the_step_group_in_error(tmp_path: Path) -> None:
    # steps.go resolveReferences checks the `when` of a step without a loop before the group runs
    # anything: the group ends in Error and the step gets no node
    manifest = wf(
        "mw",
        [
            {"name": "main", "steps": [[{"name": "a", "template": "ok", "when": "1 =="}]]},
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    # resolveReferences (steps.go) errs the group before its step gets a node
    message = (
        "Failed to resolve references: "
        "Invalid 'when' expression '1 ==': Unexpected end of expression"
    )
    assert status_line(out) == ("Failed", message)
    assert tree(out) == {
        "mw": {
            "type": "Steps",
            "phase": "Failed",
            "display": "mw",
            "template": "main",
            "children": ["mw[0]"],
            "message": message,
        },
        "mw[0]": {
            "type": "StepGroup",
            "phase": "Error",
            "display": "[0]",
            "boundary": "mw",
            "message": message,
        },
    }


def test_step_loop_and_aggregated_outputs(tmp_path: Path) -> None:
    manifest = wf(
        "lp",
        [
            {
                "name": "main",
                "steps": [
                    [
                        {
                            "name": "gen",
                            "template": "echo",
                            "arguments": p("m", "{{item}}"),
                            "withItems": [1, 2, 3],
                        }
                    ],
                    [
                        {
                            "name": "sum",
                            "template": "echo",
                            "arguments": p("m", "{{steps.gen.outputs.result}}"),
                        }
                    ],
                    [{"name": "none", "template": "echo", "withParam": "[]"}],
                ],
            },
            echo(),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    t = tree(out)
    assert t["lp[0]"]["children"] == ["lp[0].gen(0:1)", "lp[0].gen(1:2)", "lp[0].gen(2:3)"]
    assert t["lp[0].gen(1:2)"] == {
        "type": "Pod",
        "phase": "Succeeded",
        "display": "gen(1:2)",
        "template": "echo",
        "boundary": "lp",
        "children": ["lp[1]"],
    }
    assert stdout(out, "lp[1].sum", tmp_path) == "[1,2,3]"
    assert t["lp[2]"]["children"] == ["lp[2].none"]
    assert t["lp[2].none"] == {
        "type": "Skipped",
        "phase": "Skipped",
        "display": "none",
        "template": "echo",
        "boundary": "lp",
        "message": "Skipped, empty params",
    }


# --- DAG -----------------------------------------------------------------------------------------


def dag(name: str, tasks: list[Json], **extra: Any) -> Json:
    return {"name": name, "dag": {"tasks": tasks, **extra}}


def test_dag_depends_enhanced_logic_and_omitted(tmp_path: Path) -> None:
    manifest = wf(
        "dg",
        [
            dag(
                "main",
                [
                    {"name": "A", "template": "ok"},
                    {"name": "B", "template": "fail", "depends": "A"},
                    {"name": "C", "template": "ok", "depends": "B.Failed"},
                    {"name": "D", "template": "ok", "depends": "B"},
                    {"name": "E", "template": "ok", "depends": "C || D"},
                ],
            ),
            sh("ok", "true"),
            sh("fail", "exit 1"),
        ],
    )
    out = execute(manifest, tmp_path)
    # B's failure is handled: the target E's branch ends Succeeded (assessDAGPhase)
    assert status_line(out) == ("Succeeded", "")
    assert tree(out) == {
        "dg": {
            "type": "DAG",
            "phase": "Succeeded",
            "display": "dg",
            "template": "main",
            "children": ["dg.A"],
            "outbound": ["dg.E"],
        },
        "dg.A": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "A",
            "template": "ok",
            "boundary": "dg",
            "children": ["dg.B"],
        },
        "dg.B": {
            "type": "Pod",
            "phase": "Failed",
            "display": "B",
            "template": "fail",
            "boundary": "dg",
            "children": ["dg.C", "dg.D"],
            "message": "Error (exit code 1)",
        },
        "dg.C": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "C",
            "template": "ok",
            "boundary": "dg",
            "children": ["dg.E"],
        },
        "dg.D": {
            "type": "Skipped",
            "phase": "Omitted",
            "display": "D",
            "template": "ok",
            "boundary": "dg",
            "children": ["dg.E"],
            "message": "omitted: depends condition not met",
        },
        "dg.E": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "E",
            "template": "ok",
            "boundary": "dg",
        },
    }


def test_dag_fail_fast_false_and_dependencies_with_continue_on(tmp_path: Path) -> None:
    manifest = wf(
        "ff",
        [
            dag(
                "main",
                [
                    {"name": "bad", "template": "fail", "continueOn": {"failed": True}},
                    {"name": "next", "template": "ok", "dependencies": ["bad"]},
                    {"name": "slow", "template": "slow"},
                ],
                failFast=False,
            ),
            sh("ok", "true"),
            sh("slow", "sleep 0.2"),
            sh("fail", "exit 1"),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    t = tree(out)
    assert {n: t[n]["phase"] for n in t} == {
        "ff": "Succeeded",
        "ff.bad": "Failed",
        "ff.next": "Succeeded",
        "ff.slow": "Succeeded",
    }
    assert t["ff"]["children"] == ["ff.bad", "ff.slow"]
    assert t["ff"]["outbound"] == ["ff.next", "ff.slow"]


def test_dag_fail_fast_stops_scheduling(tmp_path: Path) -> None:
    manifest = wf(
        "fs",
        [
            {
                **dag(
                    "main",
                    [
                        {"name": "bad", "template": "fail"},
                        {"name": "slow", "template": "slow"},
                        {"name": "later", "template": "ok", "depends": "slow"},
                    ],
                ),
                "parallelism": 1,
            },
            sh("ok", "true"),
            sh("slow", "sleep 0.3"),
            sh("fail", "exit 1"),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Failed", "")
    assert {n: v["phase"] for n, v in tree(out).items()} == {"fs": "Failed", "fs.bad": "Failed"}
    manifest["spec"]["templates"][0]["dag"]["failFast"] = False
    out = execute(manifest, tmp_path)
    assert {n: v["phase"] for n, v in tree(out).items()} == {
        "fs": "Failed",
        "fs.bad": "Failed",
        "fs.slow": "Succeeded",
        "fs.later": "Succeeded",
    }


def test_dag_target_loop_task_group_and_any_succeeded(tmp_path: Path) -> None:
    manifest = wf(
        "tg",
        [
            dag(
                "main",
                [
                    {
                        "name": "L",
                        "template": "code",
                        "arguments": p("c", "{{item}}"),
                        "withItems": ["0", "1"],
                    },
                    {"name": "any", "template": "ok", "depends": "L.AnySucceeded"},
                    {"name": "all", "template": "ok", "depends": "L.AllFailed"},
                    {"name": "unused", "template": "ok"},
                ],
                target="any all",
            ),
            {
                "name": "code",
                "inputs": {"parameters": [{"name": "c"}]},
                "container": {
                    "image": ALPINE,
                    "command": [
                        "sh",
                        "-c",
                        "echo {{inputs.parameters.c}}; exit {{inputs.parameters.c}}",
                    ],
                },
            },
            sh("ok", "true"),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Failed", "")
    assert tree(out) == {
        "tg": {
            "type": "DAG",
            "phase": "Failed",
            "display": "tg",
            "template": "main",
            "children": ["tg.L"],
            "outbound": ["tg.any", "tg.all"],
        },
        "tg.L": {
            "type": "TaskGroup",
            "phase": "Failed",
            "display": "L",
            "template": "code",
            "boundary": "tg",
            "children": ["tg.L(0:0)", "tg.L(1:1)"],
        },
        "tg.L(0:0)": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "L(0:0)",
            "template": "code",
            "boundary": "tg",
            "children": ["tg.any", "tg.all"],
        },
        "tg.L(1:1)": {
            "type": "Pod",
            "phase": "Failed",
            "display": "L(1:1)",
            "template": "code",
            "boundary": "tg",
            "children": ["tg.any", "tg.all"],
            "message": "Error (exit code 1)",
        },
        "tg.any": {
            "type": "Pod",
            "phase": "Succeeded",
            "display": "any",
            "template": "ok",
            "boundary": "tg",
        },
        "tg.all": {
            "type": "Skipped",
            "phase": "Omitted",
            "display": "all",
            "template": "ok",
            "boundary": "tg",
            "message": "omitted: depends condition not met",
        },
    }


def test_nested_steps_in_dag_and_template_outputs(tmp_path: Path) -> None:
    manifest = wf(
        "ns",
        [
            dag(
                "main",
                [
                    {"name": "inner", "template": "inner"},
                    {
                        "name": "use",
                        "template": "echo",
                        "depends": "inner",
                        "arguments": p("m", "{{tasks.inner.outputs.parameters.v}}"),
                    },
                ],
            ),
            {
                "name": "inner",
                "steps": [[{"name": "s", "template": "echo", "arguments": p("m", "deep")}]],
                "outputs": {
                    "parameters": [
                        {
                            "name": "v",
                            "globalName": "gv",
                            "valueFrom": {"parameter": "{{steps.s.outputs.result}}"},
                        }
                    ]
                },
            },
            echo(),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    t = tree(out)
    assert t["ns.inner"] == {
        "type": "Steps",
        "phase": "Succeeded",
        "display": "inner",
        "template": "inner",
        "boundary": "ns",
        "children": ["ns.inner[0]"],
        "outbound": ["ns.inner[0].s"],
    }
    assert t["ns.inner[0].s"]["boundary"] == "ns.inner"
    assert t["ns.inner[0].s"]["display"] == "s"
    assert t["ns.inner[0].s"]["children"] == ["ns.use"]
    assert stdout(out, "ns.use", tmp_path) == "deep"
    assert out["status"]["outputs"] == {"parameters": [{"name": "gv", "value": "deep"}]}


# --- retries ------------------------------------------------------------------------------------


def test_retry_limit_means_limit_plus_one_attempts(tmp_path: Path) -> None:
    manifest = wf(
        "rt",
        [
            {"name": "main", "steps": [[{"name": "r", "template": "flaky"}]]},
            sh("flaky", "exit 2", retryStrategy={"limit": "2"}),
        ],
    )
    out = execute(manifest, tmp_path)
    r_id = node_id("rt", "rt[0].r")
    assert status_line(out) == ("Failed", f"child '{r_id}' failed")
    t = tree(out)
    assert t["rt[0].r"] == {
        "type": "Retry",
        "phase": "Failed",
        "display": "r",
        "template": "flaky",
        "boundary": "rt",
        "children": ["rt[0].r(0)", "rt[0].r(1)", "rt[0].r(2)"],
        "message": "No more retries left",
    }
    assert t["rt[0].r(2)"] == {
        "type": "Pod",
        "phase": "Failed",
        "display": "r(2)",
        "template": "flaky",
        "boundary": "rt",
        "message": "Error (exit code 2)",
        "flag": {"retried": True},
    }
    assert t["rt"]["outbound"] == ["rt[0].r(2)"]


def test_retry_succeeds_on_a_later_attempt_and_expression(tmp_path: Path) -> None:
    manifest = wf(
        "rs",
        [
            {
                "name": "main",
                "steps": [[{"name": "r", "template": "flaky"}, {"name": "x", "template": "never"}]],
            },
            sh(
                "flaky",
                'test "{{retries}}" = 1 && echo done || exit 1',
                retryStrategy={"limit": 3, "retryPolicy": "Always"},
            ),
            sh(
                "never",
                "exit 7",
                retryStrategy={"limit": 3, "expression": "asInt(lastRetry.exitCode) != 7"},
            ),
        ],
    )
    out = execute(manifest, tmp_path)
    t = tree(out)
    assert t["rs[0].r"]["children"] == ["rs[0].r(0)", "rs[0].r(1)"]
    assert t["rs[0].r"]["phase"] == "Succeeded"
    assert outputs(out, "rs[0].r") == {"exitCode": "0"}
    assert stdout(out, "rs[0].r(1)", tmp_path) == "done"
    assert t["rs[0].x"]["children"] == ["rs[0].x(0)"]
    assert (t["rs[0].x"]["phase"], t["rs[0].x"]["message"]) == (
        "Failed",
        "retryStrategy.expression evaluated to false",  # operator.go processNodeRetries
    )


def test_retry_backoff_max_duration(tmp_path: Path) -> None:
    manifest = wf(
        "bk",
        [
            {"name": "main", "steps": [[{"name": "r", "template": "flaky"}]]},
            sh(
                "flaky",
                "exit 1",
                retryStrategy={
                    "limit": 10,
                    "backoff": {"duration": "1", "factor": 2, "maxDuration": "1"},
                },
            ),
        ],
    )
    started = time.monotonic()
    out = execute(manifest, tmp_path)
    t = tree(out)
    # the first backoff (1 s) would end after maxDuration (1 s from the first attempt's start)
    assert t["bk[0].r"]["message"] == "Backoff would exceed max duration limit"
    assert t["bk[0].r"]["children"] == ["bk[0].r(0)"]
    assert time.monotonic() - started < 5


# --- timeouts -----------------------------------------------------------------------------------


def test_template_timeout_and_active_deadline(tmp_path: Path) -> None:
    manifest = wf(
        "to",
        [
            {"name": "main", "steps": [[{"name": "hang", "template": "hang"}]]},
            sh("hang", "sleep 30", activeDeadlineSeconds=1),
        ],
    )
    started = time.monotonic()
    out = execute(manifest, tmp_path)
    assert time.monotonic() - started < 10
    t = tree(out)
    assert (t["to[0].hang"]["phase"], t["to[0].hang"]["message"]) == (
        "Failed",
        "Pod was active on the node longer than the specified deadline",
    )
    assert out["status"]["phase"] == "Failed"


# --- exit handlers and hooks ----------------------------------------------------------------------


def test_exit_handler_sees_status_and_failures(tmp_path: Path) -> None:
    manifest = wf(
        "ex",
        [
            {"name": "main", "steps": [[{"name": "bad", "template": "fail"}]]},
            sh("fail", "exit 1"),
            {
                "name": "bye",
                "container": {
                    "image": ALPINE,
                    "command": ["echo", "{{workflow.status}}"],
                },
            },
        ],
        onExit="bye",
    )
    out = execute(manifest, tmp_path)
    t = tree(out)
    assert t["ex.onExit"] == {
        "type": "Pod",
        "phase": "Succeeded",
        "display": "ex.onExit",
        "template": "bye",
        "flag": {"hooked": True},
    }
    assert stdout(out, "ex.onExit", tmp_path) == "Failed"
    assert out["status"]["phase"] == "Failed"


def test_failed_exit_handler_fails_a_succeeded_workflow(tmp_path: Path) -> None:
    manifest = wf(
        "ef",
        [
            {"name": "main", "steps": [[{"name": "a", "template": "ok"}]]},
            sh("ok", "true"),
            sh("bye", "exit 4"),
        ],
        onExit="bye",
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Failed", "Error (exit code 4)")


def test_step_exit_hook_runs_after_the_step(tmp_path: Path) -> None:
    manifest = wf(
        "hk",
        [
            {
                "name": "main",
                "steps": [
                    [
                        {
                            "name": "a",
                            "template": "echo",
                            "arguments": p("m", "x"),
                            "hooks": {
                                "exit": {
                                    "template": "echo",
                                    "arguments": p("m", "{{steps.a.status}}"),
                                },
                                "ran": {
                                    "template": "echo",
                                    "expression": "steps.a.status == 'Succeeded'",
                                    "arguments": p("m", "r"),
                                },
                                "running": {
                                    "template": "echo",
                                    "expression": "steps.a.status == 'Running'",
                                    "arguments": p("m", "{{steps.a.status}}"),
                                },
                            },
                        }
                    ]
                ],
            },
            echo(),
        ],
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    t = tree(out)
    assert t["hk[0].a"]["children"] == [
        "hk[0].a.hooks.running",
        "hk[0].a.hooks.ran",
        "hk[0].a.onExit",
    ]
    assert stdout(out, "hk[0].a.hooks.running", tmp_path) == "Running"
    assert t["hk[0].a.onExit"] == {
        "type": "Pod",
        "phase": "Succeeded",
        "display": "a.onExit",
        "template": "echo",
        "boundary": "hk",
        "flag": {"hooked": True},
    }
    assert stdout(out, "hk[0].a.onExit", tmp_path) == "Succeeded"


# --- suspend, stop, terminate, set ----------------------------------------------------------------


async def _until(run: LocalRun, predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate(run.workflow):
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


def _node_phase(workflow: Json, name: str) -> str | None:
    for n in workflow["status"].get("nodes", {}).values():
        if n["name"] == name:
            return str(n["phase"])
    return None


def test_suspend_node_resumed(tmp_path: Path) -> None:
    manifest = wf(
        "sp",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "wait", "template": "wait"}],
                    [{"name": "a", "template": "ok"}],
                ],
            },
            {"name": "wait", "suspend": {}},
            sh("ok", "true"),
        ],
    )
    run, _ = make_run(manifest, tmp_path)

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        await _until(run, lambda w: _node_phase(w, "sp[0].wait") == "Running")
        assert run.phase == "Running"
        run.resume()
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(main())
    assert status_line(out) == ("Succeeded", "")
    assert tree(out)["sp[0].wait"] == {
        "type": "Suspend",
        "phase": "Succeeded",
        "display": "wait",
        "template": "wait",
        "boundary": "sp",
        "children": ["sp[1]"],
    }


def test_suspend_duration_and_set_node_outputs(tmp_path: Path) -> None:
    manifest = wf(
        "sd",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "nap", "template": "nap"}, {"name": "ask", "template": "ask"}],
                    [
                        {
                            "name": "use",
                            "template": "echo",
                            "arguments": p("m", "{{steps.ask.outputs.parameters.answer}}"),
                        }
                    ],
                ],
            },
            {"name": "nap", "suspend": {"duration": "0.1s"}},
            {
                "name": "ask",
                "suspend": {},
                "outputs": {"parameters": [{"name": "answer", "valueFrom": {"supplied": {}}}]},
            },
            echo(),
        ],
    )
    run, _ = make_run(manifest, tmp_path)

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        await _until(run, lambda w: _node_phase(w, "sd[0].ask") == "Running")
        with pytest.raises(LocalError, match="no node matches the selector 'displayName=nope'"):
            run.set_node("displayName=nope", phase="Succeeded")
        run.set_node("displayName=ask", phase="Succeeded", output_parameters={"answer": "42"})
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(main())
    assert status_line(out) == ("Succeeded", "")
    assert outputs(out, "sd[0].ask") == {
        # util.go updateSuspendedNode: a set parameter loses its valueFrom
        "parameters": [{"name": "answer", "value": "42"}]
    }
    assert stdout(out, "sd[1].use", tmp_path) == "42"
    assert _node_phase(out, "sd[0].nap") == "Succeeded"


def _stop_manifest(name: str) -> Json:
    return wf(
        name,
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "hang", "template": "hang"}],
                    [{"name": "next", "template": "ok"}],
                ],
            },
            sh("hang", "sleep 30"),
            sh("ok", "true"),
            sh("bye", "echo bye"),
        ],
        onExit="bye",
    )


@pytest.mark.parametrize("strategy", ["Stop", "Terminate"])
def test_stop_runs_exit_handlers_terminate_does_not(tmp_path: Path, strategy: str) -> None:
    name = strategy.lower()
    run, _ = make_run(_stop_manifest(name), tmp_path)

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        await _until(run, lambda w: _node_phase(w, f"{name}[0].hang") == "Running")
        if strategy == "Stop":
            run.stop()
        else:
            run.terminate()
        return await asyncio.wait_for(task, 10)

    started = time.monotonic()
    out = asyncio.run(main())
    assert time.monotonic() - started < 10
    message = f"Stopped with strategy '{strategy}'"
    assert status_line(out) == ("Failed", message)
    t = tree(out)
    assert (t[f"{name}[0].hang"]["phase"], t[f"{name}[0].hang"]["message"]) == ("Failed", message)
    assert f"{name}[1]" not in t
    if strategy == "Stop":
        assert t[f"{name}.onExit"]["phase"] == "Succeeded"
    else:
        assert f"{name}.onExit" not in t
    assert out["spec"]["shutdown"] == strategy


def test_workflow_suspend_and_resume(tmp_path: Path) -> None:
    manifest = wf(
        "ws", [{"name": "main", "steps": [[{"name": "a", "template": "ok"}]]}, sh("ok", "true")]
    )
    run, _ = make_run(manifest, tmp_path)
    run.suspend()

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        await asyncio.sleep(0.2)
        assert _node_phase(run.workflow, "ws[0].a") is None
        assert run.workflow["spec"]["suspend"] is True
        run.resume()
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(main())
    assert status_line(out) == ("Succeeded", "")
    assert "suspend" not in out["spec"]


# --- retry of a workflow -------------------------------------------------------------------------


def test_retry_of_a_failed_workflow_reuses_succeeded_nodes(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    manifest = wf(
        "rw",
        [
            {
                "name": "main",
                "steps": [[{"name": "a", "template": "ok"}], [{"name": "b", "template": "once"}]],
            },
            sh("ok", "echo a"),
            sh("once", f"test -e {flag} || {{ touch {flag}; exit 1; }}"),
        ],
    )
    run, executor = make_run(manifest, tmp_path / "1")
    first = asyncio.run(run.execute())
    assert first["status"]["phase"] == "Failed"
    with pytest.raises(LocalError, match="Cannot retry a workflow in phase Running"):
        LocalRun.retry({**first, "status": {"phase": "Running"}}, RunOptions(run_dir=tmp_path))
    executor2 = support.ShExecutor()
    again = LocalRun.retry(
        first, RunOptions(run_dir=tmp_path / "2", store=LocalStore()), executor=executor2
    )
    out = asyncio.run(again.execute())
    assert status_line(out) == ("Succeeded", "")
    assert [pod.pod_name for pod in executor2.pods] == [pod.pod_name for pod in executor.pods[1:]]
    a_id = node_id("rw", "rw[0].a")
    assert out["status"]["nodes"][a_id] == first["status"]["nodes"][a_id]
    assert {n: v["phase"] for n, v in tree(out).items()} == {
        "rw": "Succeeded",
        "rw[0]": "Succeeded",
        "rw[0].a": "Succeeded",
        "rw[1]": "Succeeded",
        "rw[1].b": "Succeeded",
    }


# --- mocks, cluster-only templates, templateRef ---------------------------------------------------


def test_mocks_replace_templates_and_unused_mock_is_an_error(tmp_path: Path) -> None:
    manifest = wf(
        "mk",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "k", "template": "apply"}],
                    [
                        {
                            "name": "u",
                            "template": "echo",
                            "arguments": p("m", "{{steps.k.outputs.parameters.id}}"),
                        }
                    ],
                ],
            },
            {"name": "apply", "resource": {"action": "create", "manifest": "kind: ConfigMap"}},
            echo(),
        ],
    )
    out = execute(manifest, tmp_path, mocks={"apply": {"outputs": {"parameters": {"id": "abc"}}}})
    assert status_line(out) == ("Succeeded", "")
    assert outputs(out, "mk[0].k") == {"parameters": [{"name": "id", "value": "abc"}]}
    assert stdout(out, "mk[1].u", tmp_path) == "abc"
    with pytest.raises(LocalError) as info:
        make_run(manifest, tmp_path, mocks={"nope": {}})
    assert (
        str(info.value)
        == "mock 'nope' names no template this workflow uses (it uses apply, echo, main)"
    )


def test_resource_template_needs_a_cluster(tmp_path: Path) -> None:
    manifest = wf(
        "rc",
        [
            {"name": "main", "steps": [[{"name": "k", "template": "apply"}]]},
            {"name": "apply", "resource": {"action": "create"}},
        ],
    )
    out = execute(manifest, tmp_path)
    t = tree(out)
    assert (t["rc[0].k"]["type"], t["rc[0].k"]["phase"], t["rc[0].k"]["message"]) == (
        "Pod",
        "Error",
        "resource template 'apply' needs a Kubernetes cluster: tiphys cannot run it here; "
        "mock it (--mock apply=outputs.json)",
    )


def test_template_ref_and_workflow_template_ref(tmp_path: Path) -> None:
    library = {
        "kind": "WorkflowTemplate",
        "metadata": {"name": "lib"},
        "spec": {"templates": [echo("say")]},
    }
    runner = {
        "kind": "WorkflowTemplate",
        "metadata": {"name": "runner"},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "who", "value": "default"}]},
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [
                            {
                                "name": "s",
                                "templateRef": {"name": "lib", "template": "say"},
                                "arguments": p("m", "hi {{workflow.parameters.who}}"),
                            }
                        ]
                    ],
                }
            ],
        },
    }
    found = {"lib": library, "runner": runner}
    manifest = {
        "metadata": {"name": "tr"},
        "spec": {"workflowTemplateRef": {"name": "runner"}, "arguments": p("who", "you")},
    }
    out = execute(manifest, tmp_path, templates=lambda name, cluster: found.get(name))
    assert status_line(out) == ("Succeeded", "")
    node = next(n for n in out["status"]["nodes"].values() if n["name"] == "tr[0].s")
    assert node["templateRef"] == {"name": "lib", "template": "say"}
    assert node["templateScope"] == "namespaced/lib"
    assert node["outputs"] == {"exitCode": "0"}
    assert stdout(out, "tr[0].s", tmp_path) == "hi you"
    with pytest.raises(LocalError, match=r'WorkflowTemplate\.argoproj\.io "runner" not found'):
        make_run(manifest, tmp_path, templates=lambda name, cluster: None)


# --- parallelism and synchronization -------------------------------------------------------------


def test_parallelism_and_mutex_serialise_pods(tmp_path: Path) -> None:
    log = tmp_path / "log"
    step = sh("w", f"echo start >> {log}; sleep 0.1; echo end >> {log}")
    manifest = wf(
        "pl",
        [
            {
                "name": "main",
                "parallelism": 1,
                "steps": [[{"name": f"s{i}", "template": "w"} for i in range(3)]],
            },
            step,
        ],
    )
    out = execute(manifest, tmp_path)
    assert out["status"]["phase"] == "Succeeded"
    assert log.read_text().split() == ["start", "end"] * 3
    log.unlink()
    manifest = wf(
        "mx",
        [
            {"name": "main", "steps": [[{"name": f"s{i}", "template": "w"} for i in range(3)]]},
            {**step, "synchronization": {"mutex": {"name": "one"}}},
        ],
    )
    out = execute(manifest, tmp_path)
    assert out["status"]["phase"] == "Succeeded"
    assert log.read_text().split() == ["start", "end"] * 3
    log.unlink()
    manifest = wf(
        "sm",
        [
            {"name": "main", "steps": [[{"name": f"s{i}", "template": "w"} for i in range(4)]]},
            {
                **step,
                "synchronization": {"semaphore": {"configMapKeyRef": {"name": "lim", "key": "k"}}},
            },
        ],
    )
    store = LocalStore(configmaps={"lim": {"k": "2"}})
    out = execute(manifest, tmp_path, store=store)
    assert out["status"]["phase"] == "Succeeded"
    words = log.read_text().split()
    depth = peak = 0
    for word in words:
        depth += 1 if word == "start" else -1
        peak = max(peak, depth)
    assert (len(words), peak) == (8, 2)


def test_run_local_helper(tmp_path: Path) -> None:
    manifest = {
        "metadata": {"generateName": "rl-"},
        "spec": {
            "entrypoint": "echo",
            "arguments": {"parameters": [{"name": "m", "value": "a"}]},
            "templates": [
                {
                    **echo(),
                    "inputs": {"parameters": [{"name": "m", "value": "{{workflow.parameters.m}}"}]},
                }
            ],
        },
    }
    out = run_local(
        manifest,
        parameters=["m=b"],
        run_dir=tmp_path,
        store=LocalStore(),
        executor=support.ShExecutor(),
    )
    name = out["metadata"]["name"]
    assert name.startswith("rl-") and len(name) == 8
    assert tree(out) == {
        name: {"type": "Pod", "phase": "Succeeded", "display": name, "template": "echo"}
    }
    assert outputs(out, name) == {"exitCode": "0"}  # no boundary: no result captured
    assert stdout(out, name, tmp_path) == "b"


# --- overhead ------------------------------------------------------------------------------------


class _NullExecutor:
    async def run(self, pod: Any) -> Any:
        from tiphys.local.pods import PodResult

        return PodResult(phase="Succeeded", message="", exit_code=0, outputs={})


def test_a_thousand_node_dag_schedules_fast(tmp_path: Path) -> None:
    tasks = [{"name": "t0", "template": "ok"}]
    tasks += [
        {"name": f"t{i}", "template": "ok", "depends": f"t{(i - 1) // 2}"} for i in range(1, 1000)
    ]
    manifest = wf("big", [dag("main", tasks), sh("ok", "true")])
    run = LocalRun(
        prepare_workflow(manifest),
        RunOptions(run_dir=tmp_path, store=LocalStore()),
        executor=_NullExecutor(),
    )
    started = time.perf_counter()
    out = asyncio.run(run.execute())
    elapsed = time.perf_counter() - started
    assert out["status"]["phase"] == "Succeeded"
    assert out["status"]["progress"] == "1000/1000"
    assert elapsed / 1000 < 0.005, elapsed


# --- skipped producers, daemons, DAG hooks, workflow hooks, watching ------------------------------


def test_outputs_of_a_skipped_producer(tmp_path: Path) -> None:
    """FACTS §7.9: the producer's valueFrom.default, else the consumer's input default, else the
    consumer ends in Error."""
    producer = {
        **sh("produce", "echo x"),
        "outputs": {
            "parameters": [
                {"name": "d", "valueFrom": {"path": "/tmp/d", "default": "from-producer"}},
                {"name": "n", "valueFrom": {"path": "/tmp/n"}},
            ]
        },
    }
    consumer_default = {
        "name": "with-default",
        "inputs": {"parameters": [{"name": "m", "default": "from-consumer"}]},
        "container": {"image": ALPINE, "command": ["echo", "{{inputs.parameters.m}}"]},
    }
    manifest = wf(
        "sk",
        [
            dag(
                "main",
                [
                    {"name": "P", "template": "produce", "when": "false"},
                    {
                        "name": "A",
                        "template": "echo",
                        "depends": "P",
                        "arguments": p("m", "{{tasks.P.outputs.parameters.d}}"),
                    },
                    {
                        "name": "B",
                        "template": "with-default",
                        "depends": "P",
                        "arguments": p("m", "{{tasks.P.outputs.parameters.n}}"),
                    },
                    {
                        "name": "C",
                        "template": "echo",
                        "depends": "P",
                        "arguments": p("m", "{{tasks.P.outputs.parameters.n}}"),
                    },
                ],
            ),
            producer,
            consumer_default,
            echo(),
        ],
    )
    out = execute(manifest, tmp_path)
    t = tree(out)
    assert t["sk.P"]["message"] == "when 'false' evaluated false"
    assert stdout(out, "sk.A", tmp_path) == "from-producer"
    assert stdout(out, "sk.B", tmp_path) == "from-consumer"
    assert (t["sk.C"]["phase"], t["sk.C"]["message"]) == (
        "Error",
        "inputs.parameters.m was not supplied",
    )
    assert out["status"]["phase"] == "Error"


def test_daemon_runs_until_its_scope_ends(tmp_path: Path) -> None:
    manifest = wf(
        "dm",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "server", "template": "server"}],
                    [
                        {
                            "name": "client",
                            "template": "echo",
                            "arguments": p("m", "{{steps.server.ip}}"),
                        }
                    ],
                ],
            },
            {**sh("server", "sleep 30"), "daemon": True},
            echo(),
        ],
    )
    started = time.monotonic()
    out = execute(manifest, tmp_path)
    assert time.monotonic() - started < 10
    assert status_line(out) == ("Succeeded", "")
    server = next(n for n in out["status"]["nodes"].values() if n["name"] == "dm[0].server")
    assert (server["phase"], server["podIP"], "daemoned" in server) == (
        "Succeeded",
        "127.0.0.1",
        False,
    )
    assert stdout(out, "dm[1].client", tmp_path) == "127.0.0.1"


def test_dag_task_exit_hook_and_workflow_expression_hook(tmp_path: Path) -> None:
    manifest = wf(
        "dh",
        [
            dag(
                "main",
                [
                    {
                        "name": "A",
                        "template": "echo",
                        "arguments": p("m", "a"),
                        "hooks": {
                            "exit": {
                                "template": "echo",
                                "arguments": p("m", "{{tasks.A.outputs.result}}-done"),
                            }
                        },
                    },
                    {"name": "B", "template": "echo", "depends": "A", "arguments": p("m", "b")},
                ],
            ),
            echo(),
        ],
        hooks={
            "started": {
                "template": "echo",
                "expression": "workflow.status == 'Running'",
                "arguments": p("m", "running"),
            }
        },
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    t = tree(out)
    assert t["dh.A"]["children"] == ["dh.A.onExit", "dh.B"]
    assert t["dh.A.onExit"] == {
        "type": "Pod",
        "phase": "Succeeded",
        "display": "A.onExit",
        "template": "echo",
        "boundary": "dh",
        "flag": {"hooked": True},
    }
    assert stdout(out, "dh.A.onExit", tmp_path) == "a-done"
    assert t["dh.hooks.started"] == {
        "type": "Pod",
        "phase": "Succeeded",
        "display": "dh.hooks.started",
        "template": "echo",
        "flag": {"hooked": True},
    }


def test_exit_handler_reads_workflow_failures(tmp_path: Path) -> None:
    manifest = wf(
        "wfx",
        [
            {"name": "main", "steps": [[{"name": "bad", "template": "fail"}]]},
            sh("fail", "exit 1"),
            {
                "name": "bye",
                "container": {"image": ALPINE, "command": ["echo", "{{workflow.failures}}"]},
            },
        ],
        onExit="bye",
    )
    out = execute(manifest, tmp_path)
    result = stdout(out, "wfx.onExit", tmp_path)
    import json

    failures = json.loads(json.loads(result))
    # every Failed/Error node, in no set order (Go map iteration)
    assert sorted((f["displayName"], f["phase"], f["message"]) for f in failures) == [
        ("[0]", "Failed", f"child '{node_id('wfx', 'wfx[0].bad')}' failed"),
        ("bad", "Failed", "Error (exit code 1)"),
        ("wfx", "Failed", f"child '{node_id('wfx', 'wfx[0].bad')}' failed"),
    ]
    # podName is GeneratePodName(woc.wf.Name, node.Name, ...): the workflow's own name, not ""
    pods = {f["displayName"]: f["podName"] for f in failures}
    assert (pods["wfx"], pods["bad"].rsplit("-", 1)[0]) == ("wfx", "wfx-fail")


def test_on_change_and_workflow_snapshots_from_another_thread(tmp_path: Path) -> None:
    import threading

    phases: list[str] = []
    seen: list[str] = []
    manifest = wf(
        "oc",
        [{"name": "main", "steps": [[{"name": "a", "template": "slow"}]]}, sh("slow", "sleep 0.3")],
    )
    executor = support.ShExecutor()
    run = LocalRun(
        prepare_workflow(manifest),
        RunOptions(run_dir=tmp_path, store=LocalStore()),
        on_change=lambda r: phases.append(r.phase),
        executor=executor,
    )

    def watch() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            snap = run.workflow
            seen.append(snap.get("status", {}).get("phase", ""))
            if seen[-1] == "Succeeded":
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch)
    thread.start()
    asyncio.run(run.execute())
    thread.join(10)
    assert phases[0] == "Running" and phases[-1] == "Succeeded"
    assert "Running" in seen and seen[-1] == "Succeeded"


def test_workflow_deadline_fails_running_pods(tmp_path: Path) -> None:
    manifest = wf(
        "dl",
        [
            {"name": "main", "steps": [[{"name": "hang", "template": "hang"}]]},
            sh("hang", "sleep 30"),
        ],
        activeDeadlineSeconds=1,
    )
    started = time.monotonic()
    out = execute(manifest, tmp_path)
    assert time.monotonic() - started < 10
    hang = tree(out)["dl[0].hang"]
    assert (hang["phase"], hang["message"]) == ("Failed", "Step exceeded its deadline")


def test_template_timeout_is_the_execution_deadline(tmp_path: Path) -> None:
    manifest = wf(
        "tt",
        [
            {"name": "main", "steps": [[{"name": "hang", "template": "hang"}]]},
            sh("hang", "sleep 30", timeout="1s"),
        ],
    )
    run, executor = make_run(manifest, tmp_path)
    started = time.monotonic()
    out = asyncio.run(asyncio.wait_for(run.execute(), 20))
    assert time.monotonic() - started < 10
    hang = tree(out)["tt[0].hang"]
    assert (hang["phase"], hang["message"]) == ("Failed", "Step exceeded its deadline")
    assert executor.pods[0].deadline is None  # the pod's own deadline is activeDeadlineSeconds'
    assert out["status"]["phase"] == "Failed"


def test_semaphore_without_a_limit_ends_the_node_in_error(tmp_path: Path) -> None:
    manifest = wf(
        "nl",
        [
            {"name": "main", "steps": [[{"name": "a", "template": "w"}]]},
            {
                **sh("w", "true"),
                "synchronization": {"semaphore": {"configMapKeyRef": {"name": "lim", "key": "k"}}},
            },
        ],
    )
    out = execute(manifest, tmp_path)
    a = tree(out)["nl[0].a"]
    assert (a["phase"], a["message"]) == (
        "Error",
        "failed to get semaphore limit: configmap 'lim' not found: "
        "give it with --configmap lim.k=VALUE",
    )


def test_workflow_parallelism_and_dag_loop_aggregation(tmp_path: Path) -> None:
    log = tmp_path / "log"
    manifest = wf(
        "wp",
        [
            dag(
                "main",
                [
                    {
                        "name": "L",
                        "template": "w",
                        "arguments": p("i", "{{item}}"),
                        "withSequence": {"count": "3"},
                    },
                    {
                        "name": "all",
                        "template": "echo",
                        "depends": "L",
                        "arguments": p("m", "{{tasks.L.outputs.result}}"),
                    },
                ],
            ),
            {
                "name": "w",
                "inputs": {"parameters": [{"name": "i"}]},
                "container": {
                    "image": ALPINE,
                    "command": [
                        "sh",
                        "-c",
                        f"echo start >> {log}; sleep 0.05; echo end >> {log}; "
                        'echo "{\\"n\\": {{inputs.parameters.i}}}"',
                    ],
                },
            },
            echo(),
        ],
        parallelism=1,
    )
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Succeeded", "")
    assert log.read_text().split() == ["start", "end"] * 3
    assert stdout(out, "wp.all", tmp_path) == '[{"n":0},{"n":1},{"n":2}]'
    assert tree(out)["wp.L"]["children"] == ["wp.L(0:0)", "wp.L(1:1)", "wp.L(2:2)"]


def test_resume_by_selector_resumes_only_that_node(tmp_path: Path) -> None:
    manifest = wf(
        "rsel",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "one", "template": "wait"}, {"name": "two", "template": "wait"}]
                ],
            },
            {"name": "wait", "suspend": {}},
        ],
    )
    run, _ = make_run(manifest, tmp_path)

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        await _until(run, lambda w: _node_phase(w, "rsel[0].two") == "Running")
        run.resume("displayName=one")
        await _until(run, lambda w: _node_phase(w, "rsel[0].one") == "Succeeded")
        assert _node_phase(run.workflow, "rsel[0].two") == "Running"
        run.set_node("displayName=two", phase="Failed", message="rejected")
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(main())
    two_id = node_id("rsel", "rsel[0].two")
    assert status_line(out) == ("Failed", f"child '{two_id}' failed")
    two = tree(out)["rsel[0].two"]
    assert (two["type"], two["phase"], two["message"]) == ("Suspend", "Failed", "rejected")


def test_mock_of_a_template_ref(tmp_path: Path) -> None:
    library = {"metadata": {"name": "lib"}, "spec": {"templates": [echo("say")]}}
    manifest = wf(
        "mr",
        [
            {
                "name": "main",
                "steps": [
                    [
                        {
                            "name": "s",
                            "templateRef": {"name": "lib", "template": "say"},
                            "arguments": p("m", "x"),
                        }
                    ]
                ],
            }
        ],
    )
    out = execute(
        manifest,
        tmp_path,
        templates=lambda name, cluster: library if name == "lib" else None,
        mocks={"lib/say": {"phase": "Failed", "message": "mocked", "outputs": {"exitCode": 3}}},
    )
    s = next(n for n in out["status"]["nodes"].values() if n["name"] == "mr[0].s")
    assert (s["type"], s["phase"], s["message"], s["outputs"]) == (
        "Pod",
        "Failed",
        "mocked",
        {"exitCode": "3"},
    )
    assert s["inputs"] == {"parameters": [{"name": "m", "value": "x"}]}


def test_retry_restart_successful_by_selector_and_parameters(tmp_path: Path) -> None:
    manifest = wf(
        "rr",
        [
            {
                "name": "main",
                "steps": [[{"name": "a", "template": "ok"}], [{"name": "b", "template": "check"}]],
            },
            sh("ok", "echo a"),
            sh("check", 'test "{{workflow.parameters.go}}" = yes'),
        ],
        arguments=p("go", "no"),
    )
    run, _ = make_run(manifest, tmp_path / "1")
    first = asyncio.run(run.execute())
    assert first["status"]["phase"] == "Failed"
    executor = support.ShExecutor()
    again = LocalRun.retry(
        first,
        RunOptions(run_dir=tmp_path / "2", store=LocalStore()),
        restart_successful=True,
        node_field_selector="displayName=a",
        parameters=["go=yes"],
        executor=executor,
    )
    out = asyncio.run(again.execute())
    assert status_line(out) == ("Succeeded", "")
    assert sorted(pod.pod_name for pod in executor.pods) == sorted(
        [pod_name_of(out, "rr[0].a"), pod_name_of(out, "rr[1].b")]
    )
    assert out["spec"]["arguments"] == p("go", "yes")
    assert out["metadata"]["uid"] == first["metadata"]["uid"]


def pod_name_of(workflow: Json, name: str) -> str:
    from tiphys.argo.nodes import pod_name

    node = next(n for n in workflow["status"]["nodes"].values() if n["name"] == name)
    return pod_name(workflow, node)


def test_retry_policies(tmp_path: Path) -> None:
    manifest = wf(
        "rp",
        [
            {
                "name": "main",
                "steps": [
                    [
                        {"name": "onerror", "template": "onerror"},
                        {"name": "onfailure", "template": "onfailure"},
                    ]
                ],
            },
            sh("onerror", "exit 1", retryStrategy={"limit": 2, "retryPolicy": "OnError"}),
            sh("onfailure", "exit 1", retryStrategy={"limit": 1}),
        ],
    )
    out = execute(manifest, tmp_path)
    t = tree(out)
    assert (t["rp[0].onerror"]["children"], t["rp[0].onerror"]["message"]) == (
        ["rp[0].onerror(0)"],
        "Error (exit code 1)",
    )
    assert (t["rp[0].onfailure"]["children"], t["rp[0].onfailure"]["message"]) == (
        ["rp[0].onfailure(0)", "rp[0].onfailure(1)"],
        "No more retries left",
    )


def test_loop_results_that_are_not_json_break_the_aggregate(tmp_path: Path) -> None:
    """FACTS §7.2: in a DAG the reading task ends in Error; in steps the Steps node does."""
    loop = {"template": "echo", "arguments": p("m", "hi {{item}}"), "withItems": ["a"]}
    manifest = wf(
        "ag",
        [
            dag(
                "main",
                [
                    {"name": "L", **loop},
                    {
                        "name": "use",
                        "template": "echo",
                        "depends": "L",
                        "arguments": p("m", "{{tasks.L.outputs.result}}"),
                    },
                ],
            ),
            {
                "name": "st",
                "steps": [
                    [{"name": "L", **loop}],
                    [
                        {
                            "name": "n",
                            "template": "echo",
                            "arguments": p("m", "{{steps.L.outputs.result}}"),
                        }
                    ],
                ],
            },
            echo(),
        ],
    )
    out = execute(manifest, tmp_path)
    use = tree(out)["ag.use"]
    message = "invalid character 'h' looking for beginning of value"
    assert (use["type"], use["phase"], use["message"]) == ("Skipped", "Error", message)
    manifest["spec"]["entrypoint"] = "st"
    out = execute(manifest, tmp_path)
    assert status_line(out) == ("Error", message)
    assert {n: v["phase"] for n, v in tree(out).items()} == {
        "ag": "Error",
        "ag[0]": "Succeeded",
        "ag[0].L(0:a)": "Succeeded",
    }


class _CsExecutor(support.ShExecutor):
    async def run(self, pod: Any) -> Any:
        from tiphys.local.pods import PodResult

        self.pods.append(pod)
        return PodResult(phase="Succeeded", message="", exit_code=0, outputs={"exitCode": "0"})


def test_container_set_nodes(tmp_path: Path) -> None:
    manifest = wf(
        "cs",
        [
            dag(
                "main",
                [
                    {"name": "A", "template": "set"},
                    {"name": "B", "template": "set", "depends": "A"},
                ],
            ),
            {
                "name": "set",
                "containerSet": {
                    "containers": [
                        {"name": "a", "image": ALPINE},
                        {"name": "main", "image": ALPINE, "dependencies": ["a"]},
                    ]
                },
            },
        ],
    )
    run = LocalRun(
        prepare_workflow(manifest),
        RunOptions(run_dir=tmp_path, store=LocalStore()),
        executor=_CsExecutor(),
    )
    out = asyncio.run(run.execute())
    t = tree(out)
    assert t["cs.A"] == {
        "type": "Pod",
        "phase": "Succeeded",
        "display": "A",
        "template": "set",
        "boundary": "cs",
        "children": ["cs.A.a", "cs.A.main"],
    }
    assert t["cs.A.main"] == {
        "type": "Container",
        "phase": "Succeeded",
        "display": "main",
        "boundary": "cs.A",
        "children": ["cs.B"],
    }
    assert t["cs.A.a"] == {
        "type": "Container",
        "phase": "Succeeded",
        "display": "a",
        "boundary": "cs.A",
    }
    assert t["cs"]["outbound"] == ["cs.B.main"]


def test_a_template_naming_an_input_it_lacks_ends_in_error(tmp_path: Path) -> None:
    manifest = wf(
        "mi",
        [
            {"name": "main", "steps": [[{"name": "a", "template": "t"}]]},
            {
                "name": "t",
                "container": {"image": ALPINE, "command": ["echo", "{{inputs.parameters.x}}"]},
            },
        ],
    )
    out = execute(manifest, tmp_path)
    a = tree(out)["mi[0].a"]
    assert (a["type"], a["phase"], a["message"]) == (
        "Pod",
        "Error",
        "failed to resolve {{inputs.parameters.x}}",
    )


def test_artifacts_pass_with_from(tmp_path: Path) -> None:
    manifest = wf(
        "af",
        [
            dag(
                "main",
                [
                    {"name": "make", "template": "make"},
                    {
                        "name": "use",
                        "template": "use",
                        "depends": "make",
                        "arguments": {
                            "artifacts": [
                                {"name": "in", "from": "{{tasks.make.outputs.artifacts.out}}"}
                            ]
                        },
                    },
                    {
                        "name": "bad",
                        "template": "use",
                        "depends": "make",
                        "arguments": {
                            "artifacts": [
                                {"name": "in", "from": "{{tasks.make.outputs.artifacts.nope}}"}
                            ]
                        },
                    },
                ],
            ),
            {
                **sh("make", "true"),
                "outputs": {"artifacts": [{"name": "out", "path": "/tmp/out"}]},
            },
            {
                **sh("use", "true"),
                "inputs": {"artifacts": [{"name": "in", "path": "/tmp/in"}]},
            },
        ],
    )
    run, executor = make_run(manifest, tmp_path)
    out = asyncio.run(run.execute())
    make = next(n for n in out["status"]["nodes"].values() if n["name"] == "af.make")
    key = f"af/{pod_name_of(out, 'af.make')}/out.tgz"
    assert make["outputs"]["artifacts"] == [{"name": "out", "path": "/tmp/out", "s3": {"key": key}}]
    use_pod = next(p for p in executor.pods if p.pod_name == pod_name_of(out, "af.use"))
    assert use_pod.template["inputs"]["artifacts"] == [
        {"name": "in", "path": "/tmp/in", "s3": {"key": key}}
    ]
    bad = tree(out)["af.bad"]
    assert (bad["type"], bad["phase"], bad["message"]) == (
        "Skipped",
        "Error",
        "Unable to resolve: {{tasks.make.outputs.artifacts.nope}}",
    )


def test_stop_fails_a_waiting_suspend_node_and_a_stopped_workflow_can_be_retried(
    tmp_path: Path,
) -> None:
    manifest = wf(
        "ss",
        [
            dag(
                "main",
                [
                    {"name": "ok", "template": "ok"},
                    {"name": "wait", "template": "wait", "depends": "ok"},
                ],
            ),
            {"name": "wait", "suspend": {}},
            sh("ok", "true"),
        ],
    )
    run, _ = make_run(manifest, tmp_path / "1")

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        await _until(run, lambda w: _node_phase(w, "ss.wait") == "Running")
        run.stop("enough")
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(main())
    assert status_line(out) == ("Failed", "enough")
    wait = tree(out)["ss.wait"]
    assert (wait["type"], wait["phase"], wait["message"]) == (
        "Suspend",
        "Failed",
        "Stopped with strategy 'Stop'",
    )
    again = LocalRun.retry(
        out, RunOptions(run_dir=tmp_path / "2", store=LocalStore()), executor=support.ShExecutor()
    )

    async def resume() -> Json:
        task = asyncio.ensure_future(again.execute())
        await _until(again, lambda w: _node_phase(w, "ss.wait") == "Running")
        again.resume()
        return await asyncio.wait_for(task, 10)

    out = asyncio.run(resume())
    assert status_line(out) == ("Succeeded", "")
    assert "shutdown" not in out["spec"]


def test_malformed_when_in_a_dag(tmp_path: Path) -> None:
    manifest = wf(
        "dw",
        [dag("main", [{"name": "a", "template": "ok", "when": "(1"}]), sh("ok", "true")],
    )
    out = execute(manifest, tmp_path)
    a = tree(out)["dw.a"]
    assert (a["type"], a["phase"], a["message"]) == (
        "Skipped",
        "Error",
        "Invalid 'when' expression '(1': Unbalanced parenthesis",
    )
    assert out["status"]["phase"] == "Error"


def test_a_reference_to_a_missing_template_is_refused(tmp_path: Path) -> None:
    manifest = wf("mt", [{"name": "main", "steps": [[{"name": "a", "template": "nope"}]]}])
    with pytest.raises(LocalError) as info:
        make_run(manifest, tmp_path)
    assert str(info.value) == "template nope not found"
    manifest = wf(
        "mt",
        [
            {
                "name": "main",
                "dag": {"tasks": [{"name": "a", "templateRef": {"name": "lib", "template": "x"}}]},
            }
        ],
    )
    with pytest.raises(LocalError) as info:
        make_run(manifest, tmp_path, templates=lambda name, cluster: None)
    assert str(info.value) == 'WorkflowTemplate.argoproj.io "lib" not found'


def test_retry_expression_reads_the_template_inputs(tmp_path: Path) -> None:
    manifest = wf(
        "ri",
        [
            {
                "name": "main",
                "steps": [
                    [{"name": "yes", "template": "t", "arguments": p("again", "true")}],
                    [{"name": "no", "template": "t", "arguments": p("again", "false")}],
                ],
            },
            {
                "name": "t",
                "inputs": {"parameters": [{"name": "again"}]},
                "retryStrategy": {
                    "limit": "1",
                    "expression": "{{inputs.parameters.again}} == true",
                },
                "container": {"image": ALPINE, "command": ["sh", "-c", "exit 1"]},
            },
        ],
    )
    out = execute(manifest, tmp_path)
    t = tree(out)
    assert (t["ri[0].yes"]["children"], t["ri[0].yes"]["message"]) == (
        ["ri[0].yes(0)", "ri[0].yes(1)"],
        "No more retries left",
    )
    assert out["status"]["phase"] == "Failed"
    manifest["spec"]["templates"][0]["steps"] = manifest["spec"]["templates"][0]["steps"][1:]
    out = execute(manifest, tmp_path)
    t = tree(out)
    assert (t["ri[0].no"]["children"], t["ri[0].no"]["message"]) == (
        ["ri[0].no(0)"],
        "retryStrategy.expression evaluated to false",
    )


def test_input_values_see_global_variables_and_expressions(tmp_path: Path) -> None:
    manifest = wf(
        "gv",
        [
            {
                "name": "main",
                "inputs": {
                    "parameters": [
                        {"name": "doubled", "value": "{{=asInt(workflow.parameters.n) * 2}}"}
                    ]
                },
                "container": {
                    "image": ALPINE,
                    "command": ["echo", "{{inputs.parameters.doubled}}"],
                },
            }
        ],
        arguments=p("n", "21"),
    )
    out = execute(manifest, tmp_path)
    root = out["status"]["nodes"]["gv"]
    assert root["inputs"] == {"parameters": [{"name": "doubled", "value": "42"}]}
    assert stdout(out, "gv", tmp_path) == "42"


def test_global_parameter_from_a_configmap_of_the_store(tmp_path: Path) -> None:
    # global-parameters-from-configmap.yaml: spec.arguments valueFrom.configMapKeyRef is read
    # from the run's store when the global scope is built (operator.go setGlobalParameters).
    out_file = tmp_path / "out"
    manifest = wf(
        "gcm",
        [sh("main", f"echo '{{{{workflow.parameters.message}}}}' > {out_file}")],
        arguments={
            "parameters": [
                {
                    "name": "message",
                    "valueFrom": {"configMapKeyRef": {"name": "simple-parameters", "key": "msg"}},
                }
            ]
        },
    )
    store = LocalStore(configmaps={"simple-parameters": {"msg": "hello world"}})
    out = execute(manifest, tmp_path, store=store)
    assert (out["status"]["phase"], out["status"].get("message")) == ("Succeeded", None)
    assert out_file.read_text() == "hello world\n"


def test_skipped_producer_output_without_default_is_nil_for_expressions(tmp_path: Path) -> None:
    # skipped-output-defaults/expression-fallback.yaml: a Skipped producer's output parameter
    # that declares no default is absent (nil), so `??` picks the fallback.
    produce = {
        **sh("produce", "echo real > /tmp/out.txt"),
        "outputs": {"parameters": [{"name": "msg", "valueFrom": {"path": "/tmp/out.txt"}}]},
    }
    expression = "tasks.producer.outputs.parameters.msg ?? 'expr-fallback'"
    main = {
        **dag("main", [{"name": "producer", "template": "produce", "when": "false"}]),
        "outputs": {"parameters": [{"name": "result", "valueFrom": {"expression": expression}}]},
    }
    out = execute(wf("sk", [main, produce]), tmp_path)
    root = out["status"]["nodes"][node_id("sk", "sk")]
    assert (out["status"]["phase"], root.get("outputs")) == (
        "Succeeded",
        {"parameters": [{"name": "result", "value": "expr-fallback"}]},
    )
