"""Cost of one update of the ``get``/``watch`` views of a 5,000-node workflow.

A watch receives a new snapshot of the whole workflow on every change; each update then pays
for (0) receiving it: the SSE line parsed by :func:`~tiphys.client.streams.messages` and fed to
:class:`~tiphys.client.watch.WatchMachine` (deduplication, ``compressedNodes`` decoding),
(a) the ``argo get`` view: :func:`~tiphys.cli.render.header` and
:func:`~tiphys.cli.render.node_tree` of the whole workflow, (b) line mode:
:meth:`NodeChanges.feed <tiphys.cli.render.NodeChanges.feed>` of the snapshot, and (c) one
:class:`~tiphys.cli.render.LiveView` frame of the view (fitted to a 50-row terminal, written
to an in-memory stream). Two shapes of 5,000 pod nodes:

* ``dag``: one DAG with 5,000 loop-item tasks (a flat fan-out: the widest tree);
* ``steps``: 50 step groups of 100 loop items (step groups drawn as fans; deeper prefixes);

and the same ``dag`` with its nodes in ``status.compressedNodes`` (the form past 1 MiB; each
update then also decodes them: base64 + gzip + JSON). Each update changes the phase of 25 nodes
(Running -> Succeeded), so NodeChanges reports 25 lines.

Per update the table gives the median CPU time (``time.process_time``) of each part and of the
whole, over ``--updates`` successive snapshots, and the peak memory the whole update allocates
(``tracemalloc``, in a separate pass: tracing slows Python down). Target (the issue's): the
rendering of one update (get view + NodeChanges + LiveView frame) at most 50 ms CPU; receiving
the event is reported beside it. The reference run is the bare interpreter decoding the same event
(``json.loads``, plus base64 + gzip + ``json.loads`` of compressed nodes); the last ratio
column is the whole update over it.

Not a test: run it by hand and record the figures in ``bench/RESULTS.md``::

    python bench/bench_render.py [--nodes 5000] [--updates 20] [--check]
"""

from __future__ import annotations

import argparse
import base64
import copy
import gc
import gzip
import io
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tiphys.cli.render import LiveView, NodeChanges, header, node_tree
from tiphys.client.streams import messages
from tiphys.client.watch import WatchMachine

TARGET_MS = 50.0
CHANGED_PER_UPDATE = 25
START = datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC)

Json = dict[str, Any]


def _t(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pod(wf: str, i: int, boundary: str, name: str, display: str) -> Json:
    return {
        "id": f"{wf}-{1_000_000 + i}",
        "name": name,
        "displayName": display,
        "type": "Pod",
        "phase": "Running",
        "templateName": "shard",
        "boundaryID": boundary,
        "startedAt": _t(i // 100),
        "message": "",
    }


def dag_workflow(n: int) -> Json:
    """A DAG of ``n`` loop-item pod tasks, all running."""
    wf = "big-dag"
    root: Json = {
        "id": wf,
        "name": wf,
        "displayName": wf,
        "type": "DAG",
        "phase": "Running",
        "templateName": "main",
        "startedAt": _t(0),
        "children": [],
    }
    nodes = {wf: root}
    for i in range(n):
        pod = _pod(wf, i, wf, f"{wf}.shard({i}:{i})", f"shard({i}:{i})")
        nodes[pod["id"]] = pod
        root["children"].append(pod["id"])
    return _workflow(wf, nodes, n)


def steps_workflow(n: int, width: int = 100) -> Json:
    """Steps: ``n / width`` step groups of ``width`` loop items, all running."""
    wf = "big-steps"
    root: Json = {
        "id": wf,
        "name": wf,
        "displayName": wf,
        "type": "Steps",
        "phase": "Running",
        "templateName": "main",
        "startedAt": _t(0),
        "children": [],
    }
    nodes = {wf: root}
    for g in range(n // width):
        gid = f"{wf}-{g}"
        group: Json = {
            "id": gid,
            "name": f"{wf}[{g}]",
            "displayName": f"[{g}]",
            "type": "StepGroup",
            "phase": "Running",
            "boundaryID": wf,
            "startedAt": _t(g),
            "children": [],
        }
        nodes[gid] = group
        for k in range(width):
            i = g * width + k
            pod = _pod(wf, i, wf, f"{wf}[{g}].shard({k}:{k})", f"shard({k}:{k})")
            pod["startedAt"] = _t(g)
            nodes[pod["id"]] = pod
            group["children"].append(pod["id"])
    root["children"].append(f"{wf}-0")
    return _workflow(wf, nodes, n)


def _workflow(name: str, nodes: dict[str, Json], n: int) -> Json:
    return {
        "metadata": {"name": name, "namespace": "argo", "creationTimestamp": _t(0)},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "n", "value": str(n)}]},
        },
        "status": {"phase": "Running", "startedAt": _t(0), "progress": f"0/{n}", "nodes": nodes},
    }


def compress(wf: Json) -> Json:
    """``wf`` with its nodes in ``status.compressedNodes``."""
    out = dict(wf)
    status = dict(wf["status"])
    nodes = status.pop("nodes")
    status["compressedNodes"] = base64.b64encode(gzip.compress(json.dumps(nodes).encode())).decode()
    out["status"] = status
    return out


def snapshots(wf: Json, count: int, compressed: bool) -> list[str]:
    """``count`` successive watch events as SSE lines (``data: {"result": ...} ``, as the
    server writes them), each finishing the next 25 running pods."""
    out = []
    current = copy.deepcopy(wf)
    pods = [k for k, v in current["status"]["nodes"].items() if v["type"] == "Pod"]
    for u in range(count):
        current = copy.deepcopy(current)
        current["metadata"]["resourceVersion"] = str(1000 + u)
        for node_id in pods[u * CHANGED_PER_UPDATE : (u + 1) * CHANGED_PER_UPDATE]:
            node = current["status"]["nodes"][node_id]
            node["phase"] = "Succeeded"
            node["finishedAt"] = _t(600 + u)
        event = {
            "result": {"type": "MODIFIED", "object": compress(current) if compressed else current}
        }
        out.append(f"data: {json.dumps(event)} ")
    return out


class Update:
    """One update: receive the watch event, then the three views; parts are timed separately."""

    def __init__(self, name: str) -> None:
        self.machine = WatchMachine(name)
        self.machine.on_get({"metadata": {"name": name, "resourceVersion": "1"}})
        self.changes = NodeChanges(tz=UTC)
        self.view = LiveView(io.StringIO(), size=lambda: (160, 50), rate=0)
        self.now = START + timedelta(minutes=10)
        self.wf: Json = {}

    def parts(self, line: str) -> list[tuple[str, Callable[[], object]]]:
        lines: list[str] = []

        def receive() -> None:
            for message in messages([line]):
                event = self.machine.on_result(message.unwrap())
                if event is not None:
                    self.wf = event.workflow

        def get_view() -> None:
            lines[:] = [*header(self.wf, self.now, tz=UTC), "", *node_tree(self.wf, now=self.now)]

        return [
            ("receive", receive),
            ("get view", get_view),
            ("NodeChanges", lambda: self.changes.feed(self.wf, self.now)),
            ("LiveView frame", lambda: self.view.update(lines)),
        ]


PARTS = ("receive", "get view", "NodeChanges", "LiveView frame")


def _bare_decode(line: str) -> object:
    """What the bare interpreter must do to get the nodes: ``json.loads``, plus base64 + gzip +
    ``json.loads`` of ``compressedNodes`` when the nodes come compressed."""
    event = json.loads(line[len("data: ") :])
    packed = event["result"]["object"]["status"].get("compressedNodes")
    return json.loads(gzip.decompress(base64.b64decode(packed))) if packed else event


def reference_ms(lines: list[str]) -> float:
    """Median CPU ms of :func:`_bare_decode` of the same events (the reference run)."""
    times = []
    for line in lines[1:]:
        gc.collect()
        start = time.process_time()
        _bare_decode(line)
        times.append((time.process_time() - start) * 1000.0)
    return statistics.median(times)


def _first(update: Update, line: str) -> None:
    """The first event: the first feed reports every node, so it is not an update."""
    for _label, fn in update.parts(line):
        fn()


def measure(name: str, wfs: list[str]) -> dict[str, float]:
    """Median CPU ms of each part and of the whole update."""
    update = Update(name)
    _first(update, wfs[0])
    times: dict[str, list[float]] = {p: [] for p in (*PARTS, "render", "whole update")}
    for wf in wfs[1:]:
        gc.collect()
        whole = 0.0
        for label, fn in update.parts(wf):
            start = time.process_time()
            fn()
            took = (time.process_time() - start) * 1000.0
            times[label].append(took)
            whole += took
        times["whole update"].append(whole)
        times["render"].append(whole - times["receive"][-1])
    return {k: statistics.median(v) for k, v in times.items()}


def peak_memory(name: str, wfs: list[str]) -> float:
    """Peak MiB allocated by one whole update (after a warm-up update)."""
    update = Update(name)
    _first(update, wfs[0])
    for _label, fn in update.parts(wfs[1]):
        fn()
    gc.collect()
    tracemalloc.start()
    for _label, fn in update.parts(wfs[2]):
        fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (1024 * 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    cases = [
        ("dag", dag_workflow(args.nodes), False),
        ("steps", steps_workflow(args.nodes), False),
        ("dag, compressedNodes", dag_workflow(args.nodes), True),
    ]
    print(
        f"One update of a {args.nodes:,}-node workflow ({CHANGED_PER_UPDATE} nodes changed), "
        f"median CPU ms of {args.updates} updates; Python {sys.version.split()[0]}\n"
    )
    print(
        "| shape | receive | get view | NodeChanges | LiveView frame | render | whole update "
        "| peak MiB "
        "| bare decode | whole / bare decode | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    ok = True
    for label, wf, packed in cases:
        wfs = snapshots(wf, args.updates + 1, packed)
        name = wf["metadata"]["name"]
        ms = measure(name, wfs)
        mib = peak_memory(name, wfs)
        ref = reference_ms(wfs)
        met = ms["render"] <= TARGET_MS
        ok = ok and met
        cells = " | ".join(f"{ms[p]:.1f}" for p in (*PARTS, "render", "whole update"))
        ratio = ms["whole update"] / ref
        print(
            f"| {label} | {cells} | {mib:.1f} | {ref:.1f} | {ratio:.1f}x "
            f"| {'met' if met else 'MISSED'} (<= {TARGET_MS:g}) |"
        )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
