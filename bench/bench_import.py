"""Start-up cost of ``import tiphys`` and ``tiphys --version`` against a bare interpreter.

Each command runs in a fresh subprocess, many times, interleaved (so that drift of the machine
affects every command alike). The table gives, per command, the median and minimum wall time,
the median CPU time (user + system of the child: steadier than wall time on a busy machine),
and the differences from ``python -c pass``. Not a test: run it by hand and record the figures
in ``bench/RESULTS.md``.

The "authoring imports" case is what a workflow file pays:
``from tiphys import Workflow, container, dag, script`` (``import tiphys`` alone imports public
names on first use, so it costs almost nothing).

Targets: ``import tiphys`` and the authoring imports cost at most 50 ms over a bare
interpreter; ``tiphys --version`` takes at most 150 ms in all. They are judged on the median
CPU time, and on wall time too when the machine is idle (compare the two columns: wall >> CPU
means the machine was busy).

Usage::

    python bench/bench_import.py [--repeat 40] [--hera] [--check]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

IMPORT_TARGET_MS = 50.0
VERSION_TARGET_MS = 150.0


AUTHORING = "from tiphys import Workflow, container, dag, script"


@dataclass
class Case:
    """One command to time."""

    label: str
    argv: list[str]


def _tiphys_command() -> list[str]:
    script = Path(sys.executable).parent / "tiphys"
    if script.exists():
        return [str(script), "--version"]
    found = shutil.which("tiphys")
    if found:
        return [found, "--version"]
    return [sys.executable, "-m", "tiphys", "--version"]


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# Users run with cached bytecode (pip byte-compiles on install; Python writes .pyc on first
# import). This machine sets PYTHONDONTWRITEBYTECODE=1, which would make every run compile every
# module from source: the children run without it, and the warm-up run writes the .pyc files.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time_once(argv: list[str]) -> tuple[float, float]:
    """Run once; return (wall ms, CPU ms)."""
    cpu = _cpu_children()
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=_ENV)
    wall = time.perf_counter() - start
    return wall * 1000.0, (_cpu_children() - cpu) * 1000.0


def main() -> int:
    """Run the benchmark and print the table.

    Returns:
        0, or 1 with ``--check`` when a target is missed.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=40, help="runs per command (default 40)")
    parser.add_argument("--hera", action="store_true", help="also time `import hera.workflows`")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    py = sys.executable
    cases = [
        Case("python -c pass", [py, "-c", "pass"]),
        Case('python -c "import tiphys"', [py, "-c", "import tiphys"]),
        Case("authoring imports", [py, "-c", AUTHORING]),
        Case("tiphys --version", _tiphys_command()),
        Case("python -m tiphys --version", [py, "-m", "tiphys", "--version"]),
    ]
    if args.hera:
        cases.append(Case('python -c "import hera.workflows"', [py, "-c", "import hera.workflows"]))

    for case in cases:  # warm the OS file cache and .pyc files
        _time_once(case.argv)
    wall: dict[str, list[float]] = {case.label: [] for case in cases}
    cpu: dict[str, list[float]] = {case.label: [] for case in cases}
    for _ in range(args.repeat):
        for case in cases:
            w, c = _time_once(case.argv)
            wall[case.label].append(w)
            cpu[case.label].append(c)

    med = statistics.median
    bare_wall = med(wall[cases[0].label])
    bare_cpu = med(cpu[cases[0].label])
    load = os.getloadavg()[0]
    print(
        f"python {sys.version.split()[0]}, {args.repeat} runs each, times in ms, "
        f"load average {load:.2f} on {os.cpu_count()} CPUs\n"
    )
    print(
        f"| {'command':<34} | {'wall med':>8} | {'wall min':>8} | {'wall +bare':>10} "
        f"| {'CPU med':>7} | {'CPU +bare':>9} |"
    )
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 12}|{'-' * 9}|{'-' * 11}|")
    for case in cases:
        w, c = wall[case.label], cpu[case.label]
        print(
            f"| {case.label:<34} | {med(w):8.1f} | {min(w):8.1f} | {med(w) - bare_wall:+10.1f} "
            f"| {med(c):7.1f} | {med(c) - bare_cpu:+9.1f} |"
        )

    import_cpu = med(cpu[cases[1].label]) - bare_cpu
    import_wall = med(wall[cases[1].label]) - bare_wall
    authoring_cpu = med(cpu[cases[2].label]) - bare_cpu
    version_cpu = med(cpu[cases[3].label])
    version_wall = med(wall[cases[3].label])
    ok_import = import_cpu <= IMPORT_TARGET_MS and authoring_cpu <= IMPORT_TARGET_MS
    ok_version = version_cpu <= VERSION_TARGET_MS
    print()
    print(
        f"import tiphys over bare: CPU {import_cpu:.1f} ms, wall {import_wall:.1f} ms "
        f"(target <= {IMPORT_TARGET_MS:.0f})"
    )
    print(
        f"authoring imports over bare: CPU {authoring_cpu:.1f} ms (target <= "
        f"{IMPORT_TARGET_MS:.0f}): " + ("ok" if ok_import else "MISSED")
    )
    print(
        f"tiphys --version: CPU {version_cpu:.1f} ms, wall {version_wall:.1f} ms "
        f"(target <= {VERSION_TARGET_MS:.0f}): " + ("ok" if ok_version else "MISSED")
    )
    return 1 if args.check and not (ok_import and ok_version) else 0


if __name__ == "__main__":
    sys.exit(main())
