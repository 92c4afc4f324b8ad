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
from tiphys.cli._common import sorted_diagnostics
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
    in_order = sorted_diagnostics(expected)
    assert [d.location.line for d in in_order] == sorted(d.location.line for d in expected)
    assert result.stdout == "".join(d.format() + "\n" for d in in_order) + summary(expected) + "\n"
    assert summary(expected).startswith(f"✖ {len(errors)} errors, ")
    assert summary(expected).endswith(" in 1 file")


def test_warnings_only_exit_0(in_tmp: Path) -> None:
    nameless = WORKFLOW.replace("  generateName: hello-\n", "  labels: {a: b}\n")
    write(in_tmp / "w.yaml", nameless)
    expected = expected_diagnostics(nameless, "w.yaml")
    assert expected and all(d.severity == "warning" for d in expected)
    result = run("lint", "w.yaml")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == f"⚠ 0 errors, {len(expected)} warning" + (
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
        for d in sorted_diagnostics(expected)
    ]
    clean = write(in_tmp / "ok.yaml", WORKFLOW)
    result = run("lint", "--output", "json", str(clean))
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_a_huge_scalar_is_not_echoed_whole(in_tmp: Path) -> None:
    lines = [f"user{i}:x:{i}:{i}::/home/user{i}:/bin/sh" for i in range(200)]
    write(in_tmp / "passwd", "\n".join(lines) + "\n")
    result = run("lint", "passwd")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first == (
        "passwd:1: YAML document 1 is the scalar "
        f"'{' '.join(lines)[:100]}...' ({len(' '.join(lines))} characters); a manifest must be "
        "a mapping (apiVersion, kind, metadata, spec) [Y002]"
    )


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


def test_missing_path_is_reported_with_the_rest_and_exits_2(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW.replace("entrypoint: main", "entrypoint: mian"))
    write(in_tmp / "ok.yaml", WORKFLOW)
    result = run("lint", "wf.yaml", "nope/", "ok.yaml")
    assert (result.exit_code, result.stderr) == (2, "")
    assert result.stdout.splitlines() == [
        "nope/: no such file or directory [S101]",
        "wf.yaml:6: entrypoint refers to template 'mian', which is not defined in this "
        "Workflow's templates; define it or fix the name. Did you mean 'main'? (at "
        "spec.entrypoint) [V101]",
        "✖ 2 errors, 0 warnings in 2 files",
    ]
    only_missing = run("lint", "-o", "json", "nope.yaml")
    assert only_missing.exit_code == 2
    assert [d["code"] for d in json.loads(only_missing.stdout)] == ["S101"]


def test_diagnostics_are_sorted_by_file_line_and_path(in_tmp: Path) -> None:
    found = [
        Diagnostic("V1", "m", location=Location("b.yaml", 3), path="spec.templates[10].name"),
        Diagnostic("V2", "m", location=Location("b.yaml", 3), path="spec.templates[2].name"),
        Diagnostic("V3", "m", location=Location("a.yaml", 9), path="spec"),
        Diagnostic("V4", "m", location=Location("b.yaml", 1), path="metadata"),
        Diagnostic("V5", "m", location=Location("b.yaml", 3), path='x["not a path'),
    ]
    assert [d.code for d in sorted_diagnostics(found)] == ["V3", "V4", "V2", "V1", "V5"]


FAKE_DSL = """\
from tiphys.dsl.workflow import WorkflowBase
from tiphys.errors import Location


class Fake(WorkflowBase):
    def __init__(self, name, fail=False):
        self.kind = "Workflow"
        self.name = name
        self.fail = fail
        self.location = Location()

    def to_dict(self):
        print("tracing", self.name)
        if self.fail:
            raise RuntimeError("kaboom")
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": self.name},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "suspend": {}}]},
        }
"""


def test_an_unexpected_exception_is_an_error_of_its_workflow_only(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp / "lint_fake_dsl.py", FAKE_DSL)
    write(
        in_tmp / "flows.py",
        "from lint_fake_dsl import Fake\n\nok = Fake('ok')\nbad = Fake('bad', True)\n",
    )
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("lint", "flows.py", "wf.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "flows.py:4: checking Workflow 'bad' raised RuntimeError: kaboom; this may be a bug in "
        "tiphys: please report it (set TIPHYS_DEBUG=1 to see the traceback) [S108]",
        "✖ 1 error, 0 warnings in 1 file",
    ]
    assert result.stderr == "tracing ok\ntracing bad\n"  # prints go to stderr
    monkeypatch.setenv("TIPHYS_DEBUG", "1")
    assert isinstance(run("lint", "flows.py").exception, RuntimeError)


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
    assert summary([diag("warning", "a")]) == "⚠ 0 errors, 1 warning in 1 file"
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
    assert last == "✔ no problems found" or last.startswith("⚠ 0 errors, "), last
