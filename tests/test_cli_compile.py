"""``tiphys compile``: in-process through typer's CliRunner, and as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from schema_oracle import shared_argo
from tiphys.cli.app import create_app, main
from tiphys.compile.yaml_in import load_documents
from tiphys.validate import validate_document

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: who
      value: world
  templates:
  - name: main
    inputs:
      parameters:
      - name: who
    container:
      image: alpine:3.20
      args:
      - hello {{inputs.parameters.who}}
"""

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: release
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: tag
    - name: env
      value: staging
  templates:
  - name: main
    inputs:
      parameters:
      - name: tag
      - name: env
    container:
      image: alpine:3.20
      args:
      - '{{inputs.parameters.tag}}'
      - '{{inputs.parameters.env}}'
"""

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
"""

HERA = """\
from hera.workflows import Container, Parameter, Workflow, WorkflowTemplate

with WorkflowTemplate(
    name="greet",
    entrypoint="main",
    arguments=[Parameter(name="who")],
) as greet:
    Container(
        name="main",
        image="alpine:3.20",
        inputs=[Parameter(name="who")],
        args=["hello {{inputs.parameters.who}}"],
    )

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


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIPHYS_DEBUG", raising=False)
    return tmp_path


# --- output --------------------------------------------------------------------------------------


def test_yaml_is_printed_back_as_is(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("compile", "wf.yaml")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == WORKFLOW


def test_json_output(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("compile", "-o", "json", "wf.yaml")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == load_documents(WORKFLOW)[0].doc
    assert result.stdout.startswith('{\n  "apiVersion": "argoproj.io/v1alpha1",\n')
    result = run("compile", "-o", "json", "wf.yaml", "wf.yaml")
    assert [d["kind"] for d in json.loads(result.stdout)] == ["Workflow", "Workflow"]


def test_several_documents_and_skipped_kinds(in_tmp: Path) -> None:
    write(in_tmp / "all.yaml", WORKFLOW + "---\n" + CONFIGMAP + "---\n" + TEMPLATE)
    result = run("compile", "all.yaml")
    assert result.exit_code == 0
    assert result.stdout == WORKFLOW + "---\n" + TEMPLATE
    assert result.stderr == (
        "all.yaml:21: skipped: kind 'ConfigMap' is not an Argo workflow kind "
        "(Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow)\n"
    )


def test_stdin(in_tmp: Path) -> None:
    result = run("compile", "-", stdin=WORKFLOW)
    assert (result.exit_code, result.stdout) == (0, WORKFLOW)


def test_out_dir_writes_one_file_per_manifest(in_tmp: Path) -> None:
    write(in_tmp / "all.yaml", WORKFLOW + "---\n" + TEMPLATE)
    result = run("compile", "all.yaml", "--out", "build/manifests")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "wrote build/manifests/hello.yaml\nwrote build/manifests/release.yaml\n"
    assert (in_tmp / "build/manifests/hello.yaml").read_text() == WORKFLOW
    assert (in_tmp / "build/manifests/release.yaml").read_text() == TEMPLATE
    result = run("compile", "all.yaml", "--out", "j", "-o", "json")
    assert sorted(p.name for p in (in_tmp / "j").iterdir()) == ["hello.json", "release.json"]


def test_out_dir_refuses_two_manifests_with_one_name(in_tmp: Path) -> None:
    write(in_tmp / "twice.yaml", TEMPLATE + "---\n" + TEMPLATE)
    result = run("compile", "twice.yaml", "--out", "build")
    assert result.exit_code == 2
    assert result.stderr == (
        "tiphys: error: two manifests would be written to build/release.yaml "
        "(WorkflowTemplate and WorkflowTemplate named 'release'); write them separately or "
        "rename one\n"
    )
    assert not (in_tmp / "build").exists()


# --- -p ------------------------------------------------------------------------------------------


def test_parameter_on_a_template_prints_the_workflow_to_submit(in_tmp: Path) -> None:
    write(in_tmp / "t.yaml", TEMPLATE)
    result = run("compile", "t.yaml", "-p", "tag=v1.2", "--parameter", "env=prod=eu")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: release-
          labels:
            workflows.argoproj.io/workflow-template: release
        spec:
          workflowTemplateRef:
            name: release
          arguments:
            parameters:
            - name: tag
              value: v1.2
            - name: env
              value: prod=eu
        """
    )


def test_parameter_on_a_workflow_sets_its_value(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("compile", "wf.yaml", "-p", "who=tiphys")
    assert result.exit_code == 0
    assert result.stdout == WORKFLOW.replace("value: world", "value: tiphys")


def test_unknown_and_missing_parameters(in_tmp: Path) -> None:
    write(in_tmp / "t.yaml", TEMPLATE)
    result = run("compile", "t.yaml", "-p", "tga=v1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "t.yaml:8: WorkflowTemplate 'release' has no parameter 'tga' (parameters: tag, env). "
        "Did you mean 'tag'? (at spec.arguments.parameters) [P101]\n"
        "t.yaml:8: WorkflowTemplate 'release' needs a value for parameter 'tag' (it has no "
        "value or default): pass -p tag=VALUE (at spec.arguments.parameters) [P102]\n"
    )


def test_malformed_parameter_is_a_usage_error(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("compile", "wf.yaml", "-p", "who")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        "Invalid value for '-p' / '--parameter': invalid parameter 'who': expected NAME=VALUE"
        in (result.stderr)
    )


# --- errors --------------------------------------------------------------------------------------


def test_missing_path(in_tmp: Path) -> None:
    result = run("compile", "nope.yaml")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "nope.yaml: no such file or directory [S101]\n"


def test_no_workflows_found(in_tmp: Path) -> None:
    write(in_tmp / "cm.yaml", CONFIGMAP)
    result = run("compile", "cm.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "tiphys: error: no workflows found in cm.yaml"


def test_validation_errors_are_printed_at_the_users_line_and_nothing_is_output(
    in_tmp: Path,
) -> None:
    bad = WORKFLOW.replace("    container:\n", "    contianer:\n")
    write(in_tmp / "bad.yaml", bad)
    [loaded] = load_documents(bad, "bad.yaml")
    expected = validate_document(loaded.doc, file="bad.yaml", line_of=loaded.line_of)
    assert any(d.severity == "error" and d.location.line == 16 for d in expected)
    result = run("compile", "bad.yaml")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "".join(d.format() + "\n" for d in expected)


def test_invalid_yaml(in_tmp: Path) -> None:
    write(in_tmp / "broken.yaml", "kind: Workflow\nspec: [a\n")
    result = run("compile", "broken.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("broken.yaml:")
    assert result.stderr.endswith("[Y001]\n")


def test_exception_in_users_python_is_a_located_error(in_tmp: Path) -> None:
    write(in_tmp / "flow.py", "import os\n\nos.environ['NO_SUCH_VARIABLE_FOR_TIPHYS']\n")
    result = run("compile", "flow.py")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "flow.py:3: importing flow.py raised KeyError: 'NO_SUCH_VARIABLE_FOR_TIPHYS' [S104]\n"
    )


def test_unexpected_exception_outside_any_source_is_one_line_and_exit_70(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiphys.compile.yaml_out

    def explode(*args: object, **kwargs: object) -> str:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(tiphys.compile.yaml_out, "to_yaml", explode)
    write(in_tmp / "wf.yaml", WORKFLOW)
    result = run("compile", "wf.yaml")
    assert result.exit_code == 70
    assert result.stderr == (
        "tiphys: internal error: RuntimeError: kaboom. This is a bug in tiphys; please report "
        "it with the command you ran (set TIPHYS_DEBUG=1 to see the traceback).\n"
    )
    monkeypatch.setenv("TIPHYS_DEBUG", "1")
    result = run("compile", "wf.yaml")
    assert isinstance(result.exception, RuntimeError)


def test_unexpected_exception_while_checking_one_source_is_its_error(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiphys.validate

    real = tiphys.validate.validate_document

    def explode_on_bad(doc: dict[str, Any], **kwargs: Any) -> list[object]:
        if doc["metadata"].get("generateName") == "bad-":
            raise KeyError("x")
        return list(real(doc, **kwargs))

    monkeypatch.setattr(tiphys.validate, "validate_document", explode_on_bad)
    write(in_tmp / "ok.yaml", WORKFLOW)
    write(in_tmp / "bad.yaml", "# bad\n" + WORKFLOW.replace("hello-", "bad-"))
    result = run("compile", "ok.yaml", "bad.yaml")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "bad.yaml:2: checking Workflow 'bad-' raised KeyError: 'x'; this may be a bug in "
        "tiphys: please report it (set TIPHYS_DEBUG=1 to see the traceback) [S108]\n"
    )


def test_prints_of_user_code_go_to_stderr(in_tmp: Path) -> None:
    """Users pipe stdout to kubectl: their prints at import or compile time must not land there."""
    write(
        in_tmp / "flows.py",
        """\
        from tiphys.dsl.workflow import WorkflowBase
        from tiphys.errors import Location

        print("importing flows")


        class Printing(WorkflowBase):
            def __init__(self):
                self.kind = "Workflow"
                self.name = "printing"
                self.location = Location()

            def to_dict(self):
                print("compiling", self.name)
                return {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Workflow",
                    "metadata": {"name": self.name},
                    "spec": {"entrypoint": "main", "templates": [{"name": "main", "suspend": {}}]},
                }


        wf = Printing()
        """,
    )
    result = run("compile", "flows.py")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "importing flows\ncompiling printing\n"
    assert [d.doc["metadata"] for d in load_documents(result.stdout)] == [{"name": "printing"}]


def test_parameters_are_applied_before_the_checks(in_tmp: Path) -> None:
    """An entrypoint input missing from spec.arguments (V120) can be given with -p."""
    text = WORKFLOW.replace(
        "  arguments:\n    parameters:\n    - name: who\n      value: world\n", ""
    )
    write(in_tmp / "wf.yaml", text)
    assert run("compile", "wf.yaml").exit_code == 2
    result = run("compile", "wf.yaml", "-p", "who=you")
    assert (result.exit_code, result.stderr) == (0, "")
    [loaded] = load_documents(result.stdout)
    assert loaded.doc["spec"]["arguments"] == {"parameters": [{"name": "who", "value": "you"}]}


# --- Python sources ------------------------------------------------------------------------------


def test_hera_objects(in_tmp: Path) -> None:
    write(in_tmp / "flows.py", HERA)
    result = run("compile", "flows.py:greet", "-p", "who=me")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: greet-
          labels:
            workflows.argoproj.io/workflow-template: greet
        spec:
          workflowTemplateRef:
            name: greet
          arguments:
            parameters:
            - name: who
              value: me
        """
    )
    result = run("compile", "flows.py")
    assert result.exit_code == 0
    assert result.stdout.count("---\n") == 1
    assert "kind: WorkflowTemplate" in result.stdout and "generateName: hello-" in result.stdout


def test_selector_that_matches_nothing(in_tmp: Path) -> None:
    write(in_tmp / "flows.py", HERA)
    result = run("compile", "flows.py:gret")
    assert result.exit_code == 2
    assert result.stderr == (
        "flows.py: no workflow named 'gret' (workflows: greet, hello, hello-). "
        "Did you mean 'greet'? [S103]\n"
    )


# --- the app -------------------------------------------------------------------------------------


def test_help_texts_show_defaults() -> None:
    top = run("--help")
    assert top.exit_code == 0
    assert "compile" in top.stdout and "lint" in top.stdout and "Exit codes" in top.stdout
    for command in ("submit", "watch", "wait", "logs", "cp"):
        assert re.search(rf"\n  {command} +[A-Z]", top.stdout), command
    assert (
        " ".join(top.stdout.split()).count(
            "Exit codes: 0 success; 1 the workflow ended Failed or Error (submit --wait/--watch, "
            "watch, wait, run), or lint found errors; 2 usage or input error (compile: any error; "
            "no ARGO_SERVER configured); 3 the Argo Server refused the request or could not be "
            "reached; 4 a wait timed out (--timeout); 70 a bug in tiphys (TIPHYS_DEBUG=1 shows "
            "the traceback); 130 interrupted (Ctrl-C; a workflow being followed keeps running, "
            "one started by tiphys run is terminated); 141 stdout was closed (| head)."
        )
        == 1
    )
    help_text = run("compile", "--help").stdout
    assert "[default: yaml]" in help_text
    assert "spec.workflowTemplateRef" in help_text
    assert "NAME=VALUE" in help_text


def test_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    assert run("--version").stdout == f"tiphys {version('tiphys')}\n"
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"tiphys {version('tiphys')}\n"


def test_main_returns_exit_codes(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(in_tmp / "wf.yaml", WORKFLOW)
    assert main(["compile", "wf.yaml"]) == 0
    assert capsys.readouterr().out == WORKFLOW
    assert main(["compile", "missing.yaml"]) == 2
    assert main(["compile", "--no-such-option"]) == 2


# --- subprocess ----------------------------------------------------------------------------------


def tiphys_command() -> list[str]:
    script = Path(sys.executable).parent / "tiphys"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tiphys"]


def test_subprocess_compile_template_with_parameters(in_tmp: Path) -> None:
    write(in_tmp / "t.yaml", TEMPLATE)
    env = {k: v for k, v in os.environ.items() if k != "TIPHYS_DEBUG"}
    done = subprocess.run(
        [*tiphys_command(), "compile", "t.yaml", "-p", "tag=v2", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["spec"] == {
        "workflowTemplateRef": {"name": "release"},
        "arguments": {"parameters": [{"name": "tag", "value": "v2"}]},
    }
    done = subprocess.run(
        [sys.executable, "-m", "tiphys", "compile", "t.yaml", "-p", "nope=1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0].startswith("t.yaml:8: WorkflowTemplate 'release' has no")


# --- the upstream examples -----------------------------------------------------------------------


def test_every_upstream_example_compiles() -> None:
    examples = shared_argo() / "examples"
    result = run("compile", str(examples))
    assert result.exit_code == 0, result.stderr
    errors = [line for line in result.stderr.splitlines() if "warning:" not in line]
    assert all(": skipped: " in line for line in errors), errors
    assert result.stdout.startswith("apiVersion: argoproj.io/v1alpha1\n")


def test_upstream_workflow_template_with_parameter() -> None:
    examples = shared_argo() / "examples"
    path = examples / "workflow-template" / "templates.yaml"
    result = run("compile", f"{path}:workflow-template-print-message", "-p", "message=hi")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: workflow-template-print-message-
          labels:
            workflows.argoproj.io/workflow-template: workflow-template-print-message
        spec:
          workflowTemplateRef:
            name: workflow-template-print-message
          arguments:
            parameters:
            - name: message
              value: hi
        """
    )
