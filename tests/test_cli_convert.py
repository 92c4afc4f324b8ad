"""``tiphys convert``: through the real command line (typer's runner, and one subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tiphys.cli.app import create_app
from tiphys.convert.convert import run_source
from tiphys.convert.load import objects_of

SMALL_YAML = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: small-
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
    dag:
      tasks:
      - name: hello
        template: print-message
        arguments:
          parameters:
          - name: message
            value: "hello {{inputs.parameters.who}}"
      - name: count
        template: gen
        depends: hello
        arguments:
          parameters:
          - name: max-n
            value: "3"
  - name: print-message
    inputs:
      parameters:
      - name: message
    container:
      image: alpine:3.20
      command: [echo]
      args: ["{{inputs.parameters.message}}"]
      readinessProbe:
        exec:
          command: ["true"]
      tty: true
  - name: gen
    inputs:
      parameters:
      - name: max-n
        default: "5"
    script:
      image: python:3.12
      command: [python]
      source: |
        print(list(range({{inputs.parameters.max-n}})))
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: value
"""

SMALL_PY = '''\
"""Converted from small.yaml by tiphys convert."""

from tiphys import Input, RawDocument, Workflow, container, dag, script


@dag
def main(who: str):
    print_message(message=f"hello {who}").named("hello")
    gen(**{"max-n": "3"}).named("count").after("hello")


@container(
    image="alpine:3.20",
    command=["echo"],
    patch={"container": {"readinessProbe": {"exec": {"command": ["true"]}}, "tty": True}},
)
def print_message(message: str):
    return [message]


gen = script(
    source="print(list(range({{inputs.parameters.max-n}})))\\n",
    name="gen",
    image="python:3.12",
    command=["python"],
    inputs=[Input("max-n", default="5")],
)


small = Workflow(generate_name="small-", entrypoint=main, parameters=[Input("who", "world")])


settings = RawDocument(
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings"},
        "data": {"key": "value"},
    }
)
'''

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(create_app(), list(args), input=stdin)


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    # the project's ruff settings format the output (SMALL_PY is written at 100 columns)
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    return Path("small.yaml")


def test_convert_prints_formatted_python_and_reports_patches(small: Path) -> None:
    pytest.importorskip("ruff")
    result = run("convert", str(small))
    assert result.exit_code == 0, result.output
    assert result.stdout == SMALL_PY
    assert result.stderr == (
        "small.yaml: patch= spec.templates[1].container.readinessProbe\n"
        "small.yaml: patch= spec.templates[1].container.tty\n"
    )


def test_generated_python_compiles_back_to_the_documents(small: Path) -> None:
    import yaml

    result = run("convert", str(small), "-o", "small.py", "--no-report")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == ""
    source = Path("small.py").read_text(encoding="utf-8")
    docs = [o.to_dict() for o in objects_of(run_source(source, "small.py"))]
    original = list(yaml.safe_load_all(SMALL_YAML))
    assert docs[1] == original[1]
    assert docs[0]["spec"]["templates"][2] == original[0]["spec"]["templates"][2]
    assert docs[0]["spec"]["arguments"] == original[0]["spec"]["arguments"]


def test_stdin(small: Path) -> None:
    result = run("convert", "-", "--no-report", stdin=SMALL_YAML)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == '"""Converted from <stdin> by tiphys convert."""'


def test_without_ruff_the_code_is_valid_and_a_note_says_so(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ruff" else real(name, *a)
    )
    result = run("convert", str(small), "--no-report")
    assert result.exit_code == 0, result.output
    assert result.stderr == "tiphys: note: ruff is not installed; the code is not formatted\n"
    assert result.stdout != SMALL_PY
    compile(result.stdout, "small.py", "exec")


def test_invalid_yaml_exits_2_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text("kind: Workflow\nspec: [\n", encoding="utf-8")
    result = run("convert", "bad.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("bad.yaml:3: invalid YAML: ")


def test_invalid_document_is_refused_with_the_validator_diagnostics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = SMALL_YAML.replace(
        "      image: alpine:3.20\n", "      image: alpine:3.20\n      imagee: x\n"
    )
    Path("typo.yaml").write_text(text, encoding="utf-8")
    result = run("convert", "typo.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "typo.yaml:37: unknown field 'imagee' in Container; the Argo Server would silently drop "
        "it. Did you mean 'image'? (at spec.templates[1].container.imagee) [V002]\n"
    )


def test_unreadable_shape_names_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("shape.yaml").write_text("kind: Workflow\nspec:\n  templates: 3\n", encoding="utf-8")
    result = run("convert", "shape.yaml")
    assert result.exit_code == 2
    assert (
        result.stderr == "shape.yaml:3: spec.templates must be a list (at spec.templates) [C164]\n"
    )


def test_missing_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("convert", "nope.yaml")
    assert result.exit_code == 2
    assert result.stderr == "tiphys: error: nope.yaml: no such file\n"


def test_help_mentions_ruff_and_exit_codes() -> None:
    result = run("convert", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "pip install 'tiphys[convert]'" in text
    assert "Exit code: 0 when written, 2 when the input" in text


def test_subprocess(small: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tiphys", "convert", str(small), "-o", "out.py"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert Path("out.py").exists()


def test_compile_of_the_converted_module_gives_the_stream_back(small: Path) -> None:
    import yaml

    assert run("convert", str(small), "-o", "small.py").exit_code == 0
    result = run("compile", "small.py")
    assert result.exit_code == 0, result.output
    assert list(yaml.safe_load_all(result.stdout)) == list(yaml.safe_load_all(SMALL_YAML))
    lint = run("lint", "small.py")
    assert lint.exit_code == 0, lint.output


def test_the_converted_example_is_what_convert_writes() -> None:
    """examples/converted.py is the output of converting its own YAML (docstring aside)."""
    pytest.importorskip("ruff")
    from tiphys.convert.convert import convert_text

    root = Path(__file__).resolve().parents[1] / "examples"
    written = convert_text((root / "converted.yaml").read_text(encoding="utf-8"), "x.yaml")
    assert written.report == []
    body = written.source.split('"""\n', 1)[1]
    assert (root / "converted.py").read_text(encoding="utf-8").split('"""\n', 1)[1] == body


REFS_YAML = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: refs-
spec:
  entrypoint: main
  hooks:
    running:
      expression: workflow.status == "Running"
      templateRef: {name: library, template: notify}
  templates:
  - name: main
    dag:
      tasks:
      - name: build
        templateRef: {name: library, template: build, clusterScope: true}
        arguments:
          parameters: [{name: git-ref, value: main}]
        hooks:
          exit:
            templateRef: {name: library, template: notify}
"""


def test_template_references_in_tasks_and_hooks() -> None:
    import yaml

    from tiphys.convert.convert import convert_text

    pytest.importorskip("ruff")
    written = convert_text(REFS_YAML, "refs.yaml")
    assert written.report == []
    assert (
        written.source
        == '''\
"""Converted from refs.yaml by tiphys convert."""

from tiphys import Hook, Workflow, dag, template_ref

build = template_ref("library", "build", cluster_scope=True)
notify = template_ref("library", "notify")


@dag
def main():
    build(**{"git-ref": "main"}).on_exit(notify)


refs = Workflow(
    generate_name="refs-",
    entrypoint=main,
    hooks={"running": Hook(notify, expression='workflow.status == "Running"')},
)
'''
    )
    [wf] = objects_of(run_source(written.source, "refs.py"))
    assert wf.to_dict() == yaml.safe_load(REFS_YAML)


KUBECTL_GET_YAML = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"argoproj.io/v1alpha1","kind":"WorkflowTemplate","metadata":{"annotations":{},"name":"release","namespace":"argo"},"spec":{"entrypoint":"main"}}
  creationTimestamp: "2026-11-20T10:15:02Z"
  generation: 3
  labels:
    workflows.argoproj.io/creator: system-serviceaccount-argo-argo-server
  managedFields:
  - apiVersion: argoproj.io/v1alpha1
    fieldsType: FieldsV1
    fieldsV1:
      f:spec: {}
    manager: kubectl-client-side-apply
    operation: Update
    time: "2026-11-20T10:15:02Z"
  name: release
  namespace: argo
  resourceVersion: "184467"
  uid: 0b6a4a2e-8a53-4c1e-9a7e-2f0d3c1b9e11
spec:
  arguments: {}
  entrypoint: main
  templates:
  - dag:
      tasks:
      - arguments: {}
        name: build
        template: build
    inputs: {}
    metadata: {}
    name: main
    outputs: {}
  - container:
      args:
      - make
      image: golang:1.22
      name: ""
      resources: {}
    inputs: {}
    metadata: {}
    name: build
    outputs: {}
status: {}
"""


def test_kubectl_get_output_loses_server_fields_with_one_note() -> None:
    pytest.importorskip("ruff")
    result = run("convert", "-", stdin=KUBECTL_GET_YAML)
    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == '''\
"""Converted from <stdin> by tiphys convert."""

from tiphys import WorkflowTemplate, container, dag


@dag
def main():
    build()


@container(image="golang:1.22")
def build():
    return ["make"]


release = WorkflowTemplate(
    labels={"workflows.argoproj.io/creator": "system-serviceaccount-argo-argo-server"},
    name="release",
    namespace="argo",
    entrypoint=main,
)
'''
    )
    assert result.stderr == (
        "<stdin>: note: dropped the fields the API server fills in (a manifest does not set "
        "them): metadata.creationTimestamp, metadata.uid, metadata.resourceVersion, "
        "metadata.generation, metadata.managedFields, "
        "metadata.annotations[kubectl.kubernetes.io/last-applied-configuration], status\n"
    )


def test_the_projects_ruff_settings_format_the_output(tmp_path: Path) -> None:
    pytest.importorskip("ruff")
    project = tmp_path / "project"
    (project / "flows").mkdir(parents=True)
    (project / "ruff.toml").write_text('line-length = 60\n[format]\nquote-style = "single"\n')
    source = project / "w.yaml"
    source.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\n"
        "spec:\n  entrypoint: main\n  templates:\n  - name: main\n"
        "    container: {image: alpine, args: [one-argument, another-argument]}\n"
    )
    want = """\
\"\"\"Converted by tiphys convert.

From {file}
\"\"\"

from tiphys import Workflow, container


@container(image='alpine')
def main():
    return ['one-argument', 'another-argument']


w = Workflow(name='w', entrypoint=main)
"""
    for output, shown in (("-", "stdout"), (str(project / "flows" / "w.py"), "file")):
        result = run("convert", str(source), "-o", output)
        assert result.exit_code == 0, result.output
        text = result.stdout if shown == "stdout" else Path(output).read_text(encoding="utf-8")
        assert text == want.format(file=source), shown


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n---\n"])
def test_a_file_without_documents_exits_2(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("empty.yaml").write_text(text, encoding="utf-8")
    result = run("convert", "empty.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "empty.yaml:1: no documents in empty.yaml: write an Argo manifest (apiVersion, kind, "
        "metadata, spec) [C168]\n"
    )


ODD_NAME = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine}
  - name: NAME
    container: {image: alpine}
"""


@pytest.mark.parametrize(
    ("name", "read_as"), [("123", "the number 123"), ("yes", "the boolean true")]
)
def test_a_template_name_that_is_no_string_says_quote_it(
    name: str, read_as: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("odd.yaml").write_text(ODD_NAME.replace("NAME", name), encoding="utf-8")
    result = run("convert", "odd.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "odd.yaml:9: template name must be a string (quote it); YAML reads this one as "
        f"{read_as} (at spec.templates[1].name) [C164]\n"
    )


def test_an_infinite_value_names_its_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = ODD_NAME.replace(
        "  templates:\n",
        "  arguments:\n    parameters:\n    - {name: x, value: .inf}\n  templates:\n",
    )
    Path("inf.yaml").write_text(text.replace("NAME", "other"), encoding="utf-8")
    result = run("convert", "inf.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "inf.yaml:8: spec.arguments.parameters[0].value is Infinity, which JSON cannot hold; "
        "a manifest is JSON data: quote the value [Y004]\n"
    )
