"""Each compile-time check: its exact message and the user's file:line it points at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import pytest

from expect import compile_error
from markers import marker_line
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
    """The ``file:line`` of the line of this file marked ``# <marker>``."""
    return marker_line(HERE, marker)


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


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (lambda n: [n * 2], "arithmetic (*)"),
        (lambda n: [2 * n], "arithmetic (*)"),
        (lambda n: [n - 1], "arithmetic (-)"),
        (lambda n: [n / 2], "arithmetic (/)"),
        (lambda n: [n // 2], "arithmetic (//)"),
        (lambda n: [n % 2], "arithmetic (%)"),
        (lambda n: [n**2], "arithmetic (**)"),
        (lambda n: [-n], "arithmetic (unary -)"),
        (lambda n: [abs(n)], "abs()"),
        (lambda n: [round(n)], "round()"),
        (lambda n: [n()], "a call"),
    ],
)
def test_computing_with_a_parameter_is_a_located_error(body: Any, what: str) -> None:
    template = container(image="a", name="calc")(lambda n: body(n))

    @dag
    def main() -> None:
        template(n="1")

    msg = compile_error(Workflow(entrypoint=main))
    where = f"{os.path.relpath(HERE)}:{body.__code__.co_firstlineno}"  # the lambda's line
    assert msg.startswith(
        f"{where}: {what} on parameter 'n' of template 'calc': its value is only known when the "
        "workflow runs"
    )


def test_a_python_error_in_a_body_is_located_and_explained() -> None:
    import json

    @container(image="a")
    def dump(n: str) -> list[str]:
        return [json.dumps(n)]  # C120

    @dag
    def main() -> None:
        dump(n="1")

    msg = compile_error(Workflow(entrypoint=main))
    assert msg == (
        f"{line_of('C120')}: TypeError while tracing template 'dump': Object of type InputRef "
        "is not JSON serializable. Parameters and task values are references while a body is "
        "traced: format them into strings or pass them on; compute with them in a @script "
        "[C120]"
    )


def test_an_error_in_a_dag_body_is_located() -> None:
    @dag
    def main() -> None:
        deploy(tag=undefined_name)  # type: ignore[name-defined]  # noqa: F821  # C120-dag

    msg = compile_error(Workflow(entrypoint=main))
    assert msg.startswith(
        f"{line_of('C120-dag')}: NameError while tracing template 'main': name 'undefined_name' "
        "is not defined."
    )


def test_calling_a_loop_item_is_a_located_error() -> None:
    @dag
    def main() -> None:
        deploy.map(over=["a"], tag=lambda it: it.upper())  # C111-item

    msg = compile_error(Workflow(entrypoint=main))
    assert msg.startswith(f"{line_of('C111-item')}: a call on the loop item")


def test_bool_parameters_combine_into_conditions() -> None:
    @dag
    def main(dry: bool = False, fast: bool = True) -> None:
        deploy(tag="a").when(~dry)
        deploy(tag="b").when(dry & fast)
        deploy(tag="c").when(dry | (fast == False))  # noqa: E712

    tasks = Workflow(entrypoint=main).to_dict()["spec"]["templates"][0]["dag"]["tasks"]
    assert [t["when"] for t in tasks] == [
        "{{=!(inputs.parameters.dry == 'true')}}",
        "{{=(inputs.parameters.dry == 'true') && (inputs.parameters.fast == 'true')}}",
        "{{=(inputs.parameters.dry == 'true') || (inputs.parameters.fast == 'false')}}",
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda n, s: s == 5, "compares parameter 's' of template 'main' (str) with 5 (int)"),
        (lambda n, s: n == "5", "compares parameter 'n' of template 'main' (int) with '5' (str)"),
        (lambda n, s: n > "3", "compares parameter 'n' of template 'main' (int) with '3' (str)"),
        (
            lambda n, s: n == True,  # noqa: E712
            "compares parameter 'n' of template 'main' (int) with True (bool)",
        ),
        (
            lambda n, s: n == s,
            "compares parameter 'n' of template 'main' (int) with parameter 's' of template "
            "'main' (str)",
        ),
    ],
)
def test_conditions_compare_values_of_one_type(make: Any, message: str) -> None:
    @dag
    def main(n: int = 1, s: str = "x") -> None:
        deploy(tag="a").when(make(n, s))

    where = f"{os.path.relpath(HERE)}:{make.__code__.co_firstlineno}"  # the comparison's line
    assert compile_error(Workflow(entrypoint=main)) == (
        f"{where}: this condition {message}: it can never hold. Compare values "
        "of one type (int and float mix) [C103]"
    )


def test_map_item_keys_are_checked_against_constant_items() -> None:
    @dag
    def main() -> None:
        deploy.map(over=[{"name": "a"}, {"name": "b"}], tag=lambda it: it["nmae"])  # C116-key

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C116-key')}: the loop items have no key 'nmae' (keys: name). Did you mean "
        "'name'? [C116]"
    )


def test_map_item_keys_on_scalar_items() -> None:
    @dag
    def main() -> None:
        deploy.map(over=["a", "b"], tag=lambda it: it["name"])  # C116-scalar

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C116-scalar')}: the loop items are not objects, so item 'name' does not "
        "exist: use the item itself (lambda it: it) [C116]"
    )


def test_several_argument_errors_are_reported_together() -> None:
    @dag
    def main() -> None:
        deploy(tg="a")  # C101-first
        deploy(tag=1)  # C103-second

    with pytest.raises(CompileError) as info:
        Workflow(entrypoint=main).to_dict()
    assert [d.format().split(": ", 1)[0] for d in info.value.diagnostics] == [
        line_of("C101-first"),
        line_of("C103-second"),
    ]
    assert [d.code for d in info.value.diagnostics] == ["C101", "C103"]


def test_errors_in_several_templates_are_reported_together() -> None:
    @dag
    def first() -> None:
        deploy(tg="a")  # C101-one

    @dag
    def second() -> None:
        deploy(tag=1)  # C103-two

    @dag
    def main() -> None:
        first()
        second()

    with pytest.raises(CompileError) as info:
        Workflow(entrypoint=main).to_dict()
    assert [d.format().split(": ", 1)[0] for d in info.value.diagnostics] == [
        line_of("C101-one"),
        line_of("C103-two"),
    ]


def test_an_unannotated_input_takes_its_type_from_the_default() -> None:
    @container(image="a")
    def nodef(x, y=3):  # type: ignore[no-untyped-def]
        return [x, f"{y}"]

    @dag
    def main() -> None:
        nodef(x="a", y=4)

    wf = Workflow(entrypoint=main).to_dict()
    assert wf["spec"]["templates"][1]["inputs"] == {
        "parameters": [{"name": "x"}, {"name": "y", "default": "3"}]
    }


def test_condition_repr_is_readable() -> None:
    @container(image="a", name="cmp")
    def cmp(n: str) -> list[str]:
        return [n == "1"]  # type: ignore[list-item]

    @dag
    def main() -> None:
        cmp(n="1")

    msg = compile_error(Workflow(entrypoint=main))
    assert "item 0 is <condition: parameter 'n' of template 'cmp' == '1'> (Compare)" in msg


def test_pod_gc_strategy_suggestion() -> None:
    from tiphys import PodGC

    with pytest.raises(CompileError) as info:
        PodGC("OnPodSucess")  # type: ignore[arg-type]
    assert info.value.diagnostics[0].message == (
        "pod_gc strategy 'OnPodSucess' is not one of OnPodCompletion, OnPodSuccess, "
        "OnWorkflowCompletion, OnWorkflowSuccess. Did you mean 'OnPodSuccess'?"
    )


def test_missing_entrypoint_of_an_unnamed_workflow() -> None:
    wf = Workflow()  # C110-unnamed
    assert compile_error(wf) == (
        f"{line_of('C110-unnamed')}: this Workflow has no entrypoint; pass "
        "entrypoint=<a template> [C110]"
    )


def test_aggregated_result_of_a_looped_container_is_refused() -> None:
    @container(image="a")
    def shout(word: str) -> list[str]:
        return ["echo", word]

    @dag
    def main() -> None:
        loud = shout.map(over=["a", "b"], word=lambda it: it)
        deploy(tag=loud.result)  # C121

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C121')}: result of task 'shout' is used, but that task loops over a "
        "template whose standard output need not be JSON, and Argo fails the workflow when it "
        "cannot read every iteration's result as JSON. Declare an output parameter "
        "(outputs={'name': '/path'}) and use .outputs.name, which Argo collects as a JSON list "
        "of strings, or return the value from a Python @script [C121]"
    )


def test_aggregated_result_of_a_looped_python_script_is_fine() -> None:
    @script
    def square(n: int) -> int:
        return n * n

    @dag
    def main() -> None:
        sq = square.map(over=[1, 2], n=lambda it: it)
        deploy(tag=sq.result)

    tasks = Workflow(entrypoint=main).to_dict()["spec"]["templates"][0]["dag"]["tasks"]
    assert tasks[1]["arguments"]["parameters"][0]["value"] == "{{tasks.square.outputs.result}}"
