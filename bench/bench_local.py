"""Scheduling overhead of the local runner per node, and its peak memory.

Two workflows of trivial host tasks (``busybox`` running ``true``, so every node is one real
process start through the host backend):

* ``chain``: a DAG of N tasks, each depending on the one before (nothing overlaps: the wall
  time is N process starts plus the runner's work);
* ``fan-out``: 1 -> M -> 1 (one task, M tasks in parallel depending on it, one task after them).

The reference is the same number of bare process starts of ``true`` in the same process
(``asyncio.create_subprocess_exec``, with the same concurrency: one at a time for the chain; the
M middle processes at once for the fan-out). The overhead per node is
``(runner wall - bare wall) / nodes``; the same difference in CPU time (this process and its
children, user + system) is printed beside it, as it moves less than wall time when other work
shares the machine. Peak memory is the process's maximum resident set size
(``ru_maxrss``) after the runs, in MiB, with the bare interpreter's figure beside it.

Targets (issue 5): <= 5 ms per node; <= 200 MiB.

Usage::

    python bench/bench_local.py [--chain 1000] [--fan 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TRUE = shutil.which("true") or "/bin/true"


def _task(name: str, depends: str | None) -> dict[str, Any]:
    task: dict[str, Any] = {"name": name, "template": "noop"}
    if depends:
        task["depends"] = depends
    return task


def _workflow(name: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": tasks}},
                {"name": "noop", "container": {"image": "busybox", "command": ["true"]}},
            ],
        },
    }


def chain(n: int) -> dict[str, Any]:
    """A DAG of ``n`` tasks, each after the one before."""
    return _workflow("chain", [_task(f"t{i}", f"t{i - 1}" if i else None) for i in range(n)])


def fan_out(m: int) -> dict[str, Any]:
    """A DAG 1 -> ``m`` -> 1."""
    middle = [_task(f"m{i}", "first") for i in range(m)]
    last = _task("last", " && ".join(t["name"] for t in middle))
    return _workflow("fan-out", [_task("first", None), *middle, last])


async def _start(count: int) -> None:
    procs = [await asyncio.create_subprocess_exec(TRUE) for _ in range(count)]
    for proc in procs:
        await proc.wait()


async def bare(sequence: list[int]) -> float:
    """Wall seconds to start and reap processes in groups (each group all at once)."""
    start = time.perf_counter()
    for count in sequence:
        await _start(count)
    return time.perf_counter() - start


def cpu() -> float:
    """CPU seconds used so far by this process and its reaped children (user + system)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(workflow: dict[str, Any]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one run through the engine, and its phase."""
    from tiphys.local.engine import LocalRun, RunOptions

    with tempfile.TemporaryDirectory(prefix="tiphys-bench-") as tmp:
        local = LocalRun(workflow, RunOptions(run_dir=Path(tmp), backend="host"))
        start, start_cpu = time.perf_counter(), cpu()
        final = asyncio.run(local.execute())
        return time.perf_counter() - start, cpu() - start_cpu, final["status"]["phase"]


def bare_run(sequence: list[int]) -> tuple[float, float]:
    """Wall and CPU seconds of :func:`bare`."""
    start_cpu = cpu()
    wall = asyncio.run(bare(sequence))
    return wall, cpu() - start_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=1000, help="tasks in the chain (1000)")
    parser.add_argument("--fan", type=int, default=500, help="parallel tasks in the fan-out (500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each shape (3)")
    args = parser.parse_args()
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shapes = [
        ("chain", chain(args.chain), [1] * args.chain),
        ("fan-out", fan_out(args.fan), [1, args.fan, 1]),
    ]
    print(f"python {sys.version.split()[0]}; median of {args.repeat} runs; seconds")
    print(
        f"{'shape':8} {'nodes':>6} {'runner':>8} {'bare':>8} {'overhead/node ms':>17}"
        f" {'runner CPU':>11} {'bare CPU':>9} {'CPU overhead/node ms':>21}"
    )
    for name, workflow, sequence in shapes:
        walls, cpus, bare_walls, bare_cpus = [], [], [], []
        for _ in range(args.repeat):
            seconds, used, phase = run(workflow)
            if phase != "Succeeded":
                print(f"{name}: the run ended {phase}", file=sys.stderr)
                return 1
            walls.append(seconds)
            cpus.append(used)
            bare_wall, bare_cpu = bare_run(sequence)
            bare_walls.append(bare_wall)
            bare_cpus.append(bare_cpu)
        nodes = sum(sequence)
        wall, reference = statistics.median(walls), statistics.median(bare_walls)
        used, reference_cpu = statistics.median(cpus), statistics.median(bare_cpus)
        print(
            f"{name:8} {nodes:6d} {wall:8.2f} {reference:8.2f}"
            f" {(wall - reference) / nodes * 1000:17.2f}"
            f" {used:11.2f} {reference_cpu:9.2f} {(used - reference_cpu) / nodes * 1000:21.2f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.1f} MiB (interpreter with tiphys imported: {baseline_rss:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
