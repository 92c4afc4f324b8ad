"""The README's tour stays true: its code compiles to what it shows, its lint line is exact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _block(pattern: str) -> str:
    match = re.search(pattern, README, re.S)
    assert match, f"README section not found: {pattern}"
    return match.group(1)


def _tiphys(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiphys", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tour_compiles_to_the_yaml_shown(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(_block(r"```python\n(# hello\.py\n.*?)```"))
    done = _tiphys("compile", "hello.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = _block(r"\$ tiphys compile hello\.py\n(.*?)```")
    for chunk in shown.split("...\n"):
        assert chunk.strip("\n") in done.stdout, chunk


def test_tour_lint_output_is_exact(tmp_path: Path) -> None:
    source = _block(r"```python\n(# hello\.py\n.*?)```").replace("say(message=", "say(mesage=")
    (tmp_path / "hello.py").write_text(source)
    done = _tiphys("lint", "hello.py", cwd=tmp_path)
    shown = _block(r"\$ tiphys lint hello\.py[^\n]*\n(.*?)```")
    assert done.returncode == 1
    # diagnostics go to stderr and the summary to stdout: compare the lines, not their order
    assert sorted((done.stdout + done.stderr).splitlines()) == sorted(shown.splitlines())


def test_relative_links_point_at_files() -> None:
    root = Path(__file__).resolve().parents[1]
    targets = re.findall(r"\]\((?!https?://)([^)#]+)\)", README)
    assert targets, "the README links to files of the repository"
    assert [t for t in targets if not (root / t).exists()] == []
