"""Parameter values are strings and survive compile -> YAML -> safe_load unchanged."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tiphys import Workflow, container, dag
from tiphys.dsl.params import param_value

TRICKY = [
    "true",
    "True",
    "no",
    "off",
    "y",
    "1e21",
    "0755",
    "0o17",
    "0x1F",
    "null",
    "~",
    "",
    "2026-01-01",
    "2026-01-01T10:00:00Z",
    "12:30",
    ".inf",
    "line one\nline two\n",
    "  leading spaces\nand trailing  \n",
    "ünïcode ✓ 日本",
    "key: value",
    "- item",
    "# not a comment",
    "{{inputs.parameters.x}}",
]


@container(image="alpine:3.20", command=["echo"])
def echo(msg: str) -> list[str]:
    return [msg]


@pytest.mark.parametrize("value", TRICKY, ids=repr)
def test_string_values_round_trip(value: str) -> None:
    @dag
    def main(text: str = value) -> None:
        echo(msg=text)
        echo(msg=value)

    wf = Workflow("values", entrypoint=main)
    loaded = yaml.safe_load(wf.to_yaml())
    assert loaded == wf.to_dict()
    assert loaded["spec"]["arguments"]["parameters"][0]["value"] == value
    assert loaded["spec"]["templates"][0]["inputs"]["parameters"][0]["default"] == value
    second = loaded["spec"]["templates"][0]["dag"]["tasks"][1]
    assert second["arguments"]["parameters"][0]["value"] == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (10**21, "1000000000000000000000"),
        (1e21, "1e+21"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        ([1, "a", None], '[1,"a",null]'),
        ({"k": "ü"}, '{"k":"ü"}'),
        (None, ""),
    ],
)
def test_python_constants_become_argo_strings(value: Any, text: str) -> None:
    assert param_value(value) == text


def test_typed_defaults_are_emitted_as_strings() -> None:
    @dag
    def main(
        n: int = 3, ratio: float = 1e21, flag: bool = True, tags: list[str] | None = None
    ) -> None:
        echo(msg=f"{n} {ratio} {flag}")

    # list[str] | None is not a supported annotation: a clear error, not a guess
    from tiphys import CompileError

    with pytest.raises(CompileError) as info:
        Workflow("typed", entrypoint=main).to_dict()
    assert "annotated list[str] | None" in info.value.diagnostics[0].message

    @dag
    def main2(n: int = 3, ratio: float = 1e21, flag: bool = True, tags: list[str] = ["a"]) -> None:  # noqa: B006
        echo(msg=f"{n} {ratio} {flag} {tags}")

    params = Workflow("typed", entrypoint=main2).to_dict()["spec"]["arguments"]["parameters"]
    assert params == [
        {"name": "n", "value": "3"},
        {"name": "ratio", "value": "1e+21"},
        {"name": "flag", "value": "true", "enum": ["true", "false"]},
        {"name": "tags", "value": '["a"]'},
    ]
