"""``tiphys convert`` writes calls that do something: a ``dag``/``steps`` body is either calls
that compile back to the task list, or (when the list cannot be written as calls) a comment
saying so with the list in ``patch=``. Inputs never shadow what the body reads, the loop item
of a lambda never shadows an input, arguments keep their YAML order. Whole sources compared."""

from __future__ import annotations

import yaml

from tiphys.convert.convert import convert_text, run_source
from tiphys.convert.load import objects_of

HEADER = '"""Converted from t.yaml by tiphys convert."""\n\n'


def converted(text: str, patched: list[str], compiles_to: str | None = None) -> str:
    """The generated source, after checking its patch= report and that it compiles back."""
    conversion = convert_text(text, "t.yaml")
    assert [use.path for use in conversion.report] == patched
    (obj,) = objects_of(run_source(conversion.source, "<test>"))
    assert obj.to_dict() == yaml.safe_load(compiles_to or text)
    assert conversion.source.startswith(HEADER)
    return conversion.source[len(HEADER) :]


def test_inputs_named_like_a_called_template_an_import_or_self_are_renamed() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: w
spec:
  entrypoint: main
  arguments:
    parameters:
    - {name: build, value: b}
    - {name: parallel, value: p}
    - {name: self, value: s}
  templates:
  - name: main
    inputs:
      parameters:
      - {name: build}
      - {name: parallel}
      - {name: self}
    steps:
    - - name: a
        template: build
        arguments:
          parameters:
          - {name: ref, value: '{{inputs.parameters.build}}'}
      - name: b
        template: build
        arguments:
          parameters:
          - {name: ref, value: '{{inputs.parameters.parallel}}-{{inputs.parameters.self}}'}
  - name: build
    inputs:
      parameters:
      - {name: ref}
    container:
      image: alpine
      args: ['{{inputs.parameters.ref}}']
"""
    assert (
        converted(text, [])
        == """\
from typing import Annotated

from tiphys import Input, Param, Workflow, container, parallel, steps


@steps
def main(
    build_2: Annotated[str, Param(name="build")],
    parallel_2: Annotated[str, Param(name="parallel")],
    self_2: Annotated[str, Param(name="self")],
):
    with parallel():
        build(ref=build_2).named("a")
        build(ref=f"{parallel_2}-{self_2}").named("b")


@container(image="alpine")
def build(ref: str):
    return [ref]


w = Workflow(
    name="w",
    entrypoint=main,
    parameters=[Input("build", "b"), Input("parallel", "p"), Input("self", "s")],
)
"""
    )


def test_loop_lambda_avoids_an_input_named_it_and_empty_arguments_are_none() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: w
spec:
  entrypoint: main
  arguments:
    parameters:
    - {name: it, value: x}
  templates:
  - name: main
    inputs:
      parameters:
      - {name: it}
    dag:
      tasks:
      - name: a
        template: echo
        arguments:
          parameters:
          - {name: msg, value: '{{inputs.parameters.it}}-{{item}}'}
        withItems: [x, y]
      - name: b
        template: echo
        arguments: {}
        depends: a
  - name: echo
    inputs:
      parameters:
      - {name: msg, default: m}
    container:
      image: alpine
      args: ['{{inputs.parameters.msg}}']
"""
    compiles_to = text.replace("        arguments: {}\n", "")
    assert compiles_to != text
    assert (
        converted(text, [], compiles_to)
        == """\
from tiphys import Input, Workflow, container, dag


@dag
def main(it: str):
    echo.map(over=["x", "y"], msg=lambda it_2: f"{it}-{it_2}").named("a")
    echo().named("b").after("a")


@container(image="alpine")
def echo(msg: str = "m"):
    return [msg]


w = Workflow(name="w", entrypoint=main, parameters=[Input("it", "x")])
"""
    )


def test_arguments_keep_their_yaml_order() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: w
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: build
        templateRef: {name: ci-lib, template: build}
        arguments:
          parameters:
          - {name: env, value: prod}
          - {name: image-tag, value: v1}
          - {name: class, value: c}
          - {name: zone, value: z}
"""
    assert (
        converted(text, [])
        == """\
from tiphys import Workflow, steps, template_ref

build = template_ref("ci-lib", "build")


@steps
def main():
    build(env="prod", **{"image-tag": "v1", "class": "c"}, zone="z")


w = Workflow(name="w", entrypoint=main)
"""
    )


def test_a_task_list_without_call_form_is_said_in_a_comment_not_written_as_dead_calls() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: w
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: fan
        template: echo
        arguments:
          parameters:
          - name: msg
            value: '{{item.a.b}}'
        withItems:
        - a:
            b: x
  - name: echo
    inputs:
      parameters:
      - name: msg
    container:
      image: alpine
      args:
      - '{{inputs.parameters.msg}}'
"""
    assert (
        converted(text, ["spec.templates[0].steps"])
        == """\
from tiphys import Workflow, container, steps


@steps(
    patch={
        "steps": [
            [
                {
                    "name": "fan",
                    "template": "echo",
                    "arguments": {"parameters": [{"name": "msg", "value": "{{item.a.b}}"}]},
                    "withItems": [{"a": {"b": "x"}}],
                }
            ]
        ]
    }
)
def main():
    # The steps are in patch=: tiphys convert cannot write them as calls (Argo defines
    # {{item}} and {{item.<key>}} only, not item.a.b: pass it['a'] to a dict input and read
    # 'b' there).
    pass


@container(image="alpine")
def echo(msg: str):
    return [msg]


w = Workflow(name="w", entrypoint=main, templates=[echo])
"""
    )


def test_named_only_where_the_dsl_would_name_the_task_otherwise() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: w
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: echo, template: echo}
      - {name: echo-2, template: echo, depends: echo}
      - {name: last, template: echo, depends: echo-2}
      - {name: echo-4, template: echo, depends: last}
  - name: echo
    container: {image: alpine}
    container: {image: alpine}
"""
    assert (
        converted(text, [])
        == """\
from tiphys import Workflow, container, dag


@dag
def main():
    echo()
    echo().after("echo")
    echo().named("last").after("echo-2")
    echo().named("echo-4").after("last")


@container(image="alpine")
def echo():
    pass


w = Workflow(name="w", entrypoint=main)
"""
    )
