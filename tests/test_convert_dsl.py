"""The DSL forms that converted YAML needs: raw depends, Input, parameters=, fixed input values,
the raw script form, raw withParam, RawDocument, and tiphys.load."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest

import tiphys
from schema_oracle import oracle_errors
from tiphys import (
    Input,
    Param,
    RawDocument,
    Workflow,
    container,
    dag,
    script,
)
from tiphys.errors import CompileError, ConvertError
from tiphys.validate import validate_document


@container(image="alpine:3.20", command=["echo"])
def echo(message: str = "hi") -> list[str]:
    return [message]


def compiled(wf: Workflow) -> dict[str, Any]:
    doc = wf.to_dict()
    assert oracle_errors(doc) == []
    return doc


def messages(exc: pytest.ExceptionInfo[CompileError]) -> list[str]:
    return [d.message for d in exc.value.diagnostics]


def test_raw_depends_is_verbatim_and_covers_named_tasks_and_their_ancestors() -> None:
    @dag
    def main() -> None:
        echo().named("A")
        echo().named("B").after("A")
        echo().named("C").after("A || B")
        echo(message="{{tasks.A.outputs.result}}").named("D").after("B")
        echo(message="{{tasks.C.outputs.result}}").named("E").after("A || B")

    tasks = compiled(Workflow("w", entrypoint=main))["spec"]["templates"][0]["dag"]["tasks"]
    assert [t.get("depends") for t in tasks] == [None, "A", "A || B", "B", "(A || B) && C"]


def test_raw_depends_errors() -> None:
    with pytest.raises(CompileError) as bad:

        @dag
        def syntax() -> None:
            echo().after("A &&")

        Workflow("w", entrypoint=syntax).to_dict()
    assert bad.value.diagnostics[0].code == "C115"
    assert bad.value.diagnostics[0].message.startswith(".after('A &&'): ")

    @dag
    def unknown() -> None:
        echo().named("A").after("B")

    with pytest.raises(CompileError) as missing:
        Workflow("w", entrypoint=unknown).to_dict()
    assert messages(missing) == [
        "task 'A' depends on 'B' (.after('B')), but template 'unknown' has no task of that name "
        "(tasks: A)"
    ]


def test_parameters_are_the_workflow_arguments_in_order() -> None:
    @dag
    def main() -> None:
        echo(message="{{workflow.parameters.who}}")

    wf = Workflow(
        "w",
        entrypoint=main,
        parameters=[
            Input("who", "world", description="who to greet"),
            Input(
                "level", enum=("a", "b"), value_from={"configMapKeyRef": {"name": "c", "key": "k"}}
            ),
            Input("out", global_name="g"),
        ],
    )
    assert compiled(wf)["spec"]["arguments"] == {
        "parameters": [
            {"name": "who", "value": "world", "description": "who to greet"},
            {
                "name": "level",
                "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}},
                "enum": ["a", "b"],
            },
            {"name": "out", "globalName": "g"},
        ]
    }
    empty = Workflow("w", entrypoint=main, parameters=[])
    assert "arguments" not in compiled(empty)["spec"]
    both = Workflow("w", entrypoint=main, parameters=[], arguments={"x": "1"})
    with pytest.raises(CompileError) as exc:
        both.to_dict()
    assert messages(exc) == ["give parameters= or arguments=, not both"]


def test_input_name_is_checked() -> None:
    with pytest.raises(CompileError) as exc:
        Input("a b")
    assert messages(exc) == [
        "Input name 'a b' does not match [-a-zA-Z0-9_]+ (letters, digits, '-' and '_')"
    ]


def test_fixed_input_values_need_no_argument() -> None:
    @container(image="alpine:3.20")
    def show(
        fixed: Annotated[str, Param(value="v")],
        cm: Annotated[
            str, Param(name="from-cm", value_from={"configMapKeyRef": {"name": "c", "key": "k"}})
        ],
    ) -> list[str]:
        return [fixed, cm]

    @dag
    def main() -> None:
        show()

    templates = compiled(Workflow("w", entrypoint=main))["spec"]["templates"]
    assert templates[1] == {
        "name": "show",
        "inputs": {
            "parameters": [
                {"name": "fixed", "value": "v"},
                {"name": "from-cm", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
            ]
        },
        "container": {
            "image": "alpine:3.20",
            "args": ["{{inputs.parameters.fixed}}", "{{inputs.parameters.from-cm}}"],
        },
    }


def test_raw_script_form() -> None:
    gen = script(
        source="print({{inputs.parameters.max-n}})\n",
        name="gen",
        image="python:3.12",
        command=["python"],
        inputs=[Input("max-n", default="5", enum=("3", "5"))],
        outputs=[tiphys.Output("n", path="/tmp/n")],
        working_dir="/w",
    )

    @dag
    def main() -> None:
        gen(**{"max-n": "3"})
        gen.map(over="{{workflow.parameters.list}}", **{"max-n": "{{item}}"})

    doc = compiled(Workflow("w", entrypoint=main))
    assert doc["spec"]["templates"][1] == {
        "name": "gen",
        "inputs": {"parameters": [{"name": "max-n", "default": "5", "enum": ["3", "5"]}]},
        "outputs": {"parameters": [{"name": "n", "valueFrom": {"path": "/tmp/n"}}]},
        "script": {
            "image": "python:3.12",
            "command": ["python"],
            "source": "print({{inputs.parameters.max-n}})\n",
            "workingDir": "/w",
        },
    }
    assert doc["spec"]["templates"][0]["dag"]["tasks"][1] == {
        "name": "gen-2",
        "template": "gen",
        "arguments": {"parameters": [{"name": "max-n", "value": "{{item}}"}]},
        "withParam": "{{workflow.parameters.list}}",
    }


def test_raw_script_errors() -> None:
    with pytest.raises(CompileError) as no_name:
        script(source="echo", image="alpine")  # type: ignore[call-overload]
    assert messages(no_name) == ["script(source=...) is not a decorator and needs name=..."]
    with pytest.raises(CompileError) as bad_input:
        script(source="echo", name="s", inputs=["x"])  # type: ignore[list-item]
    assert messages(bad_input) == [
        "script(inputs=[...]) takes Input objects and named Artifact objects, not 'x'"
    ]
    with pytest.raises(CompileError) as decorator:
        script(image="alpine", inputs=[Input("x")])  # type: ignore[call-overload]
    assert messages(decorator) == [
        "inputs=, working_dir= and image_pull_policy= belong to the raw "
        "script(source=...) form; a @script function declares inputs in its signature"
    ]


def test_raw_document_is_kept_as_it_is() -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "1"}}
    raw = RawDocument(doc)
    doc["data"]["k"] = "changed"
    assert raw.to_dict() == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"k": "1"},
    }
    assert (
        raw.to_yaml() == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: '1'\n"
    )
    assert repr(raw) == "RawDocument(ConfigMap 'c')"
    with pytest.raises(CompileError) as exc:
        RawDocument(["x"])  # type: ignore[arg-type]
    assert messages(exc) == ["RawDocument takes a dict, not list"]


def test_load_returns_objects_in_document_order(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n"
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: hi-\n"
        "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    container:\n"
        "      image: alpine:3.20\n      args: [hi]\n",
        encoding="utf-8",
    )
    raw, wf = tiphys.load(path)
    assert isinstance(raw, RawDocument)
    assert isinstance(wf, tiphys.Workflow)
    assert wf.to_dict() == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "hi-"},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "alpine:3.20", "args": ["hi"]}}],
        },
    }


def test_load_errors_are_located(tmp_path: Path) -> None:
    with pytest.raises(ConvertError) as missing:
        tiphys.load(tmp_path / "nope.yaml")
    diagnostic = missing.value.diagnostics[0]
    assert diagnostic.code == "C167"
    assert diagnostic.message.startswith(f"cannot read {tmp_path / 'nope.yaml'}: ")


def test_validator_survives_a_null_input_name() -> None:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "w"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [
                            {
                                "name": "s",
                                "template": "t",
                                "arguments": {"artifacts": [{"name": "a", "from": "x"}]},
                            }
                        ]
                    ],
                },
                {
                    "name": "t",
                    "inputs": {"artifacts": [{"name": None, "path": "/p"}]},
                    "container": {"image": "alpine"},
                },
            ],
        },
    }
    codes = [d.code for d in validate_document(doc)]
    assert "V117" in codes


def test_parameters_apply_with_from_template() -> None:
    wf = Workflow(generate_name="run-", from_template="library", parameters=[Input("m", "hi")])
    assert compiled(wf)["spec"] == {
        "workflowTemplateRef": {"name": "library"},
        "arguments": {"parameters": [{"name": "m", "value": "hi"}]},
    }
