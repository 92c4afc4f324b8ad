"""``@dag``/``@steps`` outputs given as Argo text: a returned ``Output(name, expression=...)`` or
``Output(name, parameter="{{...}}")`` and ``Artifact(from_="{{...}}")`` (the forms ``tiphys
convert`` writes for ``valueFrom.expression``/``parameter`` and ``outputs.artifacts[].from``).
Whole manifests compared; each passes the strict schema oracle and the validator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import Artifact, Output, Workflow, container, dag, steps
from tiphys.errors import CompileError, errors_only
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


@container(
    image="alpine:3.20",
    outputs=[Output("msg", path="/tmp/msg"), Artifact("file", path="/tmp/msg")],
)
def produce() -> list[str]:
    return ["sh", "-c", "echo hi > /tmp/msg"]


def test_dag_and_steps_return_outputs_as_text() -> None:
    @dag
    def choose() -> Any:
        produce().named("producer")
        return {
            "result": Output(
                "result",
                expression="tasks.producer.outputs.parameters.msg ?? 'fallback'",
                global_name="chosen",
            ),
            "copy": Artifact(from_="{{tasks.producer.outputs.artifacts.file}}"),
        }

    @steps
    def nested() -> Any:
        produce()
        choose()
        return {
            "out": Output("out", parameter="{{steps.produce.outputs.parameters.msg}}"),
            "file": Artifact(from_="{{steps.produce.outputs.artifacts.file}}"),
        }

    manifest = Workflow("text-outputs", entrypoint=nested).to_dict()
    assert oracle_errors(manifest) == []
    assert [d.format() for d in errors_only(validate_document(manifest))] == []
    assert manifest == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "text-outputs"},
        "spec": {
            "entrypoint": "nested",
            "templates": [
                {
                    "name": "nested",
                    "outputs": {
                        "parameters": [
                            {
                                "name": "out",
                                "valueFrom": {
                                    "parameter": "{{steps.produce.outputs.parameters.msg}}"
                                },
                            }
                        ],
                        "artifacts": [
                            {"name": "file", "from": "{{steps.produce.outputs.artifacts.file}}"}
                        ],
                    },
                    "steps": [
                        [{"name": "produce", "template": "produce"}],
                        [{"name": "choose", "template": "choose"}],
                    ],
                },
                {
                    "name": "produce",
                    "outputs": {
                        "parameters": [{"name": "msg", "valueFrom": {"path": "/tmp/msg"}}],
                        "artifacts": [{"name": "file", "path": "/tmp/msg"}],
                    },
                    "container": {
                        "image": "alpine:3.20",
                        "args": ["sh", "-c", "echo hi > /tmp/msg"],
                    },
                },
                {
                    "name": "choose",
                    "outputs": {
                        "parameters": [
                            {
                                "name": "result",
                                "valueFrom": {
                                    "expression": (
                                        "tasks.producer.outputs.parameters.msg ?? 'fallback'"
                                    )
                                },
                                "globalName": "chosen",
                            }
                        ],
                        "artifacts": [
                            {"name": "copy", "from": "{{tasks.producer.outputs.artifacts.file}}"}
                        ],
                    },
                    "dag": {"tasks": [{"name": "producer", "template": "produce"}]},
                },
            ],
        },
    }


def _error(body: Any) -> str:
    @dag
    def main() -> None:
        body()

    with pytest.raises(CompileError) as info:
        Workflow(entrypoint=main).to_dict()
    return str(info.value)


def test_returned_output_named_differently_from_its_key() -> None:
    @dag  # KEY
    def body() -> Any:
        produce()
        return {"a": Output("b", expression="tasks.produce.outputs.parameters.msg")}

    assert _error(body) == (
        f"{line_of('KEY')}: @dag 'body' returns Output('b') under the key 'a'; the key names "
        "the output: use the same name [C111]"
    )


def test_returned_output_with_a_source_argo_does_not_read_on_a_dag() -> None:
    @steps  # PATH
    def body() -> Any:
        produce()
        return {"a": Output("a", path="/tmp/a")}

    assert _error(body) == (
        f"{line_of('PATH')}: @steps 'body' returns Output('a') with path; Argo reads a "
        "returned value as one reference (valueFrom.parameter): return t.result or t.outputs.x "
        "itself (or Output(name, expression=...) for a value computed when it runs, "
        "Artifact(from_expression=...) for an artifact chosen when it runs) [C111]"
    )
