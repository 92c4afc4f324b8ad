"""Decorated functions keep their signatures for type checkers (``Template[P, R]``).

Runs mypy on ``tests/typing_cases/cases.py`` and compares every ``reveal_type`` and every error
with the expectation written on its line (``# revealed: ...`` / ``# error: ...``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "typing_cases" / "cases.py"
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_revealed_types_and_errors_match_expectations() -> None:
    expected: dict[int, str] = {}
    for number, line in enumerate(CASES.read_text().splitlines(), start=1):
        match = re.search(r"# (revealed|error): (.*)$", line)
        if match:
            kind, text = match.groups()
            expected[number] = f'Revealed type is "{text}"' if kind == "revealed" else text
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--show-error-codes",
            "--hide-error-context",
            "--no-error-summary",
            str(CASES),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    got: dict[int, str] = {}
    for line in done.stdout.splitlines():
        match = re.match(r".*cases\.py:(\d+): (?:note|error): (.*?)(?:  \[[a-z-]+\])?$", line)
        if match and not re.fullmatch(r'"\w+" defined in "[\w.]+"', match.group(2)):
            got[int(match.group(1))] = match.group(2)
    assert got == expected, done.stdout
