"""``@suspend``: the approval form (inputs that are also supplied outputs), durations, checks."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest

from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import CompileError, Param, Workflow, container, dag, steps, suspend
from tiphys.errors import errors_only
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def error(make: Any) -> str:
    with pytest.raises(CompileError) as info:
        make()
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


@suspend
def pause() -> None:
    """Wait until someone resumes the workflow."""


@suspend(duration=20)
def delay() -> None: ...


Choice = Literal["YES", "NO"]


@suspend
def approval(
    ticket: str,
    approve: Annotated[Choice, Param(description="Choose YES to deploy to production")] = "NO",
    reviewer: str = "",
) -> None:
    """Ask for an approval."""


@container(image="alpine:3.20", command=["echo"])
def deploy(env: str, ticket: str = "") -> list[str]:
    return ["deploying", env, ticket]


@steps
def cicd() -> None:
    deploy(env="pre-prod")
    pause()
    answer = approval(ticket="OPS-1")
    delay()
    deploy(env="prod", ticket=answer.outputs.ticket).when(answer.outputs.approve == "YES")


def test_whole_workflow() -> None:
    wf = Workflow(entrypoint=cicd)
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert errors_only(validate_document(manifest)) == []
    assert wf.to_yaml() == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: cicd-
        spec:
          entrypoint: cicd
          templates:
          - name: cicd
            steps:
            - - name: deploy
                template: deploy
                arguments:
                  parameters:
                  - name: env
                    value: pre-prod
            - - name: pause
                template: pause
            - - name: approval
                template: approval
                arguments:
                  parameters:
                  - name: ticket
                    value: OPS-1
            - - name: delay
                template: delay
            - - name: deploy-2
                template: deploy
                when: '{{=steps.approval.outputs.parameters.approve == ''YES''}}'
                arguments:
                  parameters:
                  - name: env
                    value: prod
                  - name: ticket
                    value: '{{steps.approval.outputs.parameters.ticket}}'
          - name: deploy
            inputs:
              parameters:
              - name: env
              - name: ticket
                default: ''
            container:
              image: alpine:3.20
              command:
              - echo
              args:
              - deploying
              - '{{inputs.parameters.env}}'
              - '{{inputs.parameters.ticket}}'
          - name: pause
            suspend: {}
          - name: approval
            inputs:
              parameters:
              - name: ticket
              - name: approve
                default: 'NO'
                enum:
                - 'YES'
                - 'NO'
                description: Choose YES to deploy to production
              - name: reviewer
                default: ''
            outputs:
              parameters:
              - name: ticket
                valueFrom:
                  supplied: {}
                  default: '{{inputs.parameters.ticket}}'
              - name: approve
                valueFrom:
                  supplied: {}
                  default: '{{inputs.parameters.approve}}'
                description: Choose YES to deploy to production
              - name: reviewer
                valueFrom:
                  supplied: {}
                  default: '{{inputs.parameters.reviewer}}'
            suspend: {}
          - name: delay
            suspend:
              duration: 20s
        """
    )


def test_outputs_are_typed_like_the_inputs() -> None:
    outputs = approval.outputs
    assert list(outputs) == ["ticket", "approve", "reviewer"]
    assert [o.source for o in outputs.values()] == ["supplied"] * 3
    assert outputs["approve"].type is str


def test_a_duration_tag_is_kept() -> None:
    @suspend(duration="{{workflow.parameters.wait}}")
    def wait() -> None: ...

    assert wait.duration == "{{workflow.parameters.wait}}"


@pytest.mark.parametrize(("duration", "go"), [(90, "1m30s"), ("1d", "24h"), ("2m", "2m")])
def test_durations_are_written_as_go_durations(duration: Any, go: str) -> None:
    @suspend(duration=duration)
    def wait() -> None: ...

    assert wait.duration == go


def test_result_of_a_suspend_task_is_an_error() -> None:
    @container(image="alpine:3.20")
    def use(text: str) -> list[str]:
        return [text]

    @dag
    def flow() -> None:
        answer = approval(ticket="t")
        use(text=answer.result)  # C107

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C107')}: result of task 'approval' is used, but a @suspend template has no "
        "result: use its outputs (ticket, approve, reviewer) [C107]"
    )


def test_unknown_output() -> None:
    @dag
    def flow() -> None:
        approval(ticket="t").outputs.aprove  # noqa: B018  # C107-name

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C107-name')}: template 'approval' has no output 'aprove' (outputs: ticket, "
        "approve, reviewer). Did you mean 'approve'? [C107]"
    )


def test_a_body_with_code_is_refused_at_that_line() -> None:
    def make() -> None:
        @suspend
        def wait(x: str = "") -> None:
            """Docstring is fine."""
            print(x)  # C129

    assert error(make) == (
        f"{line_of('C129')}: @suspend 'wait' only waits (Argo never runs its body), so its body "
        "may hold only a docstring: remove this code (do the work in a @script task before or "
        "after it) [C129]"
    )


def test_bad_duration() -> None:
    def make() -> None:
        @suspend(duration="tomorrow")  # C117
        def wait() -> None: ...

    assert error(make) == (
        f"{line_of('C117')}: @suspend 'wait' duration: 'tomorrow' is not a duration; write "
        "seconds (30) or a string like '30s', '5m', '2h', '1d', '1h30m' [C117]"
    )


@pytest.mark.parametrize("option", ["env", "node_selector", "service_account", "labels"])
def test_pod_and_container_options_are_refused(option: str) -> None:
    def make() -> None:
        @suspend(**{option: {}})  # C123
        def wait() -> None: ...

    assert error(make) == (
        f"{line_of('C123')}: @suspend 'wait' does not take {option}=: a suspend template runs "
        "no pod; remove it [C123]"
    )


def test_timeout_is_refused_and_duration_suggested() -> None:
    def make() -> None:
        @suspend(timeout="1h")  # type: ignore[call-overload]  # C123 timeout
        def wait() -> None: ...

    assert error(make) == (
        f"{line_of('C123 timeout')}: @suspend 'wait' does not take timeout=: Argo refuses "
        "timeout on a suspend template (it takes it only on templates that run something); "
        "give duration= instead to resume by itself after that long [C123]"
    )
