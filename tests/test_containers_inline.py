"""``inline=True``: templates emitted on the tasks and steps that run them (one level deep)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from expect import compile_error
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import (
    CompileError,
    Retry,
    Workflow,
    WorkflowTemplate,
    container,
    dag,
    http,
    script,
    steps,
)
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def valid(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest, after checking it against the strict schema and tiphys' validation."""
    assert oracle_errors(manifest) == []
    assert validate_document(manifest) == []
    return manifest


@container(image="argoproj/argosay:v2", inline=True)
def say(message: str = "hello") -> list[str]:
    return ["echo", message]


@container(image="alpine:3.20")
def named() -> None:
    return None


@script(inline=True)
def double(n: int) -> int:
    return n * 2


def test_dag_with_an_inline_container_like_upstream() -> None:
    @container(image="argoproj/argosay:v2", inline=True)
    def a() -> None:
        return None

    @dag
    def main() -> None:
        a()

    manifest = valid(Workflow(entrypoint=main, generate_name="dag-inline-").to_dict())
    assert manifest == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "dag-inline-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {"name": "a", "inline": {"container": {"image": "argoproj/argosay:v2"}}}
                        ]
                    },
                }
            ],
        },
    }


def test_steps_inline_with_arguments_retry_and_a_named_neighbour() -> None:
    @steps
    def main(word: str = "hi") -> None:
        say(message=word).retry(2)
        named()

    manifest = valid(Workflow(entrypoint=main, retry=Retry(1)).to_dict())
    assert yaml.safe_dump(manifest["spec"]["templates"], sort_keys=False) == (
        """\
- name: main
  inputs:
    parameters:
    - name: word
      default: hi
  steps:
  - - name: say
      inline:
        inputs:
          parameters:
          - name: message
            default: hello
        container:
          image: argoproj/argosay:v2
          args:
          - echo
          - '{{inputs.parameters.message}}'
        retryStrategy:
          limit: 2
      arguments:
        parameters:
        - name: message
          value: '{{inputs.parameters.word}}'
  - - name: named
      template: named
- name: named
  container:
    image: alpine:3.20
  retryStrategy:
    limit: 1
"""
    )


def test_inline_leaf_takes_the_workflow_default_retry_and_is_repeated_per_use() -> None:
    @dag
    def main() -> None:
        say()
        say(message="again")

    manifest = valid(Workflow(entrypoint=main, retry=3).to_dict())
    tasks = manifest["spec"]["templates"][0]["dag"]["tasks"]
    assert [t["inline"]["retryStrategy"] for t in tasks] == [{"limit": 3}, {"limit": 3}]
    assert tasks[0]["inline"] is not tasks[1]["inline"]
    assert "&id" not in yaml.safe_dump(manifest), "no YAML anchors for repeated bodies"
    assert [t["name"] for t in manifest["spec"]["templates"]] == ["main"]


def test_inline_dag_keeps_the_templates_it_runs_by_name() -> None:
    @dag(inline=True)
    def stage() -> None:
        named()

    @dag
    def main() -> None:
        stage()

    manifest = valid(Workflow(entrypoint=main).to_dict())
    assert manifest["spec"]["templates"] == [
        {
            "name": "main",
            "dag": {
                "tasks": [
                    {
                        "name": "stage",
                        "inline": {"dag": {"tasks": [{"name": "named", "template": "named"}]}},
                    }
                ]
            },
        },
        {"name": "named", "container": {"image": "alpine:3.20"}},
    ]


def test_inline_script_result_is_referenced_through_the_task() -> None:
    @script
    def show(value: int) -> None:
        print(value)

    @dag
    def main() -> None:
        d = double(n=21)
        show(value=d.result)

    manifest = valid(Workflow(entrypoint=main).to_dict())
    tasks = manifest["spec"]["templates"][0]["dag"]["tasks"]
    assert tasks[0]["name"] == "double" and "script" in tasks[0]["inline"]
    assert tasks[1]["depends"] == "double"
    assert tasks[1]["arguments"] == {
        "parameters": [{"name": "value", "value": "{{tasks.double.outputs.result}}"}]
    }
    assert [t["name"] for t in manifest["spec"]["templates"]] == ["main", "show"]


def test_inline_template_named_like_a_regular_one_does_not_collide() -> None:
    @container(image="alpine:3.20", name="named", inline=True)
    def other() -> None:
        return None

    @dag
    def main() -> None:
        named()
        other()

    manifest = valid(Workflow(entrypoint=main).to_dict())
    tasks = manifest["spec"]["templates"][0]["dag"]["tasks"]
    assert [t["name"] for t in tasks] == ["named", "named-2"]
    assert tasks[1]["inline"] == {"container": {"image": "alpine:3.20"}}


# -- errors ----------------------------------------------------------------------------------


def test_inline_inside_inline_is_refused_at_the_inner_call() -> None:
    @dag(inline=True)
    def outer() -> None:
        say()  # C130-nested

    @dag
    def main() -> None:
        outer()

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C130-nested')}: task 'say' runs inline template 'say' inside inline template "
        "'outer', but Argo resolves inline templates one level deep only: drop inline=True from "
        "'say' or from 'outer' [C130]"
    )


def test_inline_template_naming_an_input_of_the_enclosing_template() -> None:
    @dag
    def main(message: str) -> None:
        say(message=message)  # C130-scope

    assert compile_error(Workflow(entrypoint=main, arguments={"message": "hi"})) == (
        f"{line_of('C130-scope')}: task 'say' runs inline template 'say' inside 'main', and "
        "Argo substitutes an inline template's variables in the enclosing template first: "
        "'{{inputs.parameters.message}}' names input parameter 'message', which the enclosing "
        "template has too, so it would be resolved with the inputs of 'main' instead of its own "
        "arguments. Drop inline=True from 'say' [C130]"
    )


def test_inline_expression_reading_inputs_inside_a_template_with_inputs() -> None:
    @http("https://chat.example.com/post", method="POST", inline=True)
    def post(text: str) -> dict[str, str]:
        return {"text": text}

    @dag
    def main(note: str) -> None:
        post(text=note)  # C130-expr

    assert compile_error(Workflow(entrypoint=main, arguments={"note": "hi"})) == (
        f"{line_of('C130-expr')}: task 'post' runs inline template 'post' inside 'main', and "
        "Argo substitutes an inline template's variables in the enclosing template first: the "
        "expression '{{=toJson({'text': inputs.parameters.text })}}' reads inputs, and the "
        "enclosing template has inputs, so it would be resolved with the inputs of 'main' "
        "instead of its own arguments. Drop inline=True from 'post' [C130]"
    )


def test_inline_template_with_other_input_names_is_fine() -> None:
    @dag
    def main(text: str) -> None:
        say(message=text)

    tasks = valid(Workflow(entrypoint=main, arguments={"text": "hi"}).to_dict())["spec"][
        "templates"
    ][0]["dag"]["tasks"]
    assert tasks[0]["inline"]["container"]["args"] == ["echo", "{{inputs.parameters.message}}"]


@pytest.mark.parametrize("role", ["entrypoint", "on_exit", "templates="])
def test_inline_where_a_name_is_needed(role: str) -> None:
    @dag
    def main() -> None:
        named()

    options: dict[str, Any] = {
        "entrypoint": {"entrypoint": say},
        "on_exit": {"entrypoint": main, "on_exit": say},
        "templates=": {"entrypoint": main, "templates": [say]},
    }[role]
    wf = WorkflowTemplate("demo", **options)  # C130-root
    assert compile_error(wf) == (
        f"{line_of('C130-root')}: {role} template 'say' is inline (inline=True), but Argo refers "
        f"to the {role} by name, so it must be in spec.templates: drop inline=True [C130]"
    )


def test_inline_in_template_defaults_is_refused() -> None:
    wf = Workflow(entrypoint=named, template_defaults={"inline": True})  # C130-defaults
    assert compile_error(wf) == (
        f"{line_of('C130-defaults')}: template_defaults cannot set inline: Argo has no such "
        "template field; pass inline=True to the decorators of the templates to inline [C130]"
    )


def test_inline_must_be_a_bool() -> None:
    with pytest.raises(CompileError) as info:

        @container(image="alpine:3.20", inline="yes")  # type: ignore[arg-type]  # C117-inline
        def bad() -> None:
            return None

    assert info.value.diagnostics[0].format() == (
        f"{line_of('C117-inline')}: inline must be True or False, not 'yes' [C117]"
    )
