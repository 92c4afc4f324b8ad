"""``tiphys lint``: text and JSON reports, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from schema_oracle import shared_argo
from tiphys.cli.app import create_app
from tiphys.cli.lint_cmd import summary
from tiphys.compile.yaml_in import load_documents
from tiphys.errors import Diagnostic, Location, Severity
from tiphys.validate import validate_document

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: alpine:3.20
"""

HERA = """\
from hera.workflows import Container, Workflow

with Workflow(generate_name="hello-", entrypoint="main") as hello:
    Container(name="main", image="alpine:3.20", args=["hello"])
"""

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(create_app(), list(args), input=stdin)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def expected_diagnostics(text: str, file: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for loaded in load_documents(text, file):
        found += validate_document(loaded.doc, file=file, line_of=loaded.line_of)
    return found


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_clean_file(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("lint", "wf.yaml")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "✔ no problems found\n", "")


def test_errors_exit_1_with_one_line_each_and_a_summary(in_tmp: Path) -> None:
    bad = WORKFLOW.replace("entrypoint: main", "entrypoint: mian").replace("image:", "imag:")
    write(in_tmp / "bad.yaml", bad)
    expected = expected_diagnostics(bad, "bad.yaml")
    errors = [d for d in expected if d.severity == "error"]
    assert len(errors) >= 2
    result = run("lint", "bad.yaml")
    assert result.exit_code == 1
    assert result.stdout == "".join(d.format() + "\n" for d in expected) + summary(expected) + "\n"
    assert summary(expected).startswith(f"✖ {len(errors)} errors, ")
    assert summary(expected).endswith(" in 1 file")


def test_warnings_only_exit_0(in_tmp: Path) -> None:
    nameless = WORKFLOW.replace("  generateName: hello-\n", "  labels: {a: b}\n")
    write(in_tmp / "w.yaml", nameless)
    expected = expected_diagnostics(nameless, "w.yaml")
    assert expected and all(d.severity == "warning" for d in expected)
    result = run("lint", "w.yaml")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == f"✖ 0 errors, {len(expected)} warning" + (
        "s in 1 file" if len(expected) > 1 else " in 1 file"
    )


def test_json_output(in_tmp: Path) -> None:
    bad = WORKFLOW.replace("entrypoint: main", "entrypoint: mian")
    write(in_tmp / "bad.yaml", bad)
    expected = expected_diagnostics(bad, "bad.yaml")
    result = run("lint", "-o", "json", "bad.yaml")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "file": "bad.yaml",
            "line": d.location.line,
            "path": d.path,
            "code": d.code,
            "severity": d.severity,
            "message": d.message,
        }
        for d in expected
    ]
    clean = write(in_tmp / "ok.yaml", WORKFLOW)
    result = run("lint", "--output", "json", str(clean))
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_unloadable_files_are_lint_errors_and_the_rest_is_still_checked(in_tmp: Path) -> None:
    write(in_tmp / "d/a.yaml", "kind: Workflow\nspec: [a\n")
    write(in_tmp / "d/b.yaml", WORKFLOW)
    write(in_tmp / "d/c.py", "x = 1\nraise ValueError('bad config')\n")
    result = run("lint", "d")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("d/a.yaml:") and lines[0].endswith("[Y001]")
    assert lines[1:] == [
        "d/c.py:2: importing d/c.py raised ValueError: bad config [S104]",
        "✖ 2 errors, 0 warnings in 2 files",
    ]


def test_missing_path_is_a_usage_error(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("lint", "wf.yaml", "nope/")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "nope/: no such file or directory [S101]\n"


def test_no_workflows_is_a_usage_error(in_tmp: Path) -> None:
    (in_tmp / "empty").mkdir()
    result = run("lint", "empty")
    assert result.exit_code == 2
    assert result.stderr == "tiphys: error: no workflows found in empty\n"


def test_hera_file_and_stdin(in_tmp: Path) -> None:
    write(in_tmp / "flows.py", HERA)
    result = run("lint", "flows.py", "-", stdin=WORKFLOW)
    assert (result.exit_code, result.stdout) == (0, "✔ no problems found\n")


def test_summary_wording() -> None:
    def diag(severity: Severity, file: str) -> Diagnostic:
        return Diagnostic("V1", "m", severity=severity, location=Location(file, 1))

    assert summary([]) == "✔ no problems found"
    assert summary([diag("error", "a")]) == "✖ 1 error, 0 warnings in 1 file"
    assert summary([diag("error", "a"), diag("warning", "b"), diag("error", "b")]) == (
        "✖ 2 errors, 1 warning in 2 files"
    )


def test_subprocess_exit_code(in_tmp: Path) -> None:
    write(in_tmp / "bad.yaml", WORKFLOW.replace("entrypoint: main", "entrypoint: mian"))
    done = subprocess.run(
        [sys.executable, "-m", "tiphys", "lint", "bad.yaml"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert done.stderr == ""
    assert done.stdout.splitlines()[-1].startswith("✖ ")


def test_every_upstream_example_has_no_errors() -> None:
    examples = shared_argo() / "examples"
    result = run("lint", str(examples))
    assert result.exit_code == 0, result.stdout
    last = result.stdout.splitlines()[-1]
    assert last == "✔ no problems found" or last.startswith("✖ 0 errors, "), last
