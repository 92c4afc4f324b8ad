"""Compiled output that Argo v4.1.2 would run wrongly, found by reviewing it against Argo's source.

Each test names the Argo behaviour it guards against (file and function in argo-workflows).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest

from expect import compile_error
from markers import marker_line
from tiphys import CompileError, Retry, Workflow, container, dag, script, steps

HERE = Path(__file__)


def line_of(marker: str) -> str:
    """The ``file:line`` of the line of this file marked ``# <marker>``."""
    return marker_line(HERE, marker)


def dag_tasks(wf: Workflow) -> list[dict[str, Any]]:
    return wf.to_dict()["spec"]["templates"][0]["dag"]["tasks"]  # type: ignore[no-any-return]


@container(image="alpine:3.20", command=["echo"])
def echo(msg: str = "") -> list[str]:
    return [msg]


@script
def numbers() -> list[int]:
    return [1, 2]


@script
def word() -> str:
    return "w"


def test_range_loops_use_start_and_count() -> None:
    # operator.go expandSequence counts down when start > end: range(3, 1) must run nothing.
    @dag
    def main() -> None:
        echo.map(over=range(5, 8), msg=lambda it: f"{it}").named("up")
        echo.map(over=range(3, 1), msg=lambda it: f"{it}").named("empty")
        echo.map(over=range(4), msg=lambda it: f"{it}").named("plain")

    loops = {t["name"]: t["withSequence"] for t in dag_tasks(Workflow(entrypoint=main))}
    assert loops == {
        "up": {"start": "5", "count": "3"},
        "empty": {"start": "3", "count": "0"},
        "plain": {"count": "4"},
    }


def test_dag_returns_must_be_plain_references() -> None:
    # scope.resolveParameter resolves valueFrom.parameter as one variable, not as text.
    @dag  # RET
    def inner() -> Any:
        w = word()
        return f"count={w.result}"

    @dag
    def main() -> None:
        inner()

    assert compile_error(Workflow(entrypoint=main)).startswith(
        f"{line_of('RET')}: @dag 'inner' returns a text built from references; Argo reads a "
        "returned value as one reference (valueFrom.parameter): return t.result or t.outputs.x "
        "itself"
    )


def test_nested_item_paths_are_refused() -> None:
    # operator.go processItem defines item and item.<key> only.
    @dag
    def main() -> None:
        echo.map(over=numbers().result, msg=lambda it: it["cfg"]["replicas"])  # NESTED

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('NESTED')}: Argo defines {{{{item}}}} and {{{{item.<key>}}}} only, not "
        "item.cfg.replicas: pass it['cfg'] to a dict input and read 'replicas' there [C116]"
    )


@pytest.mark.parametrize("name", ["matches", "in", "not", "and", "contains", "startsWith"])
def test_task_names_that_are_expr_keywords_are_renamed(name: str) -> None:
    # depends is parsed by expr-lang, whose lexer reads these words as operators.
    keyword = container(image="a", name=name)(lambda: ["x"])

    @dag
    def main() -> None:
        echo().after(keyword())

    tasks = dag_tasks(Workflow(entrypoint=main))
    assert [t["name"] for t in tasks] == ["echo", f"{name}-task"]
    assert tasks[0]["depends"] == f"{name}-task"


def test_explicit_keyword_task_name_is_refused() -> None:
    with pytest.raises(CompileError) as info:

        @dag
        def main() -> None:
            echo().named("matches")

        Workflow(entrypoint=main).to_dict()
    assert info.value.diagnostics[0].message == (
        "task name 'matches' is a word of Argo's depends language (expr-lang); choose another"
    )


def test_map_over_a_non_list_reference_is_refused() -> None:
    # dag.go expandTask: "withParam value could not be parsed as a JSON list".
    @dag
    def main() -> None:
        echo.map(over=word().result, msg=lambda it: it)  # OVER

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('OVER')}: map(over=...) got result of task 'word', which is str, not a "
        "list: Argo's withParam needs a JSON list (if the task prints a JSON list, pass "
        'over=f"{t.result}") [C117]'
    )


def test_reference_types_must_fit_the_input() -> None:
    @script
    def ratio() -> float:
        return 0.5

    @container(image="a")
    def needs_int(n: int) -> list[str]:
        return [f"{n}"]

    @dag
    def main() -> None:
        needs_int(n=ratio().result)  # TYPE

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('TYPE')}: argument 'n' of template 'needs-int' is result of task 'ratio' "
        "(float), but the input is int [C103]"
    )


def test_list_and_dict_values_cannot_be_compared_in_conditions() -> None:
    @dag
    def main() -> None:
        g = numbers()
        echo().when(g.result != [])  # LISTCMP

    assert compile_error(Workflow(entrypoint=main)).startswith(
        f"{line_of('LISTCMP')}: result of task 'numbers' is a list: Argo holds it as JSON text, "
        "so comparing it never means what it says"
    )


def test_expr_literals_never_close_a_tag() -> None:
    from tiphys.argo.expr import literal

    assert "}}" not in literal({"a": {"b": 1}})
    assert "]]" not in literal([[1]]) or "}}" not in literal([[1]])


def test_workflow_retry_applies_to_leaf_templates_only() -> None:
    # operator.go retryStrategy falls back to spec.retryStrategy for DAG and steps nodes too,
    # re-running whole DAGs (succeeded tasks included).
    @script(retry=Retry(5))
    def own() -> int:
        return 1

    @dag
    def main() -> None:
        echo()
        own()

    manifest = Workflow(entrypoint=main, retry=Retry(2, backoff="10s")).to_dict()
    assert "retryStrategy" not in manifest["spec"]
    strategies = {t["name"]: t.get("retryStrategy") for t in manifest["spec"]["templates"]}
    assert strategies == {
        "main": None,
        "echo": {"limit": 2, "backoff": {"duration": "10s"}},
        "own": {"limit": 5},
    }


def test_bool_inputs_declare_their_two_values() -> None:
    # A bool compares with 'true' in conditions: Argo must refuse -p flag=True at submit time.
    @dag
    def main(flag: bool = False) -> None:
        echo().when(flag)

    spec = Workflow(entrypoint=main).to_dict()["spec"]
    assert spec["arguments"]["parameters"] == [
        {"name": "flag", "value": "false", "enum": ["true", "false"]}
    ]
    assert spec["templates"][0]["inputs"]["parameters"] == [
        {"name": "flag", "default": "false", "enum": ["true", "false"]}
    ]


def test_python_scripts_run_python3() -> None:
    # The emissary looks the command up on PATH; many images ship python3 only.
    @dag
    def main() -> None:
        word()

    assert Workflow(entrypoint=main).to_dict()["spec"]["templates"][1]["script"]["command"] == [
        "python3"
    ]


class Stats(NamedTuple):
    rows: int
    label: str


@script
def stats(n: int) -> Stats:
    return Stats(rows=n * 10, label=f"part {n}")


@script
def total(rows: list[int], labels: list[str]) -> str:
    return f"{sum(rows)} {' + '.join(labels)}"


def test_aggregated_output_parameters_arrive_with_their_element_types(tmp_path: Path) -> None:
    # operator.go processAggregateNodeOutputs: a loop's per-name output parameters aggregate as
    # a JSON list of strings (["10","20"]) unless every value is an object or array.
    from test_script_source import run_script

    assert run_script(total, tmp_path, rows='["10","20"]', labels='["part 1","part 2"]') == (
        "30 part 1 + part 2"
    )
    assert run_script(total, tmp_path, rows="[10, 20]", labels='[{"k": 1}]') == '30 {"k": 1}'


def test_skipped_producers_in_fstrings_conditions_and_returns() -> None:
    # scope.go absentOptionalRef rescues pure references only; composite values still fail.
    @dag
    def fstring(env: str) -> None:
        w = word().when(env == "prod")
        echo(msg=f"got {w.result}")  # SKIP-F

    assert compile_error(Workflow(entrypoint=fstring)).startswith(
        f"{line_of('SKIP-F')}: task 'echo' uses result of task 'word' inside a text, but that "
        "task is skipped when its .when() condition is false"
    )

    @dag
    def condition(env: str) -> None:
        w = word().when(env == "prod")
        echo().when(w.result == "x")  # SKIP-C

    assert compile_error(Workflow(entrypoint=condition)).startswith(
        f"{line_of('SKIP-C')}: task 'echo' uses result of task 'word' in its condition, but "
        "that task is skipped when its .when() condition is false"
    )


def test_results_must_be_json_and_fit_argos_limit(tmp_path: Path) -> None:
    # executor.go CaptureScriptResult keeps the last 256 kB; NaN is not JSON.
    from test_script_source import run_script

    @script
    def nan() -> float:
        return float("nan")

    with pytest.raises(Exception) as info:
        run_script(nan, tmp_path)
    assert "Out of range float values are not JSON compliant" in str(info.value.stderr)

    @script
    def big() -> str:
        return "x" * 300_000

    with pytest.raises(Exception) as info:
        run_script(big, tmp_path)
    assert "the returned value is 300001 bytes" in str(info.value.stderr)


def test_generated_runner_accepts_json_of_any_element(tmp_path: Path) -> None:
    from test_script_source import run_script

    @script
    def echo_json(xs: list[dict[str, int]]) -> list[dict[str, int]]:
        return xs

    assert json.loads(run_script(echo_json, tmp_path, xs='[{"a": 1}]')) == [{"a": 1}]


def test_steps_returns_follow_the_same_rule() -> None:
    @steps  # RET-S
    def inner() -> Any:
        return "constant"

    @dag
    def main() -> None:
        inner()

    assert compile_error(Workflow(entrypoint=main)).startswith(
        f"{line_of('RET-S')}: @steps 'inner' returns 'constant'; Argo reads a returned value as "
        "one reference (valueFrom.parameter): return t.result or t.outputs.x itself"
    )


def test_literal_number_parameters_convert_in_conditions() -> None:
    @dag
    def main(level: Literal[1, 2, 3] = 2, ratio: Literal[0.5, 1.5] = 0.5) -> None:
        echo().when(level >= 2)
        echo().when(ratio == 0.5)

    assert [t["when"] for t in dag_tasks(Workflow(entrypoint=main))] == [
        "{{=asInt(inputs.parameters.level) >= 2}}",
        "{{=asFloat(inputs.parameters.ratio) == 0.5}}",
    ]


def test_formatting_a_task_instead_of_its_value_is_refused() -> None:
    @dag
    def main() -> None:
        w = word()
        echo(msg=f"{w}")  # TASKFMT

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('TASKFMT')}: task 'word' is a task, not a value: use its .result or "
        ".outputs.<name> [C111]"
    )


def test_unannotated_script_result_is_the_returned_value_or_what_it_prints(
    tmp_path: Path,
) -> None:
    from test_script_source import run_script

    @script
    def compute(x: int):  # type: ignore[no-untyped-def]
        print("debug line")
        return x * 2

    @script
    def printer(x: int):  # type: ignore[no-untyped-def]
        print(f"value {x}")

    assert run_script(compute, tmp_path, x="4") == "8"
    assert run_script(printer, tmp_path, x="4") == "value 4"


def test_name_and_generate_name_are_exclusive() -> None:
    with pytest.raises(CompileError) as info:
        Workflow("hello-fixed", entrypoint=echo, generate_name="hello-")
    assert info.value.diagnostics[0].message == (
        "give name= or generate_name=, not both: Kubernetes ignores generateName when a name is set"
    )


def test_validate_returns_compile_errors_as_diagnostics() -> None:
    @dag
    def main() -> None:
        echo(mesage="x")  # type: ignore[call-arg]

    found = Workflow(entrypoint=main).validate()
    assert [d.code for d in found] == ["C101"]
