"""Each compile-time check: its exact message and the user's file:line it points at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import pytest

from tiphys import (
    CompileError,
    Output,
    Workflow,
    WorkflowTemplate,
    container,
    dag,
    script,
    steps,
)

HERE = Path(__file__)


def line_of(marker: str) -> str:
    """``tests/test_semantic_errors.py:N`` for the line holding ``# <marker>``."""
    for number, text in enumerate(HERE.read_text().splitlines(), start=1):
        if text.rstrip().endswith(f"# {marker}"):
            return f"{os.path.relpath(HERE)}:{number}"
    raise AssertionError(f"marker {marker} not found")


def compile_error(wf: Workflow | WorkflowTemplate) -> str:
    with pytest.raises(CompileError) as info:
        wf.to_dict()
    assert len(info.value.diagnostics) == 1
    return info.value.diagnostics[0].format()


@container(image="alpine:3.20")
def deploy(tag: str, env: str = "staging") -> list[str]:
    return ["deploy", tag, env]


@container(image="alpine:3.20", outputs={"digest": "/tmp/digest"})
def build(tag: str) -> list[str]:
    return ["build", tag]


@script
def count() -> int:
    return 3


def test_unknown_argument_with_suggestion() -> None:
    @dag
    def release(tag: str) -> None:
        deploy(tag=tag, enviroment="prod")  # C101

    msg = compile_error(Workflow(entrypoint=release))
    assert msg == (
        f"{line_of('C101')}: task 'deploy' passes argument 'enviroment', but template 'deploy' "
        "has no such input (inputs: tag, env). Did you mean 'env'? [C101]"
    )


def test_missing_argument() -> None:
    @dag
    def release() -> None:
        deploy(env="prod")  # C102

    msg = compile_error(Workflow(entrypoint=release))
    assert msg == (
        f"{line_of('C102')}: task 'deploy' does not pass required input(s) 'tag' of template "
        "'deploy' [C102]"
    )


def test_wrong_literal_type() -> None:
    @container(image="alpine:3.20")
    def sleep(seconds: int) -> list[str]:
        return ["sleep", str(seconds)]

    @dag
    def main() -> None:
        sleep(seconds="10")  # C103

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C103')}: argument 'seconds' of template 'sleep' is '10' (str), but the "
        "input is int [C103]"
    )


def test_literal_outside_enum() -> None:
    @container(image="alpine:3.20")
    def promote(env: Literal["staging", "prod"]) -> list[str]:
        return [env]

    @dag
    def main() -> None:
        promote(env="qa")  # C103-enum

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C103-enum')}: argument 'env' of template 'promote' is 'qa', which is not "
        "one of the allowed values ('staging', 'prod') [C103]"
    )


def test_duplicate_template_names_after_kebab_conversion() -> None:
    @container(image="alpine:3.20")  # C104-a
    def run_tests() -> list[str]:
        return ["a"]

    @container(image="alpine:3.20", name="run-tests")  # C104-b
    def other() -> list[str]:
        return ["b"]

    @dag
    def main() -> None:
        run_tests()
        other()

    msg = compile_error(Workflow(entrypoint=main))
    a, b = line_of("C104-a"), line_of("C104-b")
    assert msg == (
        f"{b}: two different templates are named 'run-tests' (defined at {a} and {b}); "
        "template names must be unique in a workflow (run_tests and run-tests collide): pass "
        "name=... to one [C104]"
    )


def test_duplicate_explicit_task_names() -> None:
    @dag
    def main() -> None:
        deploy(tag="a").named("go")
        deploy(tag="b").named("go")  # C104-task

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C104-task')}: two tasks of 'main' are named 'go'; task names must be "
        "unique [C104]"
    )


def test_dependency_cycle() -> None:
    @dag
    def main() -> None:
        a = deploy(tag="a").named("a")  # C105
        b = deploy(tag="b").named("b").after(a)
        a.after(b)

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == f"{line_of('C105')}: dependency cycle: a -> b -> a [C105]"


def test_reference_to_task_outside_the_dag() -> None:
    leaked: list[Any] = []

    @dag
    def inner() -> None:
        leaked.append(build(tag="x"))

    Workflow(entrypoint=inner).to_dict()

    @dag
    def outer() -> None:
        inner()
        deploy(tag=leaked[0].outputs.digest)  # C106

    msg = compile_error(Workflow(entrypoint=outer))
    assert msg == (
        f"{line_of('C106')}: task 'deploy' depends on task 'build', which is not part of "
        "template 'outer' [C106]"
    )


def test_unknown_output_with_suggestion() -> None:
    @dag
    def main() -> None:
        b = build(tag="x")
        deploy(tag=b.outputs.digets)  # C107

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C107')}: template 'build' has no output 'digets' (outputs: digest). "
        "Did you mean 'digest'? [C107]"
    )


def test_output_of_skippable_task_needs_a_default() -> None:
    @dag
    def main(env: str) -> None:
        b = build(tag="x").when(env == "prod")
        deploy(tag=b.outputs.digest)  # C108

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C108')}: task 'deploy' passes output 'digest' of task 'build' to input "
        "'tag', but that task is skipped when its .when() condition is false, and Argo "
        "(v4.0.7+) then fails 'deploy'. Give input 'tag' of template 'deploy' a default, or "
        "the output a default (Output(..., default=...)) [C108]"
    )


def test_output_of_skippable_task_with_defaults_is_fine() -> None:
    @container(image="alpine:3.20", outputs=[Output("digest", path="/tmp/d", default="none")])
    def build2(tag: str) -> list[str]:
        return [tag]

    @dag
    def main(env: str) -> None:
        b = build2(tag="x").when(env == "prod")
        deploy(tag=b.outputs.digest)
        deploy(tag="y", env=b.result)  # env has a default

    tasks = Workflow(entrypoint=main).to_dict()["spec"]["templates"][0]["dag"]["tasks"]
    assert [t["name"] for t in tasks] == ["build2", "deploy", "deploy-2"]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: container(image="a", name="bad_name")(lambda: ["x"]),
            "template name 'bad_name' does not match [a-zA-Z0-9][-a-zA-Z0-9]* (letters, "
            "digits and '-', starting with a letter or digit); pass name=...",
        ),
        (
            lambda: Workflow("Release_1", entrypoint=deploy).to_dict(),
            "Workflow name 'Release_1' is not a valid Kubernetes name: use lower-case letters, "
            "digits, '-' and '.', starting and ending with a letter or digit",
        ),
        (
            lambda: Workflow("a" * 64, entrypoint=deploy).to_dict(),
            f"Workflow name '{'a' * 64}' is 64 characters long; a Workflow name is at most 63",
        ),
    ],
)
def test_name_rules(make: Any, expected: str) -> None:
    with pytest.raises(CompileError) as info:
        make()
    assert info.value.diagnostics[0].message == expected
    assert info.value.diagnostics[0].code == "C109"


def test_missing_entrypoint() -> None:
    wf = Workflow("x")  # C110
    assert compile_error(wf) == (
        f"{line_of('C110')}: Workflow 'x' has no entrypoint; pass entrypoint=<a template> [C110]"
    )


def test_workflow_template_library_needs_no_entrypoint() -> None:
    lib = WorkflowTemplate("lib", templates=[deploy, build])
    names = [t["name"] for t in lib.to_dict()["spec"]["templates"]]
    assert names == ["deploy", "build"]


def test_container_body_cannot_compute_with_parameters() -> None:
    @container(image="alpine:3.20")
    def split(csv: str) -> list[str]:
        return csv.split(",")  # C111

    @dag
    def main() -> None:
        split(csv="a,b")

    msg = compile_error(Workflow(entrypoint=main))
    assert msg.startswith(
        f"{line_of('C111')}: .split on parameter 'csv' of template 'split': its value is only "
        "known when the workflow runs"
    )


def test_if_on_a_reference_raises_with_hint() -> None:
    @dag
    def main(env: str) -> None:
        if env == "prod":  # C115
            deploy(tag="x")

    msg = compile_error(Workflow(entrypoint=main))
    assert msg.startswith(f"{line_of('C115')}: a condition is evaluated when the workflow runs")
    assert "parenthesise each comparison" in msg


def test_when_rejects_python_bool() -> None:
    @dag
    def main() -> None:
        deploy(tag="x").when("a" == "a")  # C115-bool

    msg = compile_error(Workflow(entrypoint=main))
    assert msg.startswith(
        f"{line_of('C115-bool')}: .when() of task 'deploy' got a Python bool (True)"
    )


def test_loop_item_outside_its_map() -> None:
    leaked: list[Any] = []

    def grab(it: Any) -> Any:
        leaked.append(it)
        return it

    @dag
    def main() -> None:
        deploy.map(over=["a"], tag=grab)
        deploy(tag=leaked[0])  # C116

    msg = compile_error(Workflow(entrypoint=main))
    assert msg.startswith(f"{line_of('C116')}: a loop item is used outside the .map()")


def test_script_free_names() -> None:
    import json

    @script  # C112
    def dump(x: str) -> str:
        return json.dumps({"x": x})

    @dag
    def main() -> None:
        dump(x="1")

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C112')}: @script 'dump' uses 'json', defined outside the function; a "
        "script runs alone in its container: import modules and define helpers inside the "
        "function, and pass values in as parameters [C112]"
    )


def test_script_fstring_with_braces_is_rejected() -> None:
    @script
    def templ(x: str) -> str:
        return f"{{{{{x}}}}}"  # C113

    @dag
    def main() -> None:
        templ(x="1")

    msg = compile_error(Workflow(entrypoint=main))
    assert msg.startswith(f"{line_of('C113')}: @script 'templ': this f-string produces '{{{{'")


def test_steps_cannot_use_value_of_same_group() -> None:
    from tiphys import parallel

    @steps
    def main() -> None:
        with parallel():
            b = build(tag="x")
            deploy(tag=b.outputs.digest)  # C106-steps

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C106-steps')}: step 'deploy' uses a value of step 'build', which runs in the "
        "same parallel group or later; move it to an earlier step [C106]"
    )


def test_unknown_template_option() -> None:
    with pytest.raises(CompileError) as info:

        @container(image="a", retires=2)  # type: ignore[call-arg]  # C117
        def x() -> list[str]:
            return []

    assert (
        info.value.diagnostics[0].message
        == "unknown template option 'retires'. Did you mean 'retry'?"
    )


def test_bad_duration() -> None:
    from tiphys import Retry

    with pytest.raises(CompileError) as info:
        Retry(2, backoff="10 seconds")  # C117-duration
    assert info.value.diagnostics[0].format() == (
        f"{line_of('C117-duration')}: Retry backoff: '10 seconds' is not a duration; write "
        "seconds (30) or a string like '30s', '5m', '2h', '1d', '1h30m' [C117]"
    )


def test_calling_a_container_template_outside_a_body() -> None:
    with pytest.raises(CompileError) as info:
        deploy(tag="x")  # C118
    assert info.value.diagnostics[0].format() == (
        f"{line_of('C118')}: template 'deploy' was called outside a @dag or @steps body; call "
        "it inside one to add a task, or call deploy.fn(...) to run the plain function [C118]"
    )


def test_parallel_outside_steps() -> None:
    from tiphys import parallel

    @dag
    def main() -> None:
        with parallel():  # C119
            deploy(tag="x")

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C119')}: parallel() can only be used inside a @steps body [C119]"
    )


def test_after_inside_steps() -> None:
    @steps
    def main() -> None:
        a = deploy(tag="a")
        deploy(tag="b").after(a)  # C119-after

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C119-after')}: .after() is for @dag tasks; in @steps the order of calls is "
        "the order of steps (use `with parallel():` to run steps together) [C119]"
    )
