"""Semantic checks (V1xx): each one's message and path, exactly; and the ``depends`` parser."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from tiphys.argo.depends import TASK_RESULTS, DependsSyntaxError, evaluate_depends, parse_depends
from tiphys.errors import Location
from tiphys.validate import check_semantics, validate_document

LEAF = {"name": "leaf", "container": {"image": "alpine:3.20"}}


def manifest(kind: str = "Workflow", metadata: Any = None, **spec: Any) -> dict[str, Any]:
    """A valid document of ``kind``; ``spec`` fields are added (``None`` removes one)."""
    body: dict[str, Any] = {"entrypoint": "leaf", "templates": [dict(LEAF)]}
    body.update(spec)
    body = {k: v for k, v in body.items() if v is not None}
    doc: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"generateName": "test-"} if metadata is None else metadata,
        "spec": body,
    }
    if kind == "CronWorkflow":
        doc["spec"] = {"schedules": ["0 1 * * *"], "workflowSpec": body}
    return doc


def dag(*tasks: dict[str, Any]) -> dict[str, Any]:
    """A Workflow whose entrypoint is a DAG of ``tasks`` (each runs ``leaf`` unless told)."""
    tasks_ = [{"template": "leaf", **t} for t in tasks]
    return manifest(entrypoint="main", templates=[{"name": "main", "dag": {"tasks": tasks_}}, LEAF])


def steps(*groups: list[dict[str, Any]]) -> dict[str, Any]:
    groups_ = [[{"template": "leaf", **s} for s in group] for group in groups]
    return manifest(entrypoint="main", templates=[{"name": "main", "steps": groups_}, LEAF])


def found(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(d.code, d.path, d.message) for d in check_semantics(doc) if d.severity == "error"]


@pytest.mark.parametrize(
    "kind", ["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"]
)
def test_valid_documents_have_no_findings(kind: str) -> None:
    assert check_semantics(manifest(kind, metadata={"name": "ok"})) == []


# ----------------------------------------------------------------------------------------------
# Entrypoint and template references.


def test_missing_entrypoint() -> None:
    assert found(manifest(entrypoint=None)) == [
        (
            "V100",
            "spec.entrypoint",
            "the Workflow has no entrypoint: set spec.entrypoint to the template that runs first "
            "(templates: leaf)",
        )
    ]


def test_missing_entrypoint_of_a_cron_workflow() -> None:
    assert [
        (c, p) for c, p, _ in found(manifest("CronWorkflow", {"name": "c"}, entrypoint=None))
    ] == [("V100", "spec.workflowSpec.entrypoint")]


@pytest.mark.parametrize("kind", ["WorkflowTemplate", "ClusterWorkflowTemplate"])
def test_templates_may_omit_the_entrypoint(kind: str) -> None:
    """Argo's validator sets IgnoreEntrypoint for (Cluster)WorkflowTemplates without one."""
    assert found(manifest(kind, {"name": "lib"}, entrypoint=None)) == []


def test_workflow_template_ref_needs_no_entrypoint_nor_templates() -> None:
    doc = manifest(
        entrypoint=None, templates=None, workflowTemplateRef={"name": "lib"}, onExit="elsewhere"
    )
    assert found(doc) == []


def test_workflow_template_ref_with_templates() -> None:
    doc = manifest(workflowTemplateRef={"name": "lib"})
    assert found(doc) == [
        (
            "V112",
            "spec.templates",
            "a workflow that uses workflowTemplateRef cannot define templates: move them into the "
            "referenced WorkflowTemplate or drop workflowTemplateRef",
        )
    ]


@pytest.mark.parametrize(
    ("spec", "path", "role"),
    [
        ({"entrypoint": "lef"}, "spec.entrypoint", "entrypoint"),
        ({"onExit": "lef"}, "spec.onExit", "onExit"),
        ({"hooks": {"exit": {"template": "lef"}}}, "spec.hooks.exit.template", "hook 'exit'"),
    ],
)
def test_undefined_template_in_spec(spec: dict[str, Any], path: str, role: str) -> None:
    assert found(manifest(**spec)) == [
        (
            "V101",
            path,
            f"{role} refers to template 'lef', which is not defined in this Workflow's templates; "
            "define it or fix the name. Did you mean 'leaf'?",
        )
    ]


def test_undefined_template_of_a_task_lists_the_templates() -> None:
    assert found(dag({"name": "a", "template": "zzz"})) == [
        (
            "V101",
            "spec.templates[0].dag.tasks[0].template",
            "task 'a' refers to template 'zzz', which is not defined in this Workflow's templates; "
            "define it or fix the name (templates: leaf, main)",
        )
    ]


def test_undefined_templates_of_steps_hooks_and_on_exit() -> None:
    doc = steps(
        [{"name": "s", "template": "lef", "onExit": "x", "hooks": {"exit": {"template": "y"}}}]
    )
    assert [(c, p) for c, p, _ in found(doc)] == [
        ("V101", "spec.templates[0].steps[0][0].template"),
        ("V101", "spec.templates[0].steps[0][0].onExit"),
        ("V101", "spec.templates[0].steps[0][0].hooks.exit.template"),
    ]


def test_template_ref_and_parameterised_names_are_not_checked() -> None:
    doc = dag(
        {"name": "a", "template": None, "templateRef": {"name": "lib", "template": "x"}},
        {"name": "b", "template": "{{inputs.parameters.which}}"},
    )
    doc["spec"]["templates"][0]["inputs"] = {"parameters": [{"name": "which", "default": "x"}]}
    assert found(doc) == []


def test_inline_templates_are_checked_too() -> None:
    doc = dag(
        {
            "name": "a",
            "template": None,
            "inline": {"steps": [[{"name": "x_y", "template": "nope"}]]},
        }
    )
    assert [(c, p) for c, p, _ in found(doc)] == [
        ("V103", "spec.templates[0].dag.tasks[0].inline.steps[0][0].name"),
        ("V101", "spec.templates[0].dag.tasks[0].inline.steps[0][0].template"),
    ]


def test_hook_without_expression() -> None:
    assert found(manifest(hooks={"running": {"template": "leaf"}})) == [
        (
            "V113",
            "spec.hooks.running",
            "hook 'running' has no expression; only the 'exit' hook runs without one: add "
            "'expression: <condition>' or rename it to 'exit'",
        )
    ]


# ----------------------------------------------------------------------------------------------
# Names.


def test_duplicate_template_names() -> None:
    assert found(manifest(templates=[LEAF, {"name": "x", "suspend": {}}, LEAF])) == [
        (
            "V102",
            "spec.templates[2].name",
            "duplicate template name 'leaf' (also at spec.templates[0]): template names must be "
            "unique; rename one",
        )
    ]


def test_duplicate_task_names() -> None:
    assert found(dag({"name": "a"}, {"name": "a"})) == [
        (
            "V102",
            "spec.templates[0].dag.tasks[1].name",
            "duplicate task name 'a' (also at spec.templates[0].dag.tasks[0]): task names must be "
            "unique; rename one",
        )
    ]


def test_duplicate_step_names_across_groups() -> None:
    assert found(steps([{"name": "a"}, {"name": "b"}], [{"name": "a"}])) == [
        (
            "V102",
            "spec.templates[0].steps[1][0].name",
            "duplicate step name 'a' (also at spec.templates[0].steps[0][0]): step names must be "
            "unique; rename one",
        )
    ]


def test_duplicate_parameter_and_artifact_names() -> None:
    template = {
        **LEAF,
        "inputs": {"parameters": [{"name": "p"}, {"name": "p"}], "artifacts": [{"name": "a"}]},
    }
    doc = manifest(templates=[template], arguments={"artifacts": [{"name": "x"}, {"name": "x"}]})
    assert [(c, p) for c, p, _ in found(doc) if c == "V102"] == [
        ("V102", "spec.arguments.artifacts[1].name"),
        ("V102", "spec.templates[0].inputs.parameters[1].name"),
    ]


_FIELD_RULE = (
    "does not match [a-zA-Z0-9][-a-zA-Z0-9]* (letters, digits and '-', starting with a letter or "
    "digit)"
)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "run_tests",
            f"invalid template name: 'run_tests' {_FIELD_RULE}. Did you mean 'run-tests'?",
        ),
        ("-x", f"invalid template name: '-x' {_FIELD_RULE}. Did you mean 'x'?"),
        ("_", f"invalid template name: '_' {_FIELD_RULE}"),
        (
            "a" * 129,
            f"invalid template name: {'a' * 129!r} is 129 characters long; Argo allows at most "
            "128. "
            f"Did you mean '{'a' * 128}'?",
        ),
    ],
)
def test_invalid_template_names(name: str, message: str) -> None:
    doc = manifest(entrypoint=name, templates=[{**LEAF, "name": name}])
    assert found(doc) == [("V103", "spec.templates[0].name", message)]


def test_names_at_the_limits_are_valid() -> None:
    name = "A1-" + "b" * 125
    assert found(manifest(entrypoint=name, templates=[{**LEAF, "name": name}])) == []


def test_invalid_task_and_step_names() -> None:
    assert [(c, p) for c, p, _ in found(dag({"name": "a.b"}))] == [
        ("V103", "spec.templates[0].dag.tasks[0].name")
    ]
    assert [(c, p) for c, p, _ in found(steps([{"name": "a b"}]))] == [
        ("V103", "spec.templates[0].steps[0][0].name")
    ]


def test_invalid_parameter_name() -> None:
    doc = manifest(
        arguments={
            "parameters": [{"name": "my_param-1", "value": "x"}, {"name": "my.param", "value": "x"}]
        }
    )
    assert found(doc) == [
        (
            "V103",
            "spec.arguments.parameters[1].name",
            "invalid parameter name: 'my.param' does not match [-a-zA-Z0-9_]+ (letters, digits, "
            "'-' and '_'). Did you mean 'my_param'?",
        )
    ]


def test_templates_and_steps_need_a_name() -> None:
    doc = steps([{"template": "leaf"}])
    doc["spec"]["templates"].append({"container": {"image": "x"}})
    assert found(doc) == [
        ("V104", "spec.templates[2]", "this template has no name: add 'name: <template-name>'"),
        ("V104", "spec.templates[0].steps[0][0]", "this step has no name: add 'name: <step-name>'"),
    ]


# ----------------------------------------------------------------------------------------------
# Object names.


_DNS_RULE = (
    "is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting and "
    "ending with a letter or digit"
)


def test_metadata_name_must_be_dns_1123() -> None:
    assert found(manifest(metadata={"name": "My_Workflow"})) == [
        (
            "V109",
            "metadata.name",
            f"invalid metadata.name: 'My_Workflow' {_DNS_RULE}. Did you mean 'my-workflow'?",
        )
    ]
    assert found(manifest(metadata={"name": "-"})) == [
        ("V109", "metadata.name", f"invalid metadata.name: '-' {_DNS_RULE}")
    ]


@pytest.mark.parametrize(
    ("kind", "limit"), [("Workflow", 63), ("WorkflowTemplate", 63), ("CronWorkflow", 52)]
)
def test_metadata_name_length(kind: str, limit: int) -> None:
    assert found(manifest(kind, {"name": "a" * limit})) == []
    assert found(manifest(kind, {"name": "a" * (limit + 1)})) == [
        (
            "V109",
            "metadata.name",
            f"invalid metadata.name: '{'a' * (limit + 1)}' is {limit + 1} characters long; "
            f"a {kind} name is at most {limit}. Did you mean '{'a' * limit}'?",
        )
    ]


def test_generate_name_prefix() -> None:
    assert found(manifest(metadata={"generateName": "release-"})) == []
    assert found(manifest(metadata={"generateName": "Release_"})) == [
        (
            "V110",
            "metadata.generateName",
            f"invalid metadata.generateName: 'Release_' {_DNS_RULE}. Did you mean 'release-'?",
        )
    ]


def test_long_generate_name_is_a_warning() -> None:
    [diagnostic] = check_semantics(manifest(metadata={"generateName": "a" * 59 + "-"}))
    assert (diagnostic.code, diagnostic.severity, diagnostic.message) == (
        "V110",
        "warning",
        "metadata.generateName is 60 characters long; Kubernetes truncates it to 58 before "
        "adding a 5-character suffix",
    )


def test_no_name_is_a_warning_with_a_hint_for_misplaced_labels() -> None:
    [plain] = check_semantics(manifest(metadata={}))
    [misplaced] = check_semantics(manifest(metadata={"labels": {"generateName": "x-"}}))
    assert (plain.code, plain.severity, plain.path) == ("V111", "warning", "metadata")
    assert plain.message == (
        "the Workflow has no name: set metadata.name, or metadata.generateName (a prefix such as "
        "'my-workflow-'), or give one when submitting"
    )
    assert misplaced.message == (
        plain.message + " ('generateName' is indented under metadata.labels: move it up one level)"
    )


# ----------------------------------------------------------------------------------------------
# DAG dependencies.


def test_dangling_depends() -> None:
    assert found(dag({"name": "build"}, {"name": "test", "depends": "biuld.Succeeded"})) == [
        (
            "V105",
            "spec.templates[0].dag.tasks[1].depends",
            "task 'test' depends on 'biuld', which is not a task of this DAG. "
            "Did you mean 'build'?",
        )
    ]


def test_dangling_dependencies_item() -> None:
    assert found(dag({"name": "a"}, {"name": "b", "dependencies": ["a", "zzz"]})) == [
        (
            "V105",
            "spec.templates[0].dag.tasks[1].dependencies[1]",
            "task 'b' depends on 'zzz', which is not a task of this DAG (tasks: a, b)",
        )
    ]


def test_depends_and_dependencies_mixed() -> None:
    doc = dag(
        {"name": "a"},
        {"name": "b", "depends": "a"},
        {"name": "c", "dependencies": ["a"]},
        {"name": "d", "dependencies": ["a"]},
    )
    assert found(doc) == [
        (
            "V106",
            "spec.templates[0].dag.tasks[2].dependencies",
            "this DAG mixes 'depends' and 'dependencies'; Argo allows only one kind per DAG: write "
            "every dependency as 'depends'",
        )
    ]


def test_dependency_cycle() -> None:
    doc = dag(
        {"name": "x", "depends": "a"},
        {"name": "a", "depends": "b.Succeeded"},
        {"name": "b", "depends": "a || x"},
    )
    assert found(doc) == [
        (
            "V107",
            "spec.templates[0].dag.tasks[1].depends",
            "dependency cycle a -> b -> a: these tasks wait for each other forever; remove one of "
            "these dependencies",
        ),
        (
            "V107",
            "spec.templates[0].dag.tasks[0].depends",
            "dependency cycle x -> a -> b -> x: these tasks wait for each other forever; "
            "remove one of these dependencies",
        ),
    ]


def test_self_dependency_with_dependencies_list() -> None:
    assert [
        (c, p, m.split(":")[0]) for c, p, m in found(dag({"name": "a", "dependencies": ["a"]}))
    ] == [("V107", "spec.templates[0].dag.tasks[0].dependencies[0]", "dependency cycle a -> a")]


def test_long_chains_do_not_hit_the_recursion_limit() -> None:
    chain = [{"name": "t0"}] + [{"name": f"t{i}", "depends": f"t{i - 1}"} for i in range(1, 3000)]
    chain[0]["depends"] = "t2999"
    [(code, path, message)] = found(dag(*chain))
    assert (code, path) == ("V107", "spec.templates[0].dag.tasks[0].depends")
    assert message.startswith("dependency cycle t0 -> t2999 -> t2998 -> ")


def test_depends_syntax_error() -> None:
    assert found(dag({"name": "a"}, {"name": "b", "depends": "a &"})) == [
        (
            "V108",
            "spec.templates[0].dag.tasks[1].depends",
            "depends 'a &' is invalid at column 3: unexpected character '&' (Argo's operators are "
            "&&, || and !)",
        )
    ]


def test_task_names_starting_with_a_digit_when_depends_is_used() -> None:
    assert found(dag({"name": "1st"}, {"name": "b"})) == []
    assert found(dag({"name": "1st"}, {"name": "b", "depends": "1st"})) == [
        (
            "V115",
            "spec.templates[0].dag.tasks[0].name",
            "task name '1st' starts with a digit, which Argo rejects in a DAG that uses depends or "
            "dependencies: rename it",
        )
    ]


# ----------------------------------------------------------------------------------------------
# Images.


def test_container_and_script_need_an_image() -> None:
    doc = manifest(templates=[{"name": "leaf", "container": {"command": ["true"]}}])
    assert found(doc) == [
        (
            "V114",
            "spec.templates[0].container",
            "container template has no image: set container.image, or "
            "spec.templateDefaults.container.image for every template",
        )
    ]
    doc["spec"]["templateDefaults"] = {"container": {"image": "alpine:3.20"}}
    assert found(doc) == []


# ----------------------------------------------------------------------------------------------
# The whole: order, locations, robustness.


def test_validate_document_runs_both_and_locates() -> None:
    doc = manifest(entrypoint="lef", parallelism="x")
    lines = {"spec.parallelism": 9, "spec.entrypoint": 5}
    diagnostics = validate_document(doc, file="wf.yaml", line_of=lambda p: lines.get(p, 1))
    assert [(d.code, d.location) for d in diagnostics] == [
        ("V001", Location("wf.yaml", 9)),
        ("V101", Location("wf.yaml", 5)),
    ]


@pytest.mark.parametrize(
    "spec",
    [
        {"templates": "x"},
        {"templates": [1, None]},
        {"templates": [{"name": "leaf", "dag": {"tasks": "x"}}]},
        {"hooks": [1]},
    ],
)
def test_wrongly_typed_fields_do_not_crash(spec: dict[str, Any]) -> None:
    check_semantics(manifest(**spec))


# ----------------------------------------------------------------------------------------------
# The depends parser.


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("a", ["a"]),
        ("a-b.Succeeded", ["a-b"]),
        ("(a.Succeeded || b.Failed) && !c", ["a", "b", "c"]),
        ("a.AnySucceeded || a.AllFailed || b.Daemoned", ["a", "b"]),
        ("!(!(x.Omitted)) && y.Errored || z.Skipped", ["x", "y", "z"]),
        ("  1st  ", ["1st"]),
    ],
)
def test_parse_depends(expression: str, names: list[str]) -> None:
    assert parse_depends(expression) == names


def _results(**phases: str) -> dict[str, dict[str, bool]]:
    """Task results where each task's one true result is the one given (``a="Failed"``)."""
    return {task: {r: r == true for r in TASK_RESULTS} for task, true in phases.items()}


@pytest.mark.parametrize(
    ("expression", "phases", "value"),
    [
        ("a", {"a": "Succeeded"}, True),
        ("a", {"a": "Skipped"}, True),
        ("a", {"a": "Daemoned"}, True),
        ("a", {"a": "Failed"}, False),
        ("a.Failed", {"a": "Failed"}, True),
        ("(a.Succeeded || b.Failed) && !c", {"a": "Failed", "b": "Failed", "c": "Omitted"}, True),
        (
            "(a.Succeeded || b.Failed) && !c",
            {"a": "Failed", "b": "Failed", "c": "Succeeded"},
            False,
        ),
        (
            "a.Succeeded || b.Succeeded && c.Succeeded",
            {"a": "Succeeded", "b": "Failed", "c": "Failed"},
            True,
        ),
        ("!(!(x.Omitted)) && y.Errored", {"x": "Omitted", "y": "Errored"}, True),
    ],
)
def test_evaluate_depends(expression: str, phases: dict[str, str], value: bool) -> None:
    assert evaluate_depends(expression, _results(**phases)) is value


@pytest.mark.parametrize(
    ("expression", "column", "reason"),
    [
        ("", 1, "expected a task name, '!' or '(', found the end of the expression"),
        ("a &&", 5, "expected a task name, '!' or '(', found the end of the expression"),
        ("a b", 3, "expected '&&', '||' or the end, found 'b'"),
        ("(a || b", 8, "expected ')', found the end of the expression"),
        ("a)", 2, "expected '&&', '||' or the end, found ')'"),
        ("a - b", 3, "unexpected character '-' (Argo's operators are &&, || and !)"),
        (
            "a.Succeded",
            3,
            "unknown task result 'Succeded' (one of Succeeded, Failed, Errored, Skipped, Omitted, "
            "Daemoned, AnySucceeded, AllFailed); did you mean 'Succeeded'?",
        ),
    ],
)
def test_depends_syntax_errors(expression: str, column: int, reason: str) -> None:
    with pytest.raises(DependsSyntaxError) as caught:
        parse_depends(expression)
    assert (caught.value.column, caught.value.reason) == (column, reason)
    assert (
        str(caught.value)
        == f"invalid depends expression {expression!r} at column {column}: {reason}"
    )


# ----------------------------------------------------------------------------------------------
# Arguments without a value.


@pytest.mark.parametrize(
    ("kind", "severity", "advice"),
    [
        ("Workflow", "warning", "give it with -p tag=... when submitting, or set a value"),
        ("CronWorkflow", "error", "a CronWorkflow is submitted by its schedule: set a value"),
    ],
)
def test_argument_without_value(kind: str, severity: str, advice: str) -> None:
    args = {"parameters": [{"name": "tag"}, {"name": "env", "value": "prod"}]}
    doc = manifest(kind, arguments=args)
    path = "spec.workflowSpec" if kind == "CronWorkflow" else "spec"
    assert [
        (d.code, d.severity, d.path, d.message) for d in check_semantics(doc) if d.code == "V116"
    ] == [
        (
            "V116",
            severity,
            f"{path}.arguments.parameters[0]",
            f"argument 'tag' has no value, and Argo refuses to run the {kind} without one: "
            + advice,
        )
    ]


def test_templates_may_leave_argument_values_to_the_submitter() -> None:
    args = {"parameters": [{"name": "tag"}]}
    assert [
        d for d in check_semantics(manifest("WorkflowTemplate", arguments=args)) if d.code == "V116"
    ] == []


# ----------------------------------------------------------------------------------------------
# Arguments against the inputs of the template called (V117-V121), from YAML.


def lint(spec: str, kind: str = "Workflow") -> list[tuple[str, str, str, str]]:
    """``(code, severity, path, message)`` of every finding in a manifest with this spec."""
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    head = f"apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata: {{name: t}}\nspec:\n"
    if kind == "CronWorkflow":
        head += "  schedules: ['0 1 * * *']\n  workflowSpec:\n"
        body = textwrap.indent(body, "  ")
    return [
        (d.code, d.severity, d.path, d.message)
        for d in check_semantics(yaml.safe_load(head + body))
    ]


CALL = """\
entrypoint: main
templates:
- name: main
  steps:
  - - name: deploy
      template: deploy
      arguments:
        parameters: [{params}]
- name: deploy
  inputs:
    parameters: [{name: tag}, {name: env, default: prod}, {name: region, value: eu}]
    artifacts: [{name: code, path: /src, git: {repo: r}}, {name: extra, path: /x, optional: true}]
  container: {image: alpine}
"""
ARGS = "spec.templates[0].steps[0][0].arguments"


def test_arguments_that_match_the_inputs() -> None:
    assert lint(CALL.replace("{params}", "{name: tag, value: v1}, {name: env, value: dev}")) == []


def test_misspelt_argument_is_an_error() -> None:
    found = lint(CALL.replace("{params}", "{name: tag, value: v1}, {name: enviroment, value: x}"))
    assert found == [
        (
            "V117",
            "error",
            f"{ARGS}.parameters[1].name",
            "step 'deploy' passes argument 'enviroment', but template 'deploy' has no input "
            "parameter of that name: remove it or fix the name. Did you mean 'env'?",
        )
    ]


def test_extra_argument_is_a_warning() -> None:
    """Argo ignores arguments the template has no input for (upstream examples pass some)."""
    found = lint(CALL.replace("{params}", "{name: tag, value: v1}, {name: debug, value: x}"))
    assert found == [
        (
            "V117",
            "warning",
            f"{ARGS}.parameters[1].name",
            "step 'deploy' passes argument 'debug', but template 'deploy' has no input "
            "parameter of that name, so Argo ignores it: remove it or fix the name (input "
            "parameters: env, region, tag)",
        )
    ]


def test_required_input_not_passed() -> None:
    assert lint(CALL.replace("{params}", "{name: env, value: dev}")) == [
        (
            "V118",
            "error",
            ARGS,
            "step 'deploy' does not pass input parameter 'tag' of template 'deploy', which has "
            "no default: add it to arguments.parameters or give the input a default",
        )
    ]


def test_required_artifact_not_passed_by_a_task_without_arguments() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      dag:
        tasks: [{name: build, template: build}]
    - name: build
      inputs: {artifacts: [{name: src, path: /src}]}
      container: {image: alpine}
    """
    assert lint(spec) == [
        (
            "V118",
            "error",
            "spec.templates[0].dag.tasks[0]",
            "task 'build' does not pass input artifact 'src' of template 'build', which has no "
            "location: add it to arguments.artifacts or mark the input 'optional: true'",
        )
    ]


def test_hooks_pass_their_arguments() -> None:
    spec = """\
    entrypoint: main
    hooks:
      running:
        expression: workflow.status == "Running"
        template: notify
        arguments: {parameters: [{name: mesage, value: hi}]}
    templates:
    - {name: main, container: {image: alpine}}
    - name: notify
      inputs: {parameters: [{name: message}]}
      container: {image: alpine}
    """
    assert lint(spec) == [
        (
            "V117",
            "error",
            "spec.hooks.running.arguments.parameters[0].name",
            "hook 'running' passes argument 'mesage', but template 'notify' has no input "
            "parameter of that name: remove it or fix the name. Did you mean 'message'?",
        ),
        (
            "V118",
            "error",
            "spec.hooks.running.arguments",
            "hook 'running' does not pass input parameter 'message' of template 'notify', which "
            "has no default: add it to arguments.parameters or give the input a default",
        ),
    ]


EXIT = """\
entrypoint: main
onExit: report
arguments:
  parameters: [{name: channel, value: ops}]
templates:
- name: main
  container: {image: alpine}
- name: report
  inputs:
    parameters: [{name: channel}, {name: status}]
  container: {image: alpine, args: ["{{inputs.parameters.channel}}"]}
"""
EXIT_MESSAGE = (
    "exit handler 'report' needs input parameter 'status', but an exit handler without "
    "arguments gets only spec.arguments, which has no 'status': add it there or give the input "
    "a default (a failed exit handler fails the workflow)"
)


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        (EXIT, "spec.onExit"),
        (
            EXIT.replace("onExit: report", "hooks: {exit: {template: report}}"),
            "spec.hooks.exit.template",
        ),
    ],
)
def test_exit_handler_gets_only_spec_arguments(spec: str, path: str) -> None:
    """An exit handler without arguments of its own runs with spec.arguments (operator.go)."""
    assert lint(spec) == [("V119", "error", path, EXIT_MESSAGE)]


def test_exit_handlers_of_steps_too_and_hooks_with_arguments_are_calls() -> None:
    spec = EXIT.replace("onExit: report\n", "").replace(
        "- name: main\n  container: {image: alpine}",
        "- name: main\n  steps:\n  - - {name: a, template: report, onExit: report,"
        " arguments: {parameters: [{name: channel, value: x}, {name: status, value: y}]},"
        " hooks: {exit: {template: report, arguments: {parameters: [{name: status, value: z}]}}}}",
    )
    assert [(c, p) for c, _, p, _ in lint(spec)] == [
        ("V119", "spec.templates[0].steps[0][0].onExit"),
        ("V118", "spec.templates[0].steps[0][0].hooks.exit.arguments"),
    ]


@pytest.mark.parametrize("kind", ["Workflow", "CronWorkflow"])
def test_entrypoint_input_missing_from_spec_arguments(kind: str) -> None:
    spec = """\
    entrypoint: main
    arguments: {parameters: [{name: tag, value: v1}]}
    templates:
    - name: main
      inputs: {parameters: [{name: tag}, {name: env}]}
      container: {image: alpine}
    """
    path = "spec.workflowSpec" if kind == "CronWorkflow" else "spec"
    assert lint(spec, kind) == [
        (
            "V120",
            "error",
            f"{path}.entrypoint",
            "entrypoint template 'main' needs input parameter 'env', which spec.arguments does "
            "not give: add it to spec.arguments.parameters or give the input a default",
        )
    ]
    assert lint(spec, "WorkflowTemplate") == []  # the Workflow made from it passes them


UNUSED = """\
entrypoint: main
arguments:
  parameters: [{name: tag, value: v1}, {name: tga, value: x}, {name: used, value: y}]
templates:
- name: main
  inputs: {parameters: [{name: tag}]}
  container: {image: alpine, args: ["{{workflow.parameters.used}}"]}
"""


def test_argument_that_is_no_input_and_unused() -> None:
    assert lint(UNUSED) == [
        (
            "V121",
            "warning",
            "spec.arguments.parameters[1].name",
            "argument 'tga' is not an input of the entrypoint template 'main' and nothing uses "
            "{{workflow.parameters.tga}}: remove it or fix the name. Did you mean 'tag'?",
        )
    ]


@pytest.mark.parametrize(
    "use",
    [
        "{{=workflow.parameters.tga}}",
        "{{=workflow.parameters['tga']}}",
        "{{workflow.parameters.json}}",
        "{{workflow.parameters}}",
    ],
)
def test_arguments_used_in_expressions_or_as_a_whole(use: str) -> None:
    assert (
        lint(
            UNUSED.replace(
                "{{workflow.parameters.used}}", f"{{{{workflow.parameters.used}}}} {use}"
            )
        )
        == []
    )


def test_arguments_may_be_used_by_referenced_templates() -> None:
    spec = UNUSED.replace(
        '  container: {image: alpine, args: ["{{workflow.parameters.used}}"]}',
        "  steps: [[{name: s, templateRef: {name: lib, template: x}}]]",
    )
    assert lint(spec) == []


# ----------------------------------------------------------------------------------------------
# Template types (V130).


def test_template_without_a_type() -> None:
    assert lint("entrypoint: main\ntemplates:\n- {name: main, inputs: {}}\n") == [
        (
            "V130",
            "error",
            "spec.templates[0]",
            "template 'main' has no type: add exactly one of container, script, dag, steps, "
            "resource, suspend, http, containerSet, data, plugin",
        )
    ]


def test_template_defaults_may_give_the_type_and_inputs() -> None:
    spec = """\
    entrypoint: main
    templateDefaults:
      container: {image: alpine}
      inputs: {parameters: [{name: debug, default: "false"}]}
    templates:
    - name: main
      steps: [[{name: s, template: leaf, arguments: {parameters: [{name: debug, value: "1"}]}}]]
    - name: leaf
      inputs: {parameters: [{name: x, default: "1"}]}
      metadata: {labels: {debug: "{{inputs.parameters.debug}}"}}
    """
    assert lint(spec) == []


def test_template_with_two_types() -> None:
    spec = "entrypoint: main\ntemplates:\n- {name: main, container: {image: a}, suspend: {}}\n"
    assert lint(spec) == [
        (
            "V130",
            "error",
            "spec.templates[0]",
            "template 'main' has 2 types (container, suspend), and a template has exactly one: "
            "keep one and move the others into templates of their own",
        )
    ]


# ----------------------------------------------------------------------------------------------
# Values Kubernetes refuses (V131-V134).

_NAME_RULE = (
    "at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter "
    "or digit"
)


def test_labels_and_annotations() -> None:
    doc = manifest(
        metadata={
            "name": "ok",
            "labels": {"app.kubernetes.io/name": "web", "team": "a" * 64, "Bad_Prefix/x": "y"},
            "annotations": {"note": "any value at all, even long " * 10, "-x": "y"},
        },
        podMetadata={"labels": {"tier": "{{workflow.parameters.tier}}-", "ok": ""}},
        workflowMetadata={"labels": {"a/b/c": "x"}},
        templates=[{**LEAF, "metadata": {"labels": {"v": "1.0-"}}}],
    )
    assert found(doc) == [
        (
            "V131",
            "metadata.labels.team",
            f"Kubernetes refuses this label: label value '{'a' * 64}' must be empty or "
            + _NAME_RULE,
        ),
        (
            "V131",
            'metadata.labels["Bad_Prefix/x"]',
            "Kubernetes refuses this label: the prefix 'Bad_Prefix' of key 'Bad_Prefix/x' is not "
            "a DNS subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)",
        ),
        (
            "V131",
            'metadata.annotations["-x"]',
            f"Kubernetes refuses this annotation: key '-x' must be {_NAME_RULE}",
        ),
        (
            "V131",
            'spec.workflowMetadata.labels["a/b/c"]',
            "Kubernetes refuses this label: key 'a/b/c' has more than one '/' (the form is "
            "[prefix/]name)",
        ),
        (
            "V131",
            "spec.templates[0].metadata.labels.v",
            f"Kubernetes refuses this label: label value '1.0-' must be empty or {_NAME_RULE}",
        ),
    ]


def test_labels_of_a_cron_workflow_s_children() -> None:
    doc = manifest("CronWorkflow", {"name": "c"})
    doc["spec"]["workflowMetadata"] = {"labels": {"x": "-"}}
    assert [(c, p) for c, p, _ in found(doc)] == [("V131", "spec.workflowMetadata.labels.x")]


@pytest.mark.parametrize(
    "quantity", ["1G", "1Gi", "500m", "0.5", "1e3", 2, 0.25, "{{inputs.parameters.mem}}"]
)
def test_valid_quantities(quantity: object) -> None:
    template = {
        **LEAF,
        "inputs": {"parameters": [{"name": "mem", "default": "1Gi"}]},
        "container": {"image": "a", "resources": {"limits": {"memory": quantity}}},
    }
    assert found(manifest(templates=[template])) == []


_QUANTITY_RULE = (
    "is not a Kubernetes quantity (a number with an optional suffix: Ki, Mi, Gi, Ti, Pi, Ei, m, "
    "k, M, G, T, P, E or an exponent such as e3)"
)


def test_invalid_quantities_in_every_container() -> None:
    template = {
        "name": "leaf",
        "script": {"image": "a", "source": "x", "resources": {"requests": {"memory": "1GB"}}},
        "sidecars": [{"name": "s", "resources": {"limits": {"cpu": "1K"}}}],
        "initContainers": [{"name": "i", "resources": {"limits": {"cpu": -1}}}],
    }
    holder = {
        "name": "set",
        "containerSet": {"containers": [{"name": "main", "resources": {"requests": {"cpu": "x"}}}]},
    }
    assert found(manifest(templates=[template, holder])) == [
        (
            "V132",
            "spec.templates[0].script.resources.requests.memory",
            f"invalid resources.requests.memory: '1GB' {_QUANTITY_RULE}. Did you mean '1G'?",
        ),
        (
            "V132",
            "spec.templates[0].sidecars[0].resources.limits.cpu",
            f"invalid resources.limits.cpu: '1K' {_QUANTITY_RULE}",
        ),
        (
            "V132",
            "spec.templates[0].initContainers[0].resources.limits.cpu",
            "invalid resources.limits.cpu: '-1' is negative; requests and limits must be 0 or more",
        ),
        (
            "V132",
            "spec.templates[1].containerSet.containers[0].resources.requests.cpu",
            f"invalid resources.requests.cpu: 'x' {_QUANTITY_RULE}",
        ),
    ]


def test_parallelism_and_deadline() -> None:
    doc = manifest(parallelism=-1, activeDeadlineSeconds=-5)
    assert found(doc) == [
        (
            "V133",
            "spec.parallelism",
            "parallelism is -1: set how many pods may run at once (1 or more), or leave it out "
            "for no limit",
        ),
        (
            "V133",
            "spec.activeDeadlineSeconds",
            "activeDeadlineSeconds is -5, which stops the workflow at once: set the seconds it "
            "may run, or leave it out for no deadline",
        ),
    ]
    [zero] = check_semantics(manifest(activeDeadlineSeconds=0, parallelism=0))
    assert (zero.code, zero.severity, zero.path) == (
        "V133",
        "warning",
        "spec.activeDeadlineSeconds",
    )
    assert check_semantics(manifest(activeDeadlineSeconds=60, parallelism=2)) == []


@pytest.mark.parametrize(
    ("sequence", "message"),
    [
        ({"count": "3"}, None),
        ({"start": "1", "end": "{{inputs.parameters.n}}"}, None),
        (
            {"start": "1"},
            "withSequence needs count or end: add 'count: N' (items 0 to N-1) or 'end: N' (items "
            "start to N)",
        ),
        (
            {"count": "3", "end": "5"},
            "withSequence has both count and end, which Argo refuses: keep one",
        ),
    ],
)
def test_with_sequence(sequence: dict[str, str], message: str | None) -> None:
    doc = steps([{"name": "s", "withSequence": sequence}])
    doc["spec"]["templates"][0]["inputs"] = {"parameters": [{"name": "n", "default": "3"}]}
    expected = [("V134", "spec.templates[0].steps[0][0].withSequence", message)] if message else []
    assert found(doc) == expected
