"""Exit handlers and lifecycle hooks: task hooks, workflow hooks, their checks and messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

from expect import compile_error, error_of
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import (
    Hook,
    Output,
    Workflow,
    WorkflowTemplate,
    container,
    dag,
    steps,
    template_ref,
)
from tiphys.errors import errors_only

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def checked_yaml(wf: Workflow | WorkflowTemplate) -> str:
    """The YAML of a manifest that the schema oracle and the validator accept."""
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert errors_only(wf.validate()) == []
    return wf.to_yaml()


@container(image="alpine:3.20", outputs=[Output("digest", path="/tmp/digest")])
def build(tag: str) -> list[str]:
    return ["build", tag]


@container(image="alpine:3.20")
def report(status: str, note: str = "-") -> list[str]:
    return ["echo", f"{status} {note}"]


@container(image="alpine:3.20")
def cleanup() -> list[str]:
    return ["rm", "-rf", "/tmp/work"]


@container(image="curlimages/curl:8.8.0")
def notify(channel: str = "#builds") -> list[str]:
    return ["notify", channel, "{{workflow.name}} {{workflow.status}} {{workflow.failures}}"]


def test_task_exit_hook_and_named_hook_in_a_dag() -> None:
    @dag
    def release(tag: str) -> None:
        b = build(tag=tag)
        b.on_exit(report, status=b.status, note=b.outputs.digest)
        b.hook("running", report, expression=b.status == "Running", status="started")
        report(status="done").after(b)

    assert checked_yaml(WorkflowTemplate("release", entrypoint=release)) == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata:
          name: release
        spec:
          entrypoint: release
          arguments:
            parameters:
            - name: tag
          templates:
          - name: release
            inputs:
              parameters:
              - name: tag
            dag:
              tasks:
              - name: build
                template: build
                arguments:
                  parameters:
                  - name: tag
                    value: '{{inputs.parameters.tag}}'
                hooks:
                  exit:
                    template: report
                    arguments:
                      parameters:
                      - name: status
                        value: '{{tasks.build.status}}'
                      - name: note
                        value: '{{tasks.build.outputs.parameters.digest}}'
                  running:
                    template: report
                    expression: tasks.build.status == 'Running'
                    arguments:
                      parameters:
                      - name: status
                        value: started
              - name: report
                template: report
                depends: build
                arguments:
                  parameters:
                  - name: status
                    value: done
          - name: build
            inputs:
              parameters:
              - name: tag
            outputs:
              parameters:
              - name: digest
                valueFrom:
                  path: /tmp/digest
            container:
              image: alpine:3.20
              args:
              - build
              - '{{inputs.parameters.tag}}'
          - name: report
            inputs:
              parameters:
              - name: status
              - name: note
                default: '-'
            container:
              image: alpine:3.20
              args:
              - echo
              - '{{inputs.parameters.status}} {{inputs.parameters.note}}'
        """
    )


def test_step_hooks_use_step_names_and_quote_hyphenated_names() -> None:
    @steps
    def main() -> None:
        b = build(tag="v1").named("build-it")
        b.on_exit(cleanup)
        b.hook("failed", report, expression="steps['build-it'].status == 'Failed'", status="x")

    spec = Workflow(entrypoint=main).to_dict()["spec"]
    assert spec["templates"][0]["steps"] == [
        [
            {
                "name": "build-it",
                "template": "build",
                "arguments": {"parameters": [{"name": "tag", "value": "v1"}]},
                "hooks": {
                    "exit": {"template": "cleanup"},
                    "failed": {
                        "template": "report",
                        "expression": "steps['build-it'].status == 'Failed'",
                        "arguments": {"parameters": [{"name": "status", "value": "x"}]},
                    },
                },
            }
        ]
    ]
    assert [t["name"] for t in spec["templates"]] == ["main", "build", "cleanup", "report"]


def test_built_expression_on_a_hyphenated_step_name() -> None:
    @steps
    def main() -> None:
        b = build(tag="v1").named("build-it")
        b.hook("running", cleanup, expression=b.status == "Running")

    hooks = Workflow(entrypoint=main).to_dict()["spec"]["templates"][0]["steps"][0][0]["hooks"]
    assert hooks == {
        "running": {"template": "cleanup", "expression": "steps['build-it'].status == 'Running'"}
    }


def test_a_hook_using_another_task_makes_it_a_dependency() -> None:
    @dag
    def main() -> None:
        a = build(tag="a")
        b = build(tag="b")
        b.on_exit(report, status=a.outputs.digest)

    tasks = Workflow(entrypoint=main).to_dict()["spec"]["templates"][0]["dag"]["tasks"]
    assert [(t["name"], t.get("depends")) for t in tasks] == [("build", None), ("build-2", "build")]


def test_hook_templates_used_only_by_hooks_are_emitted() -> None:
    @dag
    def main() -> None:
        build(tag="a").on_exit(cleanup)

    templates = Workflow(entrypoint=main).to_dict()["spec"]["templates"]
    assert [t["name"] for t in templates] == ["main", "build", "cleanup"]


def test_workflow_exit_handler_and_hooks() -> None:
    @dag
    def main() -> None:
        build(tag="v1")

    wf = Workflow(
        "release",
        entrypoint=main,
        hooks={
            "exit": Hook(notify, arguments={"channel": "#ops"}),
            "running": Hook(notify, expression="workflow.status == 'Running'"),
        },
    )
    assert checked_yaml(wf) == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: release
        spec:
          entrypoint: main
          hooks:
            exit:
              template: notify
              arguments:
                parameters:
                - name: channel
                  value: '#ops'
            running:
              template: notify
              expression: workflow.status == 'Running'
          templates:
          - name: main
            dag:
              tasks:
              - name: build
                template: build
                arguments:
                  parameters:
                  - name: tag
                    value: v1
          - name: build
            inputs:
              parameters:
              - name: tag
            outputs:
              parameters:
              - name: digest
                valueFrom:
                  path: /tmp/digest
            container:
              image: alpine:3.20
              args:
              - build
              - '{{inputs.parameters.tag}}'
          - name: notify
            inputs:
              parameters:
              - name: channel
                default: '#builds'
            container:
              image: curlimages/curl:8.8.0
              args:
              - notify
              - '{{inputs.parameters.channel}}'
              - '{{workflow.name}} {{workflow.status}} {{workflow.failures}}'
        """
    )


def test_on_exit_with_spec_arguments() -> None:
    @dag
    def main(status: str) -> None:
        report(status=status)

    spec = Workflow(entrypoint=main, arguments={"status": "x"}, on_exit=report).to_dict()["spec"]
    assert (spec["onExit"], [t["name"] for t in spec["templates"]]) == (
        "report",
        ["main", "report"],
    )


def test_hook_arguments_by_argo_name() -> None:
    @container(image="alpine:3.20")
    def tell(my_channel: str) -> list[str]:
        return ["echo", my_channel]

    @dag
    def main() -> None:
        build(tag="v1")

    wf = Workflow(entrypoint=main, hooks={"exit": Hook(tell, arguments={"my_channel": "#a"})})
    assert wf.to_dict()["spec"]["hooks"]["exit"]["arguments"] == {
        "parameters": [{"name": "my_channel", "value": "#a"}]
    }


# --- errors ----------------------------------------------------------------------------------


def test_exit_hook_with_an_expression() -> None:
    @dag
    def main() -> None:
        b = build(tag="a")
        b.hook("exit", cleanup, expression=b.status == "Failed")  # C154-exit

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C154-exit')}: the exit hook runs whenever the node ends and Argo ignores an "
        "expression on it: drop expression=, or give the hook another name (e.g. 'failed') to "
        "run it only when the expression holds [C154]"
    )


def test_hook_expression_reading_its_own_tasks_output() -> None:
    @dag
    def main() -> None:
        b = build(tag="a")
        b.hook("big", cleanup, expression=b.outputs.digest == "x")  # C154-own

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C154-own')}: hook 'big' of task 'build' reads the task's own output "
        "'digest', but Argo evaluates a hook expression over the task's .status and the values "
        "of the tasks it depends on only, so the expression would fail at run time: test "
        "build.status, a value of a task it depends on, or pass the value to the hook template "
        "as an argument (arguments may use the task's own outputs) [C154]"
    )


def test_hook_expression_on_its_own_status_and_a_dependency() -> None:
    @dag
    def main() -> None:
        a = build(tag="a")
        b = build(tag="b")
        b.hook("x", cleanup, expression=(b.status == "Failed") & (a.outputs.digest == "x"))

    hooks = Workflow(entrypoint=main).to_dict()["spec"]["templates"][0]["dag"]["tasks"][1]
    assert hooks["hooks"] == {
        "x": {
            "template": "cleanup",
            "expression": "(tasks['build-2'].status == 'Failed') && "
            "(tasks.build.outputs.parameters.digest == 'x')",
        }
    }


def test_named_hook_without_an_expression() -> None:
    @dag
    def main() -> None:
        build(tag="a").hook("running", cleanup)  # C154-noexpr

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C154-noexpr')}: hook 'running' needs an expression saying when it runs "
        "(expression=t.status == 'Running'); only the exit hook runs without one "
        "(.on_exit(...)) [C154]"
    )


def test_a_call_of_a_template_is_not_a_hook_template() -> None:
    @dag
    def main() -> None:
        build(tag="a").on_exit(cleanup())  # C154-call

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C154-call')}: a hook takes the template itself (cleanup), not a call of it "
        "(cleanup(...)): calling a template inside a @dag or @steps body adds a task. Pass its "
        "arguments to the hook instead [C154]"
    )


def test_two_exit_hooks_on_one_task() -> None:
    @dag
    def main() -> None:
        build(tag="a").on_exit(cleanup).on_exit(cleanup)  # C154-twice

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C154-twice')}: task 'build' already has a hook named 'exit' [C154]"
    )


def test_hook_arguments_are_checked_like_a_call() -> None:
    @dag
    def main() -> None:
        build(tag="a").on_exit(report, stauts="x")  # C101-hook

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C101-hook')}: hook 'exit' of task 'build' passes argument 'stauts', but "
        "template 'report' has no such input (inputs: status, note). Did you mean 'status'? [C101]"
    )


def test_python_bool_as_hook_expression() -> None:
    @dag
    def main() -> None:
        build(tag="a").hook("x", cleanup, expression=1 == 1)  # C154-bool

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C154-bool')}: a hook expression got a Python bool (True): the comparison was "
        "evaluated at compile time. Compare a reference (t.status == 'Running') or pass a raw "
        "expr string [C154]"
    )


def test_workflow_hook_without_expression() -> None:
    hook = Hook(cleanup)  # C154-wf
    message = error_of(lambda: Workflow(entrypoint=cleanup, hooks={"r": hook}))
    assert message == (
        f"{line_of('C154-wf')}: hook 'r' needs an expression saying when it runs "
        "(expression=\"workflow.status == 'Running'\"); only the exit hook runs without one "
        "(hooks={'exit': ...} or on_exit=) [C154]"
    )


def test_workflow_hook_takes_a_template() -> None:
    message = error_of(lambda: Hook("notify"))  # C154-str
    assert message == (
        f"{line_of('C154-str')}: a hook runs a template (a decorated function), not 'notify' [C154]"
    )


def test_on_exit_and_exit_hook_together() -> None:
    wf = Workflow(entrypoint=cleanup, on_exit=notify, hooks={"exit": Hook(notify)})  # C154-both
    assert compile_error(wf) == (
        f"{line_of('C154-both')}: give the exit handler as on_exit= or as hooks={{'exit': "
        "Hook(...)}, not both (Argo would run only on_exit) [C154]"
    )


def test_exit_handler_needs_its_inputs_in_spec_arguments() -> None:
    wf = Workflow(entrypoint=cleanup, on_exit=report)  # C154-inputs
    assert compile_error(wf) == (
        f"{line_of('C154-inputs')}: exit handler 'report' needs input(s) 'status', but an exit "
        "handler without arguments gets only the workflow's arguments, which do not include "
        "them: give the inputs defaults, or pass arguments (Hook(template, arguments={...})) "
        "[C154]"
    )


def test_workflow_failures_outside_the_exit_handler() -> None:
    @container(image="alpine:3.20")  # C160
    def summary() -> list[str]:
        return ["echo", "{{workflow.failures}}"]

    @dag
    def main() -> None:
        build(tag="a").on_exit(summary)

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C160')}: template 'summary' uses {{{{workflow.failures}}}}, which Argo sets "
        "only for the workflow's exit handler and workflow-level hooks, but it also runs from "
        "the entrypoint: main -> summary (exit hook of task 'build'). Argo refuses it there: "
        "use it only in templates run by on_exit= or hooks={...}, or pass what you need as an "
        "argument (t.status) [C160]"
    )


def test_workflow_status_in_the_main_run_is_a_warning() -> None:
    @container(image="alpine:3.20")
    def phase() -> list[str]:
        return ["echo", "{{workflow.status}}"]

    wf = Workflow(entrypoint=phase)
    assert wf.to_dict()["spec"]["templates"][0]["container"]["args"][1] == "{{workflow.status}}"
    assert [(d.code, d.severity, d.path) for d in wf.validate()] == [
        ("V185", "warning", "spec.templates[0].container.args[1]")
    ]


def test_hook_template_must_not_be_inline() -> None:
    @container(image="alpine:3.20", inline=True)
    def quick() -> list[str]:
        return ["true"]

    @dag
    def main() -> None:
        build(tag="a").on_exit(quick)  # C154-inline

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C154-inline')}: hook template 'quick' is inline (inline=True), but a hook "
        "names its template, which must be in spec.templates: drop inline=True [C154]"
    )


def test_hooks_inside_an_inline_dag_keep_their_templates() -> None:
    @dag(inline=True)
    def stage() -> None:
        build(tag="a").on_exit(cleanup)

    @dag
    def main() -> None:
        stage()

    wf = Workflow(entrypoint=main)
    templates = checked_yaml(wf) and wf.to_dict()["spec"]["templates"]
    assert [t["name"] for t in templates] == ["main", "build", "cleanup"]
    assert templates[0]["dag"]["tasks"][0]["inline"]["dag"]["tasks"][0]["hooks"] == {
        "exit": {"template": "cleanup"}
    }


def test_workflow_hook_without_arguments_for_required_inputs() -> None:
    hook = Hook(report, expression="workflow.status == 'Running'")  # C154-args
    assert compile_error(Workflow(entrypoint=cleanup, hooks={"running": hook})) == (
        f"{line_of('C154-args')}: hook 'running' runs template 'report' without arguments, but "
        "it needs input(s) 'status': pass them (arguments={...}) or give them defaults [C154]"
    )


def test_hooks_run_referenced_templates_through_template_ref() -> None:
    library = WorkflowTemplate("library", templates=[report, cleanup])

    @dag
    def pipeline() -> None:
        build(tag="v1").on_exit(library.use(report), status="done").hook(
            "running", template_ref("shared", "page"), expression="true", who="me"
        )

    wf = Workflow(
        "hooked",
        entrypoint=pipeline,
        hooks={"exit": Hook(library.use(cleanup))},
    )
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert errors_only(wf.validate()) == []
    (task,) = manifest["spec"]["templates"][0]["dag"]["tasks"]
    assert task["hooks"] == {
        "exit": {
            "templateRef": {"name": "library", "template": "report"},
            "arguments": {"parameters": [{"name": "status", "value": "done"}]},
        },
        "running": {
            "templateRef": {"name": "shared", "template": "page"},
            "expression": "true",
            "arguments": {"parameters": [{"name": "who", "value": "me"}]},
        },
    }
    assert manifest["spec"]["hooks"] == {
        "exit": {"templateRef": {"name": "library", "template": "cleanup"}}
    }
    assert [t["name"] for t in manifest["spec"]["templates"]] == ["pipeline", "build"]
