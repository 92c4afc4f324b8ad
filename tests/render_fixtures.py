"""Realistic Workflow status fixtures for the render tests and the render benchmark.

Each builder returns a whole Workflow as the Argo Server sends it (GET), with node ids, names,
boundary ids and children as the v4 controller writes them. Times are on 2026-11-29 UTC;
:data:`NOW` is the "current time" the tests render at.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

NOW = datetime(2026, 11, 29, 10, 5, 0, tzinfo=UTC)


def t(seconds: int) -> str:
    """2026-11-29T10:00:00Z plus ``seconds``."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"2026-11-29T{10 + hours:02d}:{minutes:02d}:{secs:02d}Z"


def node(
    node_id: str,
    name: str,
    display: str,
    kind: str,
    phase: str,
    *,
    template: str = "",
    boundary: str = "",
    children: list[str] | None = None,
    start: int | None = 0,
    end: int | None = None,
    message: str = "",
    **extra: Any,
) -> Json:
    """One NodeStatus."""
    n: Json = {"id": node_id, "name": name, "displayName": display, "type": kind, "phase": phase}
    if template:
        n["templateName"] = template
    if boundary:
        n["boundaryID"] = boundary
    if children:
        n["children"] = children
    if start is not None:
        n["startedAt"] = t(start)
    if end is not None:
        n["finishedAt"] = t(end)
    if message:
        n["message"] = message
    n.update(extra)
    return n


def workflow(
    name: str,
    nodes: list[Json],
    *,
    phase: str,
    start: int = 0,
    end: int | None = None,
    **status: Any,
) -> Json:
    """A Workflow with these nodes (keyed by id)."""
    st: Json = {"phase": phase, "startedAt": t(start), "nodes": {n["id"]: n for n in nodes}}
    if end is not None:
        st["finishedAt"] = t(end)
    st.update(status)
    return {
        "metadata": {
            "name": name,
            "namespace": "argo",
            "uid": "6a1b2c3d-0000-4000-8000-000000000001",
            "creationTimestamp": t(start),
            "labels": {"workflows.argoproj.io/phase": phase},
            # the controller sets it on every workflow; these fixtures use node ids as pod names
            "annotations": {"workflows.argoproj.io/pod-name-format": "v1"},
        },
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}]},
        "status": st,
    }


def steps() -> Json:
    """docs/walk-through/steps.md: hello1, then hello2a and hello2b in parallel (v1 pod names)."""
    w = "steps-z2zdn"
    nodes = [
        node(
            w,
            w,
            w,
            "Steps",
            "Succeeded",
            template="hello-hello-hello",
            children=[f"{w}-1"],
            end=7,
            progress="3/3",
        ),
        node(
            f"{w}-1",
            f"{w}[0]",
            "[0]",
            "StepGroup",
            "Succeeded",
            boundary=w,
            children=[f"{w}-27420706"],
            end=2,
        ),
        node(
            f"{w}-27420706",
            f"{w}[0].hello1",
            "hello1",
            "Pod",
            "Succeeded",
            template="print-message",
            boundary=w,
            children=[f"{w}-2"],
            end=2,
        ),
        node(
            f"{w}-2",
            f"{w}[1]",
            "[1]",
            "StepGroup",
            "Succeeded",
            boundary=w,
            children=[f"{w}-2006760091", f"{w}-2023537710"],
            start=3,
            end=7,
        ),
        node(
            f"{w}-2006760091",
            f"{w}[1].hello2a",
            "hello2a",
            "Pod",
            "Succeeded",
            template="print-message",
            boundary=w,
            start=3,
            end=6,
        ),
        node(
            f"{w}-2023537710",
            f"{w}[1].hello2b",
            "hello2b",
            "Pod",
            "Succeeded",
            template="print-message",
            boundary=w,
            start=3,
            end=6,
        ),
    ]
    wf = workflow(
        w,
        nodes,
        phase="Succeeded",
        end=7,
        progress="3/3",
        resourcesDuration={"cpu": 3, "memory": 3},
    )
    wf["spec"]["arguments"] = {"parameters": [{"name": "message", "value": "hello"}]}
    return wf


def dag_failed() -> Json:
    """A DAG (v2 pod names): A succeeds, B fails after a retry, C and D are omitted, an onExit
    handler runs; a templateRef task; the workflow failed with a message."""
    w = "diamond-8xk2p"
    nodes = [
        node(
            w,
            w,
            w,
            "DAG",
            "Failed",
            template="diamond",
            children=[f"{w}-1", f"{w}-2"],
            end=95,
            message="child 'diamond-8xk2p-3' failed",
        ),
        node(
            f"{w}-1",
            f"{w}.A",
            "A",
            "Pod",
            "Succeeded",
            template="echo",
            boundary=w,
            children=[f"{w}-2"],
            start=1,
            end=13,
            hostNodeName="node-1",
            outputs={"artifacts": [{"name": "main-logs"}]},
            resourcesDuration={"cpu": 2, "memory": 12},
        ),
        node(
            f"{w}-2",
            f"{w}.B",
            "B",
            "Retry",
            "Failed",
            template="flaky",
            boundary=w,
            children=[f"{w}-3", f"{w}-4"],
            start=14,
            end=95,
            message="No more retries left",
        ),
        node(
            f"{w}-3",
            f"{w}.B(0)",
            "B(0)",
            "Pod",
            "Failed",
            template="flaky",
            boundary=w,
            start=14,
            end=40,
            message="Error (exit code 1)",
            hostNodeName="node-2",
        ),
        node(
            f"{w}-4",
            f"{w}.B(1)",
            "B(1)",
            "Pod",
            "Failed",
            template="flaky",
            boundary=w,
            start=50,
            end=95,
            message="Error (exit code 1)",
            hostNodeName="node-1",
        ),
        node(
            f"{w}-5",
            f"{w}.C",
            "C",
            "Skipped",
            "Omitted",
            template="echo",
            boundary=w,
            start=95,
            end=95,
            message="omitted: depends condition not met",
        ),
        node(
            f"{w}-6",
            f"{w}.D",
            "D",
            "Skipped",
            "Omitted",
            template="echo",
            boundary=w,
            start=95,
            end=95,
            message="omitted: depends condition not met",
        ),
        node(
            f"{w}-8",
            f"{w}.E",
            "E",
            "Pod",
            "Succeeded",
            boundary=w,
            start=14,
            end=20,
            templateRef={"name": "shared", "template": "notify"},
            hostNodeName="node-3",
        ),
        node(
            f"{w}-7",
            f"{w}.onExit",
            f"{w}.onExit",
            "Pod",
            "Succeeded",
            template="cleanup",
            start=96,
            end=100,
        ),
    ]
    wf = workflow(
        w, nodes, phase="Failed", end=100, progress="2/4", message="child 'diamond-8xk2p-3' failed"
    )
    wf["metadata"]["annotations"] = {"workflows.argoproj.io/pod-name-format": "v2"}
    wf["spec"]["serviceAccountName"] = "runner"
    wf["spec"]["priority"] = 3
    wf["status"]["conditions"] = [
        {"type": "PodRunning", "status": "False"},
        {"type": "Completed", "status": "True"},
    ]
    return wf


def loop_suspended() -> Json:
    """Steps with a loop of 12 items (sorted by index, not name) then an approval suspend node;
    running and suspended; a retry node with one attempt (hidden); a skipped step."""
    w = "loops-q7v4m"
    items = [f"{w}-{100 + i}" for i in range(12)]
    nodes = [
        node(w, w, w, "Steps", "Running", template="main", children=[f"{w}-1"]),
        node(
            f"{w}-1",
            f"{w}[0]",
            "[0]",
            "StepGroup",
            "Succeeded",
            boundary=w,
            children=[*items, f"{w}-50"],
            end=30,
        ),
        *[
            node(
                item,
                f"{w}[0].work({i}:{i * 10})",
                f"work({i}:{i * 10})",
                "Pod",
                "Succeeded",
                template="work",
                boundary=w,
                start=1,
                end=2 + i,
                children=[f"{w}-2"],
            )
            for i, item in enumerate(items)
        ],
        node(
            f"{w}-50",
            f"{w}[0].maybe",
            "maybe",
            "Skipped",
            "Skipped",
            template="work",
            boundary=w,
            start=1,
            end=1,
            message="when 'false == true' evaluated false",
            children=[f"{w}-2"],
        ),
        node(
            f"{w}-2",
            f"{w}[1]",
            "[1]",
            "StepGroup",
            "Running",
            boundary=w,
            children=[f"{w}-3"],
            start=31,
        ),
        node(
            f"{w}-3",
            f"{w}[1].publish",
            "publish",
            "Retry",
            "Succeeded",
            template="publish",
            boundary=w,
            children=[f"{w}-4"],
            start=31,
            end=95,
            children_=None,
        ),
        node(
            f"{w}-4",
            f"{w}[1].publish(0)",
            "publish(0)",
            "Pod",
            "Succeeded",
            template="publish",
            boundary=w,
            start=31,
            end=95,
            children=[f"{w}-5"],
        ),
        node(
            f"{w}-5",
            f"{w}[2]",
            "[2]",
            "StepGroup",
            "Running",
            boundary=w,
            children=[f"{w}-6"],
            start=96,
        ),
        node(
            f"{w}-6",
            f"{w}[2].approve",
            "approve",
            "Suspend",
            "Running",
            template="approve",
            boundary=w,
            start=96,
        ),
    ]
    for n in nodes:
        n.pop("children_", None)
    wf = workflow(w, nodes, phase="Running", progress="13/14", estimatedDuration=400)
    return wf


def compressed(wf: Json) -> Json:
    """The same workflow with its nodes in ``status.compressedNodes`` (as past 1 MiB)."""
    out = json.loads(json.dumps(wf))
    nodes = out["status"].pop("nodes")
    packed = gzip.compress(json.dumps(nodes).encode())
    out["status"]["compressedNodes"] = base64.b64encode(packed).decode()
    return out


def big(n: int = 5000, *, done: int | None = None) -> Json:
    """A DAG of ``n`` pod tasks (fan-out of 50 groups of n/50 loop items), ``done`` finished."""
    w = "big-fan-5k"
    done = n // 2 if done is None else done
    nodes = [node(w, w, w, "DAG", "Running", template="main", children=[])]
    for i in range(n):
        group, item = divmod(i, 100)
        finished = i < done
        nodes.append(
            node(
                f"{w}-{1000 + i}",
                f"{w}.shard-{group}({item}:{item})",
                f"shard-{group}({item}:{item})",
                "Pod",
                "Succeeded" if finished else "Running",
                template="shard",
                boundary=w,
                start=group,
                end=group + 30 + item % 7 if finished else None,
            )
        )
    nodes[0]["children"] = [x["id"] for x in nodes[1:]]
    return workflow(w, nodes, phase="Running", progress=f"{done}/{n}")
