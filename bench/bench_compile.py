"""Compile time of large DAGs: tiphys against the bare PyYAML C dumper and against Hera 7.1.0.

Three DAG shapes, each with N tasks of one ``echo`` container template (one ``msg: str`` input):

* ``chain``: t1 -> t2 -> ... -> tN, each task passing the previous task's ``result`` on;
* ``fanout``: one root, N - 2 tasks that each use the root's ``result``, one sink ``.after()``
  all of them (1 -> N -> 1);
* ``lattice``: layers of width ~sqrt(N); a task of layer k+1 uses the ``result`` of two
  neighbouring tasks of layer k in an f-string (``f"{a.result} {b.result}"``).

For each shape and size (1,000 and 10,000 tasks) three things are timed in the same process:

* **tiphys**: define the templates (``@container``, ``@dag`` whose body builds the N tasks in a
  loop), create ``Workflow(...)`` and turn it into YAML. Everything is created afresh for every
  run, so each run pays for the trace, the compile and the YAML emission (the same code as
  ``Workflow.to_yaml()``, with the dict -> text step timed separately);
* **bare dumper**: ``yaml.dump(manifest, Dumper=yaml.CSafeDumper, sort_keys=False)`` of the
  very manifest dict tiphys produced: the floor that any YAML output of that manifest pays;
* **Hera**: the equivalent DAG with ``hera.workflows`` (``Container``, ``DAG``, ``Task``,
  dependencies with ``>>``) and ``Workflow.to_yaml()``. Before timing, the tiphys and Hera
  manifests of a small DAG of each shape are checked to hold the same tasks, dependencies and
  arguments.

Times are the median of a few runs (fewer for the 10,000-task cases; one only when a run takes
longer than ``--slow`` seconds). The cyclic garbage collector is left on, as in a user's
program, and a full collection runs before each timed run.

Targets (for the 10,000-task fan-out): at most 1.0 s in all, at most 1.5x the bare C dumper on
the same manifest, and linear cost (10k time / 1k time <= 12; shown for every shape).

Not a test: run it by hand and record the figures in ``bench/RESULTS.md``::

    python bench/bench_compile.py                  # everything (Hera 10k fan-out: ~30 s)
    python bench/bench_compile.py --quick          # fewer runs, no Hera at 10k (~1 min)
    python bench/bench_compile.py --skip-hera-10k  # full runs, Hera at 1k only
    python bench/bench_compile.py --no-hera --shapes fanout --sizes 10000
    python bench/bench_compile.py --profile        # + cProfile of the 10k fan-out (tiphys)
    python bench/bench_compile.py --check          # exit 1 when a target is missed
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import tiphys
from tiphys import Workflow, container, dag
from tiphys.compile.yaml_out import to_yaml

SHAPES = ("chain", "fanout", "lattice")
SIZES = (1_000, 10_000)
IMAGE = "alpine:3.20"

TARGET_SECONDS = 1.0  # 10k fan-out, end to end
TARGET_VS_DUMPER = 1.5  # tiphys / bare C dumper, 10k fan-out
TARGET_LINEARITY = 12.0  # 10k time / 1k time


# -- the DAGs ----------------------------------------------------------------------------------
def lattice_width(n: int) -> int:
    """Width of the lattice layers for ``n`` tasks (the last layer may be shorter)."""
    return max(2, round(math.sqrt(n)))


def task_name(i: int) -> str:
    """Name tiphys gives the i-th (0-based) unnamed task of template ``echo``."""
    return "echo" if i == 0 else f"echo-{i + 1}"


def tiphys_workflow(shape: str, n: int) -> Workflow:
    """Define fresh templates and a ``Workflow`` running an ``n``-task DAG of ``shape``.

    Nothing is shared between calls, so compiling the result pays for the whole trace.
    """

    @container(image=IMAGE, command=["echo"])
    def echo(msg: str) -> list[str]:
        return [msg]

    if shape == "chain":

        @dag(name=shape)
        def body(msg: str = "hi") -> None:
            prev = echo(msg=msg)
            for _ in range(n - 1):
                prev = echo(msg=prev.result)

    elif shape == "fanout":

        @dag(name=shape)
        def body(msg: str = "hi") -> None:
            root = echo(msg=msg)
            middle = [echo(msg=root.result) for _ in range(n - 2)]
            echo(msg="done").after(*middle)

    elif shape == "lattice":
        width = lattice_width(n)

        @dag(name=shape)
        def body(msg: str = "hi") -> None:
            prev = [echo(msg=msg) for _ in range(width)]
            made = width
            while made < n:
                layer = []
                for i in range(min(width, n - made)):
                    a, b = prev[i % len(prev)], prev[(i + 1) % len(prev)]
                    layer.append(echo(msg=f"{a.result} {b.result}"))
                made += len(layer)
                prev = layer

    else:
        raise ValueError(shape)
    return Workflow(shape, entrypoint=body)


def hera_workflow(shape: str, n: int) -> Any:
    """Build the same DAG with Hera 7.1.0 (same task names, dependencies and arguments)."""
    from hera.workflows import DAG, Container, Parameter, Task
    from hera.workflows import Workflow as HeraWorkflow

    def result(task: Any) -> str:
        return f"{{{{tasks.{task.name}.outputs.result}}}}"

    with HeraWorkflow(name=shape, entrypoint=shape, arguments={"msg": "hi"}) as w:
        echo = Container(
            name="echo",
            image=IMAGE,
            command=["echo"],
            args=["{{inputs.parameters.msg}}"],
            inputs=[Parameter(name="msg")],
        )
        with DAG(name=shape, inputs=[Parameter(name="msg", default="hi")]):
            count = 0

            def task(msg: str) -> Any:
                nonlocal count
                count += 1
                name = task_name(count - 1)
                return Task(name=name, template=echo, arguments={"msg": msg})

            first = "{{inputs.parameters.msg}}"
            if shape == "chain":
                prev = task(first)
                for _ in range(n - 1):
                    nxt = task(result(prev))
                    prev >> nxt
                    prev = nxt
            elif shape == "fanout":
                root = task(first)
                middle = [task(result(root)) for _ in range(n - 2)]
                root >> middle
                middle >> task("done")  # Task.__rrshift__
            elif shape == "lattice":
                width = lattice_width(n)
                prev_layer = [task(first) for _ in range(width)]
                made = width
                while made < n:
                    layer = []
                    for i in range(min(width, n - made)):
                        a = prev_layer[i % len(prev_layer)]
                        b = prev_layer[(i + 1) % len(prev_layer)]
                        t = task(f"{result(a)} {result(b)}")
                        [a, b] >> t  # Task.__rrshift__
                        layer.append(t)
                    made += len(layer)
                    prev_layer = layer
            else:
                raise ValueError(shape)
    return w


def _dag_tasks(manifest: dict[str, Any], shape: str) -> list[tuple[Any, ...]]:
    """The DAG's tasks as comparable tuples (dependency order does not matter)."""
    (template,) = [t for t in manifest["spec"]["templates"] if t["name"] == shape]
    out = []
    for t in template["dag"]["tasks"]:
        depends = frozenset(t["depends"].split(" && ")) if t.get("depends") else frozenset()
        params = tuple((p["name"], p["value"]) for p in t["arguments"]["parameters"])
        out.append((t["name"], t["template"], depends, params))
    return out


def check_equivalent(shape: str, n: int = 50) -> None:
    """Check that tiphys and Hera build the same DAG for ``shape`` (raises if not)."""
    ours = _dag_tasks(tiphys_workflow(shape, n).to_dict(), shape)
    theirs = _dag_tasks(hera_workflow(shape, n).to_dict(), shape)
    if ours != theirs:
        diff = next(f"{a} != {b}" for a, b in zip(ours, theirs, strict=False) if a != b)
        raise SystemExit(f"tiphys and Hera DAGs differ for {shape} ({n} tasks): {diff}")
    if len(ours) != n:
        raise SystemExit(f"{shape}: expected {n} tasks, got {len(ours)}")


# -- timing ----------------------------------------------------------------------------------
CLOCKS = ("wall", "cpu")
Times = dict[str, tuple[float, float]]  # what -> (wall seconds, CPU seconds of this process)


@dataclass
class Row:
    """Figures of one shape and size: every run's (wall, CPU) seconds, by what was timed.

    ``tiphys`` is end to end; ``compile`` (trace + compile to a dict) and ``emit`` (dict -> YAML
    text) are its two parts; ``dumper`` is the bare C dumper, ``dumper_nogc`` the same with the
    cyclic GC paused (as tiphys' ``to_yaml`` does); ``hera`` is Hera end to end.
    """

    shape: str
    n: int
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    yaml_bytes: int = 0

    def add(self, times: Times) -> None:
        """Record one run."""
        for what, pair in times.items():
            self.samples.setdefault(what, []).append(pair)

    def median(self, what: str, clock: str) -> float | None:
        """Median seconds of ``what`` on ``clock`` (``None`` when not timed)."""
        pairs = self.samples.get(what)
        if not pairs:
            return None
        return statistics.median(p[CLOCKS.index(clock)] for p in pairs)

    def runs(self, what: str) -> int:
        """Number of runs of ``what``."""
        return len(self.samples.get(what, []))


class Stopwatch:
    """Wall and CPU time since creation (or the last :meth:`lap`)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        """Return (wall, CPU) seconds since the last lap and start a new one."""
        wall, cpu = time.perf_counter(), time.process_time()
        out = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return out


def time_tiphys(shape: str, n: int) -> tuple[Times, dict[str, Any], str]:
    """One end-to-end tiphys run: times, and the manifest and text it produced."""
    watch = Stopwatch()
    wf = tiphys_workflow(shape, n)
    manifest = wf.to_dict()  # trace + compile: what Workflow.to_yaml() calls first ...
    compiled = watch.lap()
    text = to_yaml(manifest)  # ... and then this
    emitted = watch.lap()
    total = (compiled[0] + emitted[0], compiled[1] + emitted[1])
    return {"tiphys": total, "compile": compiled, "emit": emitted}, manifest, text


def time_dumper(manifest: dict[str, Any], pause_gc: bool = False) -> Times:
    """One run of the bare C dumper on ``manifest`` (optionally with the cyclic GC paused)."""
    if pause_gc:
        gc.disable()
    try:
        watch = Stopwatch()
        yaml.dump(manifest, Dumper=yaml.CSafeDumper, sort_keys=False)
        return {"dumper_nogc" if pause_gc else "dumper": watch.lap()}
    finally:
        gc.enable()


def time_hera(shape: str, n: int) -> Times:
    """One Hera run: build the workflow and ``to_yaml()``."""
    watch = Stopwatch()
    hera_workflow(shape, n).to_yaml()
    return {"hera": watch.lap()}


def _repeat(row: Row, fn: Callable[[], Times], runs: int, slow: float) -> None:
    """Time ``fn`` up to ``runs`` times (once only if the first run takes over ``slow`` s)."""
    for i in range(runs):
        gc.collect()
        times = fn()
        row.add(times)
        if i == 0 and max(wall for wall, _ in times.values()) > slow:
            break


def measure(shape: str, n: int, args: argparse.Namespace) -> Row:
    """Time tiphys, the bare dumper and (unless skipped) Hera on one case."""
    big = n >= 10_000
    runs = (1 if args.quick else 3) if big else (3 if args.quick else 5)
    row = Row(shape, n)
    last: list[Any] = []

    def tiphys_run() -> Times:
        times, manifest, text = time_tiphys(shape, n)
        last[:] = [manifest, text]
        return times

    _repeat(row, tiphys_run, runs, args.slow)
    manifest, text = last
    row.yaml_bytes = len(text.encode())
    del last[:]
    _repeat(row, lambda: time_dumper(manifest), runs, args.slow)
    _repeat(row, lambda: time_dumper(manifest, pause_gc=True), runs, args.slow)
    if not (args.no_hera or (big and (args.quick or args.skip_hera_10k))):
        hera_runs = 1 if big or args.quick else 3
        _repeat(row, lambda: time_hera(shape, n), hera_runs, args.slow)
    return row


# -- report ----------------------------------------------------------------------------------
def _fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f}"


def _ratio(a: float | None, b: float | None, digits: int = 2, unit: str = "x") -> str:
    return "-" if a is None or b is None else f"{a / b:.{digits}f}{unit}"


def print_table(rows: list[Row], clock: str) -> None:
    """Print the figures of one clock as a Markdown table."""
    by_case = {(r.shape, r.n): r for r in rows}
    print(
        "| shape | tasks | tiphys s | compile s | emit s | bare dumper s | dumper, GC off s "
        "| tiphys/dumper | vs n/10 | Hera s | Hera/tiphys | YAML KiB | runs t/d/h |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        m = {what: r.median(what, clock) for what in r.samples}
        small = by_case.get((r.shape, r.n // 10))
        linear = _ratio(m["tiphys"], small.median("tiphys", clock), 1, "") if small else ""
        runs = "/".join(str(r.runs(what)) for what in ("tiphys", "dumper", "hera"))
        print(
            f"| {r.shape} | {r.n:,} | {_fmt(m['tiphys'])} | {_fmt(m['compile'])} "
            f"| {_fmt(m['emit'])} | {_fmt(m['dumper'])} | {_fmt(m['dumper_nogc'])} "
            f"| {_ratio(m['tiphys'], m['dumper'])} | {linear} | {_fmt(m.get('hera'))} "
            f"| {_ratio(m.get('hera'), m['tiphys'], 1)} | {r.yaml_bytes / 1024:,.0f} | {runs} |"
        )


def check_targets(rows: list[Row], clock: str) -> bool:
    """Print the verdict on each target for one clock; return whether all are met."""
    by_case = {(r.shape, r.n): r for r in rows}
    checks: list[tuple[str, float, float]] = []
    fan = by_case.get(("fanout", 10_000))
    if fan is not None:
        total, dumper = fan.median("tiphys", clock), fan.median("dumper", clock)
        assert total is not None and dumper is not None
        checks.append(("10k fan-out, end to end (s)", total, TARGET_SECONDS))
        checks.append(("10k fan-out, tiphys / bare dumper", total / dumper, TARGET_VS_DUMPER))
    for shape in SHAPES:
        big, small = by_case.get((shape, 10_000)), by_case.get((shape, 1_000))
        if big and small:
            ratio = big.median("tiphys", clock) / small.median("tiphys", clock)  # type: ignore[operator]
            checks.append((f"{shape} 10k/1k", ratio, TARGET_LINEARITY))
    ok = True
    for label, value, limit in checks:
        met = value <= limit
        ok &= met
        print(f"- {label}: {value:.2f} (target <= {limit:g}): {'met' if met else 'MISSED'}")
    return ok


def profile(shape: str, n: int, top: int) -> None:
    """cProfile one end-to-end tiphys run; print the top functions by cumulative/total time."""
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    tiphys_workflow(shape, n).to_yaml()
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(key).print_stats(top)
        print(f"\n### cProfile, {shape} {n:,} tasks, top {top} by {key}\n")
        print("```")
        text = out.getvalue()
        print(text[text.find("   ncalls") :].rstrip())
        print("```")


def _git_revision() -> str:
    """``git describe --always --dirty`` of the checkout (``?`` outside a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return out.stdout.strip()


def main() -> int:
    """Run the benchmark and print the results.

    Returns:
        0, or 1 with ``--check`` when a target is missed.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs; no Hera at 10k")
    parser.add_argument("--skip-hera-10k", action="store_true", help="Hera at 1k only")
    parser.add_argument("--no-hera", action="store_true", help="do not time Hera at all")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument("--slow", type=float, default=10.0, help="one run only above this (s)")
    parser.add_argument("--profile", action="store_true", help="cProfile the 10k fan-out")
    parser.add_argument("--top", type=int, default=15, help="functions listed by --profile")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    versions = f"tiphys {tiphys.__version__} ({_git_revision()}), PyYAML {yaml.__version__}"
    if not args.no_hera:
        import hera

        versions += f", hera {hera.__version__}"
        for shape in args.shapes:
            check_equivalent(shape)
    load_before = os.getloadavg()[0]
    rows = []
    for shape in args.shapes:
        for n in sorted(args.sizes):
            rows.append(measure(shape, n, args))
            print(f"  done: {shape} {n:,}", file=sys.stderr)
    load_after = os.getloadavg()[0]

    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.machine()}, {os.cpu_count()} CPU, {versions}; 1-min load average "
        f"{load_before:.1f} before, {load_after:.1f} after; seconds, median of runs"
    )
    if max(load_before, load_after) > (os.cpu_count() or 1) * 0.75:
        print("(busy machine: wall times are inflated, CPU times are the better guide)")
    ok = True
    for clock, title in (("wall", "Wall-clock time"), ("cpu", "CPU time of this process")):
        print(f"\n{title}:\n")
        print_table(rows, clock)
        print()
        ok &= check_targets(rows, clock)
    if args.profile:
        profile("fanout", 10_000, args.top)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
