"""tiphys run: loading, flags and their errors, exit codes, views; run in-process on the host
backend (python scripts run with this interpreter, busybox with this machine's shell)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiphys.cli.app import create_app

HELLO = """\
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
            value: "{{workflow.parameters.who}}"
      script:
        image: python:3.12-alpine
        command: [python]
        source: |
          print("hello, {{inputs.parameters.who}}")
"""


# STAND-IN until tiphys.local.store lands on main (removed then).
@pytest.fixture(autouse=True)
def _stand_in_store(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    try:
        import tiphys.local.store  # noqa: F401
    except ImportError:
        module = types.ModuleType("tiphys.local.store")

        class StoreError(Exception):
            pass

        class LocalStore:
            def __init__(self, secrets=None, configmaps=None):  # type: ignore[no-untyped-def]
                self.docs = []

            @classmethod
            def from_options(cls, **kw):  # type: ignore[no-untyped-def]
                return cls()

            def add_manifest(self, doc):  # type: ignore[no-untyped-def]
                self.docs.append(doc)

        module.StoreError = StoreError  # type: ignore[attr-defined]
        module.LocalStore = LocalStore  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "tiphys.local.store", module)


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        create_app(),
        list(args),
        input=stdin,
        env={"NO_COLOR": "1", "COLUMNS": "120"},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    path = tmp_path / "hello.yaml"
    path.write_text(HELLO)
    return path


def _mock_file(tmp_path: Path, data: object, name: str = "mock.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


# --- input errors: exit 2, nothing runs ----------------------------------------------------------


def test_an_unknown_output_format_is_a_usage_error(hello: Path) -> None:
    assert invoke("run", str(hello), "-o", "wide") == (
        2,
        "",
        "tiphys: error: unknown output format 'wide' (choose name, json or yaml)\n",
    )


def test_log_with_an_output_format_is_refused(hello: Path) -> None:
    assert invoke("run", str(hello), "-o", "json", "--log") == (
        2,
        "",
        "tiphys: error: --log prints to stdout: use it without -o\n",
    )


def test_a_timeout_that_is_not_a_duration(hello: Path) -> None:
    assert invoke("run", str(hello), "--timeout", "soon") == (
        2,
        "",
        "tiphys: error: --timeout 'soon' is not a duration: write e.g. 30s, 5m, 2h, 1h30m or "
        "seconds\n",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "[1]",
            'MOCK must hold a JSON object like {"outputs": {"result": "..."}}',
        ),
        ("{", "MOCK is not JSON: Expecting property name enclosed in double quotes (line 1)"),
        (
            {"phase": "Succeeded", "outputs": {}, "exit": 1},
            "MOCK: unknown key 'exit' (the keys are phase, message, outputs)",
        ),
        ({"phase": "Skipped"}, "MOCK: phase 'Skipped' is not Succeeded, Failed or Error"),
        ({"message": 3}, "MOCK: message must be a string"),
        (
            {"outputs": []},
            'MOCK: outputs must be an object like {"result": "...", "parameters": '
            '{"name": "value"}}',
        ),
    ],
)
def test_a_malformed_mock_file(hello: Path, tmp_path: Path, content: object, message: str) -> None:
    mock = _mock_file(tmp_path, content)
    code, out, err = invoke("run", str(hello), "--mock", f"main={mock}")
    assert (code, out) == (2, "")
    assert err == f"tiphys: error: --mock main: {message.replace('MOCK', str(mock))}\n"


def test_a_mock_without_a_file_and_a_missing_file(hello: Path, tmp_path: Path) -> None:
    assert invoke("run", str(hello), "--mock", "main") == (
        2,
        "",
        "tiphys: error: --mock 'main': write TEMPLATE=FILE, FILE a JSON object of the node's "
        "outputs\n",
    )
    missing = tmp_path / "nope.json"
    assert invoke("run", str(hello), "--mock", f"main={missing}") == (
        2,
        "",
        f"tiphys: error: --mock main: cannot read {missing}: No such file or directory\n",
    )


def test_a_template_mocked_twice(hello: Path, tmp_path: Path) -> None:
    mock = _mock_file(tmp_path, {})
    assert invoke("run", str(hello), "--mock", f"main={mock}", "--mock", f"main={mock}") == (
        2,
        "",
        "tiphys: error: --mock: template 'main' is mocked twice\n",
    )


def test_two_workflows_in_one_file_need_a_selector(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(HELLO.replace("hello-", "one-") + "---\n" + HELLO.replace("hello-", "two-"))
    assert invoke("run", str(path)) == (
        2,
        "",
        f"tiphys: error: {path} holds 2 Workflows (one-, two-): run one, e.g. {path}:NAME\n",
    )


def test_a_file_without_a_workflow(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n")
    code, out, err = invoke("run", str(path))
    assert (code, out) == (2, "")
    assert err == (
        f"{path}:1: skipped: kind 'Service' is not an Argo workflow kind (Workflow, "
        "WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow)\n"
        f"tiphys: error: {path} holds no Workflow: tiphys run takes one Workflow, or one "
        "WorkflowTemplate to run (use --template for templates the workflow refers to)\n"
    )


def test_an_unknown_parameter_is_reported_at_its_file(hello: Path) -> None:
    assert invoke("run", str(hello), "-p", "whom=x") == (
        2,
        "",
        f"{hello}:8: Workflow (generateName 'hello-') has no parameter 'whom' (parameters: "
        "who). Did you mean 'who'? (at spec.arguments.parameters) [P101]\n",
    )


def test_an_unknown_entrypoint(hello: Path) -> None:
    assert invoke("run", str(hello), "--entrypoint", "nope") == (
        2,
        "",
        "tiphys: error: --entrypoint 'nope' is not a template of Workflow 'hello-' (its "
        "templates: main)\n",
    )


def test_template_option_refuses_other_kinds(hello: Path, tmp_path: Path) -> None:
    other = tmp_path / "svc.yaml"
    other.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n")
    assert invoke("run", str(hello), "--template", str(other)) == (
        2,
        "",
        f"tiphys: error: {other}:1: --template loads WorkflowTemplate, ClusterWorkflowTemplate, "
        "ConfigMap and Secret documents, not Service\n",
    )


def test_help_names_every_flag() -> None:
    code, out, _ = invoke("run", "--help")
    assert code == 0
    flags = re.findall(r"(?m)^\s+(?:-\w, )?(--[a-z-]+)", out)
    assert flags == [
        "--parameter",
        "--parameter-file",
        "--entrypoint",
        "--name",
        "--backend",
        "--log",
        "--mock",
        "--secret",
        "--secrets-file",
        "--configmap",
        "--configmap-file",
        "--template",
        "--run-dir",
        "--timeout",
        "--output",
        "--help",
    ]
