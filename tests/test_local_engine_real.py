"""The local engine with the real executor (host backend): a few whole runs end to end."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tiphys.argo.nodes import node_id, pod_name
from tiphys.local.engine import LocalRun, RunOptions, run_local
from tiphys.local.prepare import prepare_workflow
from tiphys.local.store import LocalStore

Json = dict[str, Any]


def _log(run_dir: Path, workflow: Json, name: str) -> list[str]:
    node = workflow["status"]["nodes"][node_id(workflow["metadata"]["name"], name)]
    path = run_dir / "logs" / pod_name(workflow, node) / "main.log"
    return [line.split(" ", 1)[1] for line in path.read_text().splitlines()]


def _phases(workflow: Json) -> dict[str, tuple[str, str, str]]:
    return {
        n["name"]: (n["type"], n["phase"], n.get("message", ""))
        for n in workflow["status"]["nodes"].values()
    }


PIPELINE: Json = {
    "metadata": {"generateName": "real-"},
    "spec": {
        "entrypoint": "main",
        "onExit": "bye",
        "arguments": {"parameters": [{"name": "who", "value": "world"}]},
        "templates": [
            {
                "name": "main",
                "dag": {
                    "tasks": [
                        {
                            "name": "hello",
                            "template": "say",
                            "arguments": {
                                "parameters": [
                                    {"name": "m", "value": "hello {{workflow.parameters.who}}"}
                                ]
                            },
                        },
                        {"name": "count", "template": "count", "depends": "hello"},
                        {
                            "name": "each",
                            "template": "say",
                            "depends": "count",
                            "arguments": {"parameters": [{"name": "m", "value": "item {{item}}"}]},
                            "withParam": "{{tasks.count.outputs.result}}",
                        },
                        {
                            "name": "skip",
                            "template": "say",
                            "depends": "count",
                            "when": "{{tasks.count.outputs.result}} == []",
                            "arguments": {"parameters": [{"name": "m", "value": "never"}]},
                        },
                        {"name": "flaky", "template": "flaky", "depends": "each"},
                    ]
                },
            },
            {
                "name": "say",
                "inputs": {"parameters": [{"name": "m"}]},
                "container": {"image": "busybox", "command": ["echo", "{{inputs.parameters.m}}"]},
            },
            {
                "name": "count",
                "script": {
                    "image": "python:3.12",
                    "command": ["python"],
                    "source": "import json; print(json.dumps([1, 2]))",
                },
            },
            {
                "name": "flaky",
                "retryStrategy": {"limit": 2},
                "script": {
                    "image": "alpine:3.20",
                    "command": ["sh"],
                    "source": 'test "{{retries}}" = 1 || exit 3',
                },
            },
            {
                "name": "bye",
                "container": {
                    "image": "busybox",
                    "command": ["sh", "-c", "echo {{workflow.status}}"],
                },
            },
        ],
    },
}


def test_a_pipeline_through_the_host_backend(tmp_path: Path) -> None:
    out = run_local(PIPELINE, run_dir=tmp_path, backend="host", store=LocalStore())
    name = out["metadata"]["name"]
    assert (out["status"]["phase"], out["status"].get("message", "")) == ("Succeeded", "")
    assert _phases(out) == {
        name: ("DAG", "Succeeded", ""),
        f"{name}.hello": ("Pod", "Succeeded", ""),
        f"{name}.count": ("Pod", "Succeeded", ""),
        f"{name}.each": ("TaskGroup", "Succeeded", ""),
        f"{name}.each(0:1)": ("Pod", "Succeeded", ""),
        f"{name}.each(1:2)": ("Pod", "Succeeded", ""),
        f"{name}.skip": ("Skipped", "Skipped", "when '[1, 2] == []' evaluated false"),
        f"{name}.flaky": ("Retry", "Succeeded", ""),
        f"{name}.flaky(0)": ("Pod", "Failed", "main: Error (exit code 3)"),
        f"{name}.flaky(1)": ("Pod", "Succeeded", ""),
        f"{name}.onExit": ("Pod", "Succeeded", ""),
    }
    assert _log(tmp_path, out, f"{name}.hello") == ["hello world"]
    assert _log(tmp_path, out, f"{name}.each(1:2)") == ["item 2"]
    assert _log(tmp_path, out, f"{name}.onExit") == ["Succeeded"]
    count = out["status"]["nodes"][node_id(name, f"{name}.count")]
    assert count["outputs"] == {"result": "[1, 2]", "exitCode": "0"}
    assert out["status"]["progress"] == "6/7"  # seven pods, one failed attempt


def test_stop_kills_a_running_host_process(tmp_path: Path) -> None:
    manifest: Json = {
        "metadata": {"name": "stop-real"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "hang", "template": "hang"}]]},
                {"name": "hang", "container": {"image": "busybox", "command": ["sleep", "60"]}},
            ],
        },
    }
    run = LocalRun(prepare_workflow(manifest), RunOptions(run_dir=tmp_path, backend="host"))

    async def main() -> Json:
        task = asyncio.ensure_future(run.execute())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            nodes = run.workflow["status"].get("nodes", {})
            if any(
                n["name"] == "stop-real[0].hang" and n["phase"] == "Running" for n in nodes.values()
            ):
                break
            await asyncio.sleep(0.05)
        run.stop()
        return await asyncio.wait_for(task, 15)

    started = time.monotonic()
    out = asyncio.run(main())
    assert time.monotonic() - started < 15
    assert (out["status"]["phase"], out["status"]["message"]) == (
        "Failed",
        "Stopped with strategy 'Stop'",
    )
    assert _phases(out)["stop-real[0].hang"] == ("Pod", "Failed", "Stopped with strategy 'Stop'")
