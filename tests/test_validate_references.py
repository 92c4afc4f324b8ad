"""Checks of ``{{...}}`` tags (V122-V129), from small YAML manifests; and the tag scanner."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from tiphys.argo.tags import simple_tags
from tiphys.validate import check_semantics

HEAD = """\
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata:
  name: refs
spec:
"""


def lint(spec: str, kind: str = "Workflow") -> list[tuple[str, str, str, str]]:
    """``(code, severity, path, message)`` of every finding in a manifest with this spec."""
    text = HEAD.format(kind=kind) + textwrap.indent(textwrap.dedent(spec), "  ")
    doc = yaml.safe_load(text)
    return [(d.code, d.severity, d.path, d.message) for d in check_semantics(doc)]


# ----------------------------------------------------------------------------------------------
# The scanner.


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("plain", []),
        ("{{inputs.parameters.a}}-{{workflow.name}}", ["inputs.parameters.a", "workflow.name"]),
        ("{{=inputs.parameters.a}} {{ inputs.parameters.b }}", []),  # expression, whitespace
        ("{{inputs.parameters.a }} {{\tx}} {{}}", []),
        ("{{{x}}}", ["{x"]),  # Argo cuts at the first '}}' too
        ("a {{b}} {{unclosed", ["b"]),
        ("echo '{{' && {{item}}", []),  # no nesting: the tag is "' && {{item"
    ],
)
def test_simple_tags(text: str, tags: list[str]) -> None:
    assert simple_tags(text) == tags


# ----------------------------------------------------------------------------------------------
# inputs.* (V122).

LEAF_WITH_INPUTS = """\
entrypoint: main
templates:
- name: main
  inputs:
    parameters: [{name: message, default: hi}]
    artifacts: [{name: data, path: /tmp/data, raw: {data: x}}]
  container:
    image: alpine:3.20
    args: ["{args}"]
"""


@pytest.mark.parametrize(
    "args",
    [
        "{{inputs.parameters.message}} {{inputs.artifacts.data.path}} {{inputs.parameters}}",
        "{{=inputs.parameters.mesage}} {{ inputs.parameters.mesage }}",  # not checked
        "{{outputs.anything}} {{pod.name}} {{retries}} {{node.name}} {{status}}",
    ],
)
def test_known_inputs_and_unchecked_tags(args: str) -> None:
    assert lint(LEAF_WITH_INPUTS.replace("{args}", args)) == []


def test_unknown_input_parameter() -> None:
    assert lint(LEAF_WITH_INPUTS.replace("{args}", "{{inputs.parameters.mesage}}")) == [
        (
            "V122",
            "error",
            "spec.templates[0].container.args[0]",
            "'{{inputs.parameters.mesage}}' names no input parameter of template 'main': "
            "declare it under inputs.parameters or fix the name. Did you mean 'message'?",
        )
    ]


def test_unknown_input_artifact_and_kind() -> None:
    args = "{{inputs.artifacts.x.path}} {{inputs.parameter.message}}"
    assert lint(LEAF_WITH_INPUTS.replace("{args}", args)) == [
        (
            "V122",
            "error",
            "spec.templates[0].container.args[0]",
            "'{{inputs.artifacts.x.path}}' names no input artifact of template 'main': "
            "declare it under inputs.artifacts or fix the name (input artifacts: data)",
        ),
        (
            "V122",
            "error",
            "spec.templates[0].container.args[0]",
            "'{{inputs.parameter.message}}' is not a variable: inputs has only parameters and "
            "artifacts. Did you mean 'parameters'?",
        ),
    ]


def test_inline_templates_have_their_own_inputs() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      inputs: {parameters: [{name: outer, default: x}]}
      dag:
        tasks:
        - name: a
          arguments: {parameters: [{name: p, value: "{{inputs.parameters.outer}}"}]}
          inline:
            inputs: {parameters: [{name: p}]}
            container:
              image: alpine
              args: ["{{inputs.parameters.p}}", "{{inputs.parameters.outer}}"]
    """
    # V159: Argo would resolve the tag with main's input, substituting main first
    assert sorted((c, p) for c, _, p, _ in lint(spec)) == [
        ("V122", "spec.templates[0].dag.tasks[0].inline.container.args[1]"),
        ("V159", "spec.templates[0].dag.tasks[0].inline"),
    ]


# ----------------------------------------------------------------------------------------------
# tasks.* and steps.* (V123-V126).

DAG = """\
entrypoint: main
templates:
- name: main
  dag:
    tasks:
    - name: gen
      template: gen
    - name: use
      template: echo
      depends: {depends}
      arguments: {{parameters: [{{name: msg, value: "{value}"}}]}}
  outputs:
    parameters:
    - name: out
      valueFrom: {{parameter: "{{{{tasks.use.outputs.result}}}}"}}
- name: gen
  script:
    image: python:3.12
    source: print(1)
  outputs:
    parameters: [{{name: count, valueFrom: {{path: /tmp/p}}}}]
    artifacts: [{{name: archive, path: /tmp/a}}]
- name: echo
  inputs: {{parameters: [{{name: msg}}]}}
  container: {{image: alpine, args: ["{{{{inputs.parameters.msg}}}}"]}}
"""
VALUE = "spec.templates[0].dag.tasks[1].arguments.parameters[0].value"


@pytest.mark.parametrize(
    "value",
    [
        "{{tasks.gen.outputs.result}}",
        "{{tasks.gen.outputs.parameters.count}}",
        "{{tasks.gen.outputs.artifacts.archive}}",
        "{{tasks.gen.outputs.parameters}}",
        "{{tasks.gen.status}} {{tasks.gen.id}} {{tasks.gen.exitCode}} {{tasks.gen.startedAt}}",
        "{{tasks.name}}",
    ],
)
def test_task_references_that_resolve(value: str) -> None:
    assert lint(DAG.format(depends='"gen.Succeeded || gen.Failed"', value=value)) == []


def test_ancestors_are_transitive_and_dependencies_count() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      dag:
        tasks:
        - {name: a, template: leaf}
        - {name: b, template: leaf, dependencies: [a]}
        - {name: c, template: leaf, dependencies: [b], when: "{{tasks.a.status}} == Succeeded"}
    - {name: leaf, container: {image: alpine}}
    """
    assert lint(spec) == []


def test_task_that_does_not_depend_on_the_producer() -> None:
    found = lint(DAG.format(depends='""', value="{{tasks.gen.outputs.result}}"))
    assert found == [
        (
            "V125",
            "error",
            VALUE,
            "task 'use' uses '{{tasks.gen.outputs.result}}' but does not depend on 'gen', so it "
            "is not known yet: add it to the depends of task 'use' (depends: \"gen\")",
        )
    ]


def test_unknown_task() -> None:
    assert lint(DAG.format(depends="gen", value="{{tasks.gne.outputs.result}}")) == [
        (
            "V124",
            "error",
            VALUE,
            "'{{tasks.gne.outputs.result}}' names no task of template 'main'. Did you mean 'gen'?",
        )
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "{{tasks.gen.outputs.parameters.cout}}",
            "'{{tasks.gen.outputs.parameters.cout}}': template 'gen' (run by task 'gen') has no "
            "output parameter 'cout'; add it to its outputs.parameters or fix the name. Did you "
            "mean 'count'?",
        ),
        (
            "{{tasks.gen.outputs.artifacts.a}}",
            "'{{tasks.gen.outputs.artifacts.a}}': template 'gen' (run by task 'gen') has no "
            "output artifact 'a'; add it to its outputs.artifacts or fix the name (output "
            "artifacts: archive)",
        ),
        (
            "{{tasks.gen.output.result}}",
            "'{{tasks.gen.output.result}}' is not a variable: 'output.result' is not a field of "
            "a task. Did you mean 'outputs.result'?",
        ),
        (
            "{{tasks.gen}}",
            "'{{tasks.gen}}' is not a variable: '' is not a field of a task (fields: id, ip, "
            "status, exitCode, startedAt, finishedAt, hostNodeName, outputs.result, "
            "outputs.parameters, outputs.parameters.<name>, outputs.artifacts.<name>)",
        ),
    ],
)
def test_outputs_and_fields_that_do_not_exist(value: str, message: str) -> None:
    assert lint(DAG.format(depends="gen", value=value)) == [("V126", "error", VALUE, message)]


def test_outputs_of_template_refs_are_not_checked() -> None:
    spec = DAG.format(depends="gen", value="{{tasks.gen.outputs.parameters.zzz}}").replace(
        "      template: gen\n", "      templateRef: {name: lib, template: gen}\n", 1
    )
    assert lint(spec) == []


def test_a_hook_may_use_its_own_task() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      dag:
        tasks:
        - name: a
          template: leaf
          hooks:
            exit:
              template: report
              arguments: {parameters: [{name: r, value: "{{tasks.a.status}}"}]}
    - {name: leaf, container: {image: alpine}}
    - {name: report, inputs: {parameters: [{name: r}]}, container: {image: alpine}}
    """
    assert lint(spec) == []


STEPS = """\
entrypoint: main
templates:
- name: main
  steps:
  - - {name: flip, template: leaf}
  - - {name: heads, template: leaf, when: "{{steps.flip.outputs.result}} == heads"}
    - {name: tails, template: leaf, when: "{{steps.heads.outputs.result}} == x"}
- {name: leaf, script: {image: alpine, source: echo}}
"""


def test_steps_of_the_same_group_are_not_known_yet() -> None:
    assert lint(STEPS) == [
        (
            "V125",
            "error",
            "spec.templates[0].steps[1][1].when",
            "step 'tails' uses '{{steps.heads.outputs.result}}' but 'heads' runs in the same "
            "step group or a later one, so it is not known yet: move step 'heads' to an earlier "
            "step group",
        )
    ]


def test_node_references_in_the_wrong_template_kind() -> None:
    spec = STEPS.replace("{{steps.heads.outputs.result}}", "{{tasks.flip.outputs.result}}")
    spec = spec.replace("source: echo", "source: 'echo {{steps.flip.id}}'")
    assert lint(spec) == [
        (
            "V123",
            "error",
            "spec.templates[0].steps[1][1].when",
            "'{{tasks.flip.outputs.result}}' is only defined in the tasks of a dag template, and "
            "template 'main' is a steps template: pass the value as an argument instead",
        ),
        (
            "V123",
            "error",
            "spec.templates[1].script.source",
            "'{{steps.flip.id}}' is only defined in the steps of a steps template, and template "
            "'leaf' is not one: pass the value as an argument instead",
        ),
    ]


def test_outputs_of_a_steps_template_may_use_every_step() -> None:
    spec = STEPS.replace("{{steps.heads.outputs.result}}", "x") + textwrap.dedent(
        """\
        - name: wrapper
          steps: [[{name: s, template: leaf}]]
          outputs:
            parameters:
            - name: r
              valueFrom: {parameter: "{{steps.s.outputs.result}}"}
        """
    )
    assert lint(spec) == []


# ----------------------------------------------------------------------------------------------
# workflow.* (V127, V128).

GLOBALS = """\
entrypoint: main
arguments:
  parameters: [{name: branch, value: main}]
templates:
- name: main
  container:
    image: alpine
    args: ["{args}"]
    env: [{name: BRANCH, value: "{{workflow.parameters.branch}}"}]
"""


@pytest.mark.parametrize(
    "args",
    [
        "{{workflow.name}} {{workflow.namespace}} {{workflow.uid}} {{workflow.serviceAccountName}}",
        "{{workflow.mainEntrypoint}} {{workflow.priority}} {{workflow.duration}}",
        "{{workflow.creationTimestamp}} {{workflow.creationTimestamp.RFC3339}}",
        "{{workflow.creationTimestamp.Y}} {{workflow.scheduledTime}}",
        "{{workflow.parameters.branch}} {{workflow.parameters.json}} {{workflow.parameters}}",
        "{{workflow.labels.app}} {{workflow.annotations.example.io/owner}} {{workflow.labels}}",
        "{{workflow.outputs.parameters.x}} {{workflow.outputs.artifacts.y}}",
    ],
)
def test_known_workflow_variables(args: str) -> None:
    assert lint(GLOBALS.replace("{args}", args)) == []


def test_undeclared_workflow_parameter() -> None:
    assert lint(GLOBALS.replace("{args}", "{{workflow.parameters.brnach}}")) == [
        (
            "V127",
            "error",
            "spec.templates[0].container.args[0]",
            "'{{workflow.parameters.brnach}}' names no parameter of spec.arguments.parameters: "
            "declare it there or fix the name. Did you mean 'branch'?",
        )
    ]


def test_undeclared_workflow_parameter_of_a_template_is_a_warning() -> None:
    found = lint(GLOBALS.replace("{args}", "{{workflow.parameters.tag}}"), "WorkflowTemplate")
    assert found == [
        (
            "V127",
            "warning",
            "spec.templates[0].container.args[0]",
            "'{{workflow.parameters.tag}}' names no parameter of spec.arguments.parameters, so "
            "it works only if every submitter passes 'tag': declare it there or fix the name "
            "(parameters: branch)",
        )
    ]


def test_workflow_parameters_of_a_workflow_template_ref_are_unknown() -> None:
    spec = """\
    workflowTemplateRef: {name: lib}
    podSpecPatch: '{"containers": [{"name": "main", "args": ["{{workflow.parameters.x}}"]}]}'
    """
    assert lint(spec) == []


def test_unknown_workflow_variable() -> None:
    assert lint(GLOBALS.replace("{args}", "{{workflow.nmae}} {{workflow.foo}}")) == [
        (
            "V128",
            "error",
            "spec.templates[0].container.args[0]",
            "'{{workflow.nmae}}' is not a workflow variable (see Argo's docs/variables.md). "
            "Did you mean 'workflow.name'?",
        ),
        (
            "V128",
            "error",
            "spec.templates[0].container.args[0]",
            "'{{workflow.foo}}' is not a workflow variable (see Argo's docs/variables.md)",
        ),
    ]


# ----------------------------------------------------------------------------------------------
# item (V129).

LOOP = """\
entrypoint: main
templates:
- name: main
  steps:
  - - name: each
      template: echo
      arguments: {parameters: [{name: msg, value: "{{item.name}}"}]}
      withItems: [{name: a}, {name: b}]
    - name: once
      template: echo
      arguments: {parameters: [{name: msg, value: "{{item}}"}]}
- name: echo
  inputs: {parameters: [{name: msg}]}
  container: {image: alpine, args: ["{{inputs.parameters.msg}}", "{{item}}"]}
"""


def test_item_outside_a_loop() -> None:
    assert lint(LOOP) == [
        (
            "V129",
            "error",
            "spec.templates[0].steps[0][1].arguments.parameters[0].value",
            "'{{item}}' is only defined in a task or step with withItems, withParam or "
            "withSequence, and step 'once' has none: pass the item as an argument (value: "
            "'{{item}}') and use an input instead",
        ),
        (
            "V129",
            "error",
            "spec.templates[1].container.args[1]",
            "'{{item}}' is only defined in a task or step with withItems, withParam or "
            "withSequence, not in template 'echo': pass the item as an argument (value: "
            "'{{item}}') and use an input instead",
        ),
    ]


def test_item_in_an_inline_template_of_a_loop() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      dag:
        tasks:
        - name: each
          withParam: '["a", "b"]'
          inline: {container: {image: alpine, args: ["{{item}}"]}}
    """
    assert lint(spec) == []


def test_workflow_metrics_and_template_defaults_are_not_checked() -> None:
    """Their variables depend on where they apply (each template; the workflow's own scope)."""
    spec = """\
    entrypoint: main
    templateDefaults: {container: {args: ["{{inputs.parameters.zzz}}"]}}
    metrics:
      prometheus:
      - {name: m, help: h, counter: {value: "{{workflow.zzz}}"}}
    templates:
    - name: main
      container: {image: alpine}
      metrics:
        prometheus:
        - {name: g, help: h, gauge: {value: "{{status}} {{duration}}"}}
    """
    assert lint(spec) == []


def test_metrics_name_inputs_of_their_template() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      inputs:
        parameters:
        - name: env
          default: prod
      metrics:
        prometheus:
        - name: runs
          help: runs by environment
          labels:
          - key: env
            value: "{{inputs.parameters.envv}} {{status}}"
          counter:
            value: "1"
      container:
        image: alpine
    """
    assert lint(spec) == [
        (
            "V122",
            "error",
            "spec.templates[0].metrics.prometheus[0].labels[0].value",
            "'{{inputs.parameters.envv}}' names no input parameter of template 'main': "
            "declare it under inputs.parameters or fix the name. Did you mean 'env'?",
        )
    ]
