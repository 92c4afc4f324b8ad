"""Conditions compile to ``{{= ... }}`` expr text and status expressions to ``depends``."""

from __future__ import annotations

from typing import Any

import pytest

from tiphys import Workflow, container, dag, script
from tiphys.argo.expr import string_literal


@container(image="alpine:3.20")
def echo(msg: str = "") -> list[str]:
    return ["echo", msg]


@script
def flip() -> str:
    return "heads"


@script
def code() -> int:
    return 0


@script
def ratio() -> float:
    return 0.5


@script
def ok() -> bool:
    return True


def tasks_of(body: Any, **params: Any) -> list[dict[str, Any]]:
    wf = Workflow(entrypoint=dag(body))
    spec = wf.to_dict()["spec"]
    return spec["templates"][0]["dag"]["tasks"]  # type: ignore[no-any-return]


def when_of(make_condition: Any) -> str:
    def body() -> None:
        f, c, r, o = flip(), code(), ratio(), ok()
        echo().when(make_condition(f, c, r, o)).named("target")

    task = next(t for t in tasks_of(body) if t["name"] == "target")
    return task["when"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (lambda f, c, r, o: f.result == "heads", "{{=tasks.flip.outputs.result == 'heads'}}"),
        (lambda f, c, r, o: f.result != "a-b/c d", "{{=tasks.flip.outputs.result != 'a-b/c d'}}"),
        (
            lambda f, c, r, o: f.result == 'it\'s "x"\\',
            "{{=tasks.flip.outputs.result == 'it\\'s \\x22x\\x22\\\\'}}",
        ),
        (
            lambda f, c, r, o: f.result == "{{x}}",
            "{{=tasks.flip.outputs.result == '{' + '{x}' + '}'}}",
        ),
        (lambda f, c, r, o: c.result == 0, "{{=asInt(tasks.code.outputs.result) == 0}}"),
        (lambda f, c, r, o: c.result >= 2, "{{=asInt(tasks.code.outputs.result) >= 2}}"),
        (lambda f, c, r, o: r.result < 0.75, "{{=asFloat(tasks.ratio.outputs.result) < 0.75}}"),
        (lambda f, c, r, o: o.result == True, "{{=tasks.ok.outputs.result == 'true'}}"),  # noqa: E712
        (
            lambda f, c, r, o: (f.result == "heads") & (c.result == 0),
            "{{=(tasks.flip.outputs.result == 'heads') && "
            "(asInt(tasks.code.outputs.result) == 0)}}",
        ),
        (
            lambda f, c, r, o: (f.result == "a") | ~(c.result > 1),
            "{{=(tasks.flip.outputs.result == 'a') || (!(asInt(tasks.code.outputs.result) > 1))}}",
        ),
        (
            lambda f, c, r, o: f.result.is_in(["heads", "tails"]),
            "{{=tasks.flip.outputs.result in ['heads', 'tails']}}",
        ),
        (lambda f, c, r, o: f.status == "Succeeded", "{{=tasks.flip.status == 'Succeeded'}}"),
        (lambda f, c, r, o: c.exit_code != 0, "{{=asInt(tasks.code.exitCode) != 0}}"),
        (
            lambda f, c, r, o: "{{tasks.flip.outputs.result}} == heads",
            "{{tasks.flip.outputs.result}} == heads",
        ),
    ],
)
def test_when_rendering(condition: Any, expected: str) -> None:
    assert when_of(condition) == expected


def test_when_adds_dependencies_in_order() -> None:
    def body() -> None:
        f, c = flip(), code()
        echo().when((c.result == 0) & (f.result == "x"))

    assert tasks_of(body)[2]["depends"] == "code && flip"


def test_hyphenated_names_use_index_syntax() -> None:
    @script
    def run_tests() -> int:
        return 0

    def body(target_env: str) -> None:
        t = run_tests()
        echo().when((t.result == 0) & (target_env == "prod"))

    wf = Workflow(entrypoint=dag(body))
    tasks = wf.to_dict()["spec"]["templates"][0]["dag"]["tasks"]
    assert tasks[1]["when"] == (
        "{{=(asInt(tasks['run-tests'].outputs.result) == 0) && "
        "(inputs.parameters.target_env == 'prod')}}"
    )


def test_depends_from_status_expressions() -> None:
    def body() -> None:
        a, b, c = echo().named("a"), echo().named("b"), echo().named("c")
        echo(msg=a.result).after(a.succeeded | b.failed, ~c.skipped).named("d")
        echo().after(a.any_succeeded & b.all_failed, c).named("e")

    tasks = {t["name"]: t.get("depends") for t in tasks_of(body)}
    assert tasks == {
        "a": None,
        "b": None,
        "c": None,
        "d": "(a.Succeeded || b.Failed) && !c.Skipped",
        "e": "c && (a.AnySucceeded && b.AllFailed)",
    }


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("", "''"),
        ("plain", "'plain'"),
        ("a'b", "'a\\'b'"),
        ("back\\slash", "'back\\\\slash'"),
        ("new\nline\ttab", "'new\\nline\\ttab'"),
        ("{{", "'{' + '{'"),
        ("}}", "'}' + '}'"),
        ("}{", "'}' + '{'"),
        ("{{{", "'{' + '{' + '{'"),
        ("a?b:c", "'a\\x3fb:c'"),
        ('say "hi"', "'say \\x22hi\\x22'"),
        ("bell\x07", "'bell\\x07'"),
    ],
)
def test_expr_string_literals_never_contain_tag_delimiters(text: str, literal: str) -> None:
    assert string_literal(text) == literal


def test_raw_strings_naming_a_task_add_the_dependency() -> None:
    def body() -> None:
        flip().named("toss")
        echo().when("{{tasks.toss.outputs.result}} == heads").named("raw-when")
        echo(msg="got {{tasks.toss.outputs.result}}").named("raw-arg")
        echo(msg="{{tasks.nope.outputs.result}} {{workflow.name}}").named("other")

    depends = {t["name"]: t.get("depends") for t in tasks_of(body)}
    assert depends == {"toss": None, "raw-when": "toss", "raw-arg": "toss", "other": None}
