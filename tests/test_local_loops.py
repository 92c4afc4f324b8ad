"""tiphys.local.loops: loop expansion, node names, item variables, aggregated outputs."""

from __future__ import annotations

from typing import Any

import pytest

from tiphys.local import loops
from tiphys.local.scope import ScopeError

PARAM = '[1.50, {"b": 2, "a": "x", "c": {"z": 1, "y": [true]}}, [1, "a"], true, null, "s p"]'


def test_with_param_items_names_and_scopes() -> None:
    items = loops.expand_loop(
        {"name": "s", "withParam": "{{steps.gen.outputs.result}}"},
        {"steps.gen.outputs.result": PARAM},
    )
    assert items is not None
    got = [
        (loops.loop_node_name("wf[0].s", i, item), loops.item_scope(item))
        for i, item in enumerate(items)
    ]
    assert got == [
        ("wf[0].s(0:1.50)", {"item": "1.50"}),
        (
            'wf[0].s(1:a:x,b:2,c:{"z":1,"y":[true]})',
            {
                "item": '{"a":"x","b":2,"c":{"z":1,"y":[true]}}',
                "item.a": "x",
                "item.b": "2",
                "item.c": '{"z":1,"y":[true]}',
            },
        ),
        ("wf[0].s(2:[1 a])", {"item": '[1,"a"]'}),
        ("wf[0].s(3:true)", {"item": "true"}),
        ("wf[0].s(4:[])", {"item": "null"}),
        ("wf[0].s(5:s p)", {"item": "s p"}),
    ]


def test_with_items_substituted() -> None:
    step = {"withItems": ["{{workflow.parameters.x}}", 2, 1.5, {"k": "{{workflow.name}}"}]}
    scope = {"workflow.parameters.x": "xv", "workflow.name": "wf", "art": {"not": "a string"}}
    items = loops.expand_loop(step, scope)
    assert items == ["xv", 2, 1.5, {"k": "wf"}]
    assert [loops.loop_node_name("t", i, it) for i, it in enumerate(items)] == [
        "t(0:xv)",
        "t(1:2)",
        "t(2:1.5)",
        "t(3:k:wf)",
    ]


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"name": "plain"}, None),
        ({"withItems": []}, None),
        ({"withParam": "{{workflow.parameters.empty}}"}, None),
        ({"withParam": "null"}, []),
        ({"withParam": "[]"}, []),
        ({"withSequence": {"count": "3"}}, ["0", "1", "2"]),
        ({"withSequence": {"count": 2, "start": 5}}, ["5", "6"]),
        ({"withSequence": {"count": "0", "start": "5"}}, []),
        ({"withSequence": {"start": "3", "end": "1"}}, ["3", "2", "1"]),
        (
            {"withSequence": {"start": "1", "end": "2", "format": "f%03d.txt"}},
            ["f001.txt", "f002.txt"],
        ),
        ({"withSequence": {"end": "1", "format": "%x-%s"}}, ["0-%!s(MISSING)", "1-%!s(MISSING)"]),
        ({"withSequence": {"end": "0", "format": "n"}}, ["n%!(EXTRA int=0)"]),
        ({"withSequence": {"end": "{{workflow.parameters.n}}"}}, ["0", "1", "2"]),
        ({"withParam": "not json", "when": "false"}, []),
    ],
)
def test_expand_loop_table(step: dict[str, Any], expected: list[Any] | None) -> None:
    scope = {"workflow.parameters.n": "2", "workflow.parameters.empty": ""}
    assert loops.expand_loop(step, scope) == expected


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            {"withParam": " hello "},
            "withParam value could not be parsed as a JSON list: hello: "
            "invalid character 'h' looking for beginning of value",
        ),
        (
            {"withParam": '{"a": 1}'},
            'withParam value could not be parsed as a JSON list: {"a": 1}: '
            "json: cannot unmarshal object into Go value of type []v1alpha1.Item",
        ),
        (
            {"withParam": '"x"'},
            'withParam value could not be parsed as a JSON list: "x": '
            "json: cannot unmarshal string into Go value of type []v1alpha1.Item",
        ),
        (
            {"withParam": "[1, 2"},
            "withParam value could not be parsed as a JSON list: [1, 2: "
            "unexpected end of JSON input",
        ),
        (
            {"withParam": "[1 2]"},
            "withParam value could not be parsed as a JSON list: [1 2]: "
            "invalid character '2' after array element",
        ),
        (
            {"withParam": "[1] x"},
            "withParam value could not be parsed as a JSON list: [1] x: "
            "invalid character 'x' after top-level value",
        ),
        (
            {"withParam": "x", "when": "{{bad"},
            "withParam value could not be parsed as a JSON list: x: "
            "invalid character 'x' looking for beginning of value",
        ),
        (
            {"withParam": "{{steps.none.outputs.result}}"},
            "failed to resolve {{steps.none.outputs.result}}",
        ),
        (
            {"withSequence": {"count": "three"}},
            'failed to parse sequence count: strconv.ParseInt: parsing "three": invalid syntax',
        ),
        (
            {"withSequence": {"start": "1", "end": "x"}},
            'failed to parse sequence end: strconv.ParseInt: parsing "x": invalid syntax',
        ),
        ({"withSequence": {"start": "1"}}, "neither end nor count was specified in withSequence"),
    ],
)
def test_expand_loop_errors(step: dict[str, Any], message: str) -> None:
    with pytest.raises(ScopeError) as err:
        loops.expand_loop(step, {})
    assert str(err.value) == message


def _child(index: int, label: str, outputs: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"displayName": f"t({index}:{label})", "phase": "Succeeded", **extra}
    if outputs is not None:
        node["outputs"] = outputs
    return node


def test_aggregate_scope_whole() -> None:
    children = [
        _child(
            10, "j", {"result": '{"b": 1, "a": 2.50}', "parameters": [{"name": "p", "value": "3"}]}
        ),
        _child(
            2,
            "c",
            {
                "result": "7",
                "parameters": [{"name": "p", "value": "1.0"}, {"name": "q", "value": "x"}],
            },
        ),
        _child(3, "d", None),
        _child(4, "e", {"result": '"s"'}, nodeFlag={"hooked": True}),
        _child(5, "f", {"exitCode": "1"}),
        _child(
            6,
            "g",
            {"result": "not json", "parameters": [{"name": "p", "value": "9"}]},
            phase="Failed",
        ),
        _child(7, "h", {"result": "not json"}, nodeFlag={"retried": True}),
    ]
    assert loops.aggregate_scope("tasks.t", children) == {
        "tasks.t.outputs.result": '[7,{"b":1,"a":2.50}]',
        "tasks.t.outputs.parameters": '[{"p":"1.0","q":"x"},{"p":"3"}]',
        "tasks.t.outputs.parameters.p": '["1.0","3"]',
        "tasks.t.outputs.parameters.q": '["x"]',
    }
    assert loops.aggregate_scope("tasks.t", []) == {}
    assert loops.aggregate_scope("steps.s", [_child(0, "a", None)]) == {
        "steps.s.outputs.result": "[]",
        "steps.s.outputs.parameters": "[]",
    }


def test_aggregate_param_values_not_all_json_are_strings() -> None:
    children = [
        _child(0, "a", {"parameters": [{"name": "p", "value": '{"k": [1]}'}]}),
        _child(1, "b", {"parameters": [{"name": "p", "value": "plain text"}]}),
    ]
    assert loops.aggregate_scope("steps.s", children)["steps.s.outputs.parameters.p"] == (
        '["{\\"k\\": [1]}","plain text"]'
    )
    big = _child(1, "b", {"parameters": [{"name": "p", "value": "[12345678901234567890]"}]})
    children = [children[0], big]
    assert loops.aggregate_scope("steps.s", children)["steps.s.outputs.parameters.p"] == (
        '[{"k":[1]},[12345678901234567000]]'
    )


# Argo's own table (workflow/controller TestAggregatedJsonValueList).
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1"], '["1"]'),
        (["1", "2"], '["1","2"]'),
        (["foo"], '["foo"]'),
        (["foo", "bar"], '["foo","bar"]'),
        (['["1"]', "2"], '["[\\"1\\"]","2"]'),
        (['{"foo":"1"}', "2"], '["{\\"foo\\":\\"1\\"}","2"]'),
        (['["1"]', '["2"]'], '[["1"],["2"]]'),
        ([' ["1"]', '["2"] '], '[["1"],["2"]]'),
        (['\n["1"]  \n', '\t["2"]\t'], '[["1"],["2"]]'),
        (['{"number":"1"}', '{"number":"2"}'], '[{"number":"1"},{"number":"2"}]'),
        (['[{"foo":"apple", "bar":"pear"}]'], '[[{"bar":"pear","foo":"apple"}]]'),
    ],
)
def test_aggregated_value_list_argo_table(values: list[str], expected: str) -> None:
    children = [
        _child(i, str(i), {"parameters": [{"name": "p", "value": v}]}) for i, v in enumerate(values)
    ]
    assert loops.aggregate_scope("tasks.t", children)["tasks.t.outputs.parameters.p"] == expected


def test_aggregate_non_json_result_fails() -> None:
    with pytest.raises(ScopeError) as err:
        loops.aggregate_scope("tasks.t", [_child(0, "a", {"result": "hello world"})])
    assert str(err.value) == "invalid character 'h' looking for beginning of value"


@pytest.mark.parametrize(
    ("item", "name", "scope"),
    [
        ("f(x) y", "t(0:fx y)", {"item": "f(x) y"}),
        ('a"b<', 't(0:a\\"b<)', {"item": 'a"b<'}),
        (
            {"q": 'a"b<&', "n": None, "l": ["x", 1]},
            't(0:l:["x",1],n:null,q:a\\"b<&)',
            {
                "item": '{"l":["x",1],"n":null,"q":"a\\"b\\u003c\\u0026"}',
                "item.q": 'a\\"b<&',
                "item.n": "null",
                "item.l": '["x",1]',
            },
        ),
        ([{"k": "v"}, "s"], 't(0:[{"k":"v"} s])', {"item": '[{"k":"v"},"s"]'}),
        (False, "t(0:false)", {"item": "false"}),
        (-3, "t(0:-3)", {"item": "-3"}),
    ],
)
def test_item_names_and_scopes_quirks(item: Any, name: str, scope: dict[str, str]) -> None:
    assert (loops.loop_node_name("t", 0, item), loops.item_scope(item)) == (name, scope)


@pytest.mark.parametrize(
    ("seq", "expected"),
    [
        ({"start": "1", "end": "10", "count": "3"}, ["1", "2", "3"]),
        ({"count": "-1"}, []),
        ({"start": "-1", "end": "-3", "format": "%+d"}, ["-1", "-2", "-3"]),
        (
            {"end": "2", "format": "%5d|%-3d|%%"},
            ["    0|%!d(MISSING)|%", "    1|%!d(MISSING)|%", "    2|%!d(MISSING)|%"],
        ),
    ],
)
def test_sequences(seq: dict[str, str], expected: list[str]) -> None:
    assert loops.expand_loop({"withSequence": seq}, {}) == expected
