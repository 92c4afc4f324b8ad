"""Type-checker cases: each ``reveal_type`` line states what mypy must infer (``# revealed:``).

Expectations sit at the end of their line, so the formatter must leave the lines whole.
"""
# ruff: noqa: E501
# fmt: off

from __future__ import annotations

from typing import reveal_type

from tiphys import Task, container, dag, script


@container(image="alpine:3.20")
def clone(repo: str, tag: str) -> list[str]:
    return ["clone", repo, tag]


@script
def run_tests() -> int:
    return 0


@script(image="python:3.12-slim")
def greet(name: str, times: int = 1) -> str:
    return name * times


@dag
def release(tag: str) -> None:
    src = clone(repo="r", tag=tag)
    reveal_type(src)  # revealed: tiphys.dsl.template.Task[str]
    tests = run_tests().after(src)
    reveal_type(tests)  # revealed: tiphys.dsl.template.Task[int]
    reveal_type(tests.result)  # revealed: int
    reveal_type(greet(name=tag))  # revealed: tiphys.dsl.template.Task[str]
    reveal_type(greet.map(over=["a"], name=lambda it: it))  # revealed: tiphys.dsl.template.Task[list[str]]
    reveal_type(greet.fn)  # revealed: def (name: str, times: int =) -> Any
    gate: Task[int] = tests.when(tests.result == 0)
    reveal_type(gate)  # revealed: tiphys.dsl.template.Task[int]
    greet(name=tag, times="3")  # error: Argument "times" to "__call__" of "Template" has incompatible type "str"; expected "int"
    clone(repo="r")  # error: Missing positional argument "tag" in call to "__call__" of "Template"
