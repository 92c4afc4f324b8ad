"""``Output``: every value source, its ``valueFrom`` shape, and the creation-time checks (C122)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from expect import error_of
from markers import marker_line
from tiphys import ConfigMap, Output

HERE = Path(__file__)


@pytest.mark.parametrize(
    ("output", "value_from"),
    [
        (Output("p", path="/tmp/p"), {"path": "/tmp/p"}),
        (Output("p", json_path="{.metadata.name}"), {"jsonPath": "{.metadata.name}"}),
        (Output("p", jq_filter="."), {"jqFilter": "."}),
        (
            Output("p", expression="tasks.a.outputs.result"),
            {"expression": "tasks.a.outputs.result"},
        ),
        (
            Output("p", parameter="{{tasks.a.outputs.parameters.x}}"),
            {"parameter": "{{tasks.a.outputs.parameters.x}}"},
        ),
        (Output("p", supplied=True), {"supplied": {}}),
        (
            Output("p", config_map=ConfigMap("cfg", "key", optional=True)),
            {"configMapKeyRef": {"name": "cfg", "key": "key", "optional": True}},
        ),
        (Output("p", event="payload.message"), {"event": "payload.message"}),
        (Output("p"), {}),
        (Output("p", supplied=True, default="NO"), {"supplied": {}, "default": "NO"}),
    ],
)
def test_each_source_sets_its_value_from_field(output: Output, value_from: dict[str, Any]) -> None:
    assert output.to_argo() == {"name": "p", "valueFrom": value_from}


def test_all_fields_in_order() -> None:
    out = Output(
        "digest", path="/tmp/d", default="none", description="image digest", global_name="d"
    )
    assert out.to_argo() == {
        "name": "digest",
        "valueFrom": {"path": "/tmp/d", "default": "none"},
        "globalName": "d",
        "description": "image digest",
    }


def test_a_returned_value_replaces_the_declared_source() -> None:
    out = Output("x", default="0")
    assert out.to_argo("{{tasks.a.outputs.result}}") == {
        "name": "x",
        "valueFrom": {"parameter": "{{tasks.a.outputs.result}}", "default": "0"},
    }


def test_source_property() -> None:
    assert Output("x", jq_filter=".").source == "jq_filter"
    assert Output("x", supplied=True).source == "supplied"
    assert Output("x").source is None


def test_two_sources_are_refused_at_the_line_that_creates_the_output() -> None:
    message = error_of(lambda: Output("name", path="/tmp/n", json_path="{.x}"))  # two
    assert message == (
        f"{marker_line(HERE, 'two')}: Output 'name' has 2 sources (path, json_path), and an "
        "output parameter takes its value from one: keep one of them [C122]"
    )


def test_supplied_and_a_source() -> None:
    message = error_of(lambda: Output("ok", supplied=True, expression="1"))  # three
    assert message == (
        f"{marker_line(HERE, 'three')}: Output 'ok' has 2 sources (expression, supplied), and an "
        "output parameter takes its value from one: keep one of them [C122]"
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"json_path": ""}, "json_path must be a non-empty string, not ''"),
        ({"jq_filter": 3}, "jq_filter must be a non-empty string, not 3"),
        ({"supplied": "yes"}, "supplied must be True or False, not 'yes'"),
        ({"config_map": "cfg"}, "config_map must be a ConfigMap('name', 'key'), not 'cfg'"),
    ],
)
def test_source_types_are_checked(kwargs: dict[str, Any], expected: str) -> None:
    message = error_of(lambda: Output("v", **kwargs))  # types
    assert message == f"{marker_line(HERE, 'types')}: Output 'v': {expected} [C122]"


def test_a_container_reads_its_outputs_from_files_only() -> None:
    from tiphys import container

    def make() -> None:
        @container(image="alpine:3.20", outputs=[Output("name", jq_filter=".")])  # kind
        def build() -> list[str]:
            return []

    assert error_of(make) == (
        f"{marker_line(HERE, 'kind')}: template 'build': output 'name' has jq_filter=, but Argo "
        "reads a container's outputs from files it writes: give path='/tmp/<name>' [C122]"
    )
