"""Argo's ``{{...}}`` substitution (tiphys.argo.substitute), from util/template's semantics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tiphys.argo.substitute import (
    SubstitutionError,
    expand,
    go_quote,
    replace,
    substitute,
    substitute_json,
)
from tiphys.errors import TiphysError

EXAMPLES = Path(__file__).resolve().parents[1] / "shared" / "argo" / "examples"
if not EXAMPLES.is_dir():
    EXAMPLES = Path("/work/shared/argo/examples")

VALUES = {
    "inputs.parameters.x": 'a"b\nc',
    "inputs.parameters.my-p": "3",
    "inputs.parameters": '[{"name":"x"}]',
    "workflow.name": "wf",
    "workflow.parameters.cfg": '{"k": "v"}',
    "b": "bee",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{inputs.parameters.x}}", 'a"b\nc'),
        ("<{{ workflow.name }}>", "<wf>"),
        ("{{inputs.parameters}}", '[{"name":"x"}]'),
        ("{{a{{b}}", "{{abee"),
        ("no tags", "no tags"),
        ("{{=inputs.parameters['my-p'] + '<&>'}}", "3<&>"),
        ('{{=inputs.parameters.x == "a\\"b\\nc"}}', "true"),
        ("{{=asInt(inputs.parameters['my-p']) * 10}}", "30"),
        ("{{=1.5}} {{=1e21}} {{=10/4}} {{=false}}", "1.5 1e+21 2.5 false"),
        ("{{=[1, 'a']}} {{={b: 1, a: [true]} }}", '[1,"a"] {"a":[true],"b":1}'),
        ("{{=toJson({a: 'x'})}}", '{"a":"x"}'),
        ("{{=sprig.upper(workflow.name)}}", "WF"),
        # 'inputs.parameters' (the JSON text) gives way to the map of 'inputs.parameters.*'.
        ("{{=toJson(inputs.parameters)}}", '{"my-p":"3","x":"a\\"b\\nc"}'),
        ("{{=jsonpath(workflow.parameters.cfg, '$.k')}}", "v"),
        ("{{= workflow.name }}", "wf"),
    ],
)
def test_substitute(text: str, expected: str) -> None:
    assert substitute(text, VALUES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{nope}}-{{ inputs.parameters.y }}", "{{nope}}-{{ inputs.parameters.y }}"),
        ("{{=nope}}", "{{=nope}}"),
        ("{{=inputs.parameters.y}}", "{{=inputs.parameters.y}}"),
        # A missing path is evaluated anyway in this pass: '??' resolves it ...
        ("{{=inputs.parameters.y ?? 'd'}}", "d"),
        # ... unless it names one of the variables Argo waits for.
        ("{{=workflow.status ?? 'd'}}", "{{=workflow.status ?? 'd'}}"),
        ("{{=lastRetry.exitCode ?? 'd'}}", "{{=lastRetry.exitCode ?? 'd'}}"),
        ("{{=item}} {{workflow.name}}", "{{=item}} wf"),
        ("{{=a < 1}}", "{{=a < 1}}"),
    ],
)
def test_allow_unresolved(text: str, expected: str) -> None:
    assert substitute(text, VALUES, allow_unresolved=True) == expected


@pytest.mark.parametrize(
    ("text", "allow", "message"),
    [
        ("{{ nope }}", False, "failed to resolve {{ nope }}"),
        ("{{=nope + 1}}", False, "failed to evaluate expression: nope is missing"),
        (
            "{{=inputs.parameters.y ?? 'd'}}",
            False,
            "failed to evaluate expression: inputs.parameters.y is missing",
        ),
        (
            "{{=inputs.parameters.x.z.w}}",
            False,
            "failed to evaluate expression: inputs.parameters.x.z is missing",
        ),
        # With every variable present, errors are raised even in the allow-unresolved pass.
        ("{{=nil}}", True, 'failed to evaluate expression "nil"'),
        (
            "{{=asInt(workflow.name)}}",
            True,
            "failed to evaluate expression: invalid operation: int(wf) (1:1)\n"
            " | asInt(workflow.name)\n | ^",
        ),
        (
            "{{=1 +}}",
            True,
            "failed to evaluate expression: unexpected end of expression (1:4)\n | 1 +\n |    ^",
        ),
        # The tag ends at the first '}}': a map literal must not end with '}}}'.
        (
            "{{={a: 1}}}",
            False,
            "failed to evaluate expression: unexpected end of expression (1:6)\n"
            " | {a: 1\n |      ^",
        ),
        (
            "{{a",
            True,
            'Cannot find end tag="}}" in the template="\\"{{a\\"" starting from "a\\""',
        ),
    ],
)
def test_errors(text: str, allow: bool, message: str) -> None:
    with pytest.raises(SubstitutionError) as caught:
        substitute(text, VALUES, allow_unresolved=allow)
    assert str(caught.value) == message
    assert isinstance(caught.value, TiphysError)


@pytest.mark.parametrize(
    ("json_text", "expected"),
    [
        ('"{{inputs.parameters.x}}"', '"a\\"b\\nc"'),
        ('"{{=inputs.parameters.x + \\"<\\"}}"', '"a\\"b\\nc\\u003c"'),
        ('"{{=toJson({a: 1})}}"', '"{\\"a\\":1}"'),
        ('"{{={a: 1} }}"', '"{\\"a\\":1}"'),
        ('"{{=3}}"', '"3"'),
        ('"{{=\\"\\u003c\\"}}"', '"\\u003c"'),
    ],
)
def test_replace_json_text(json_text: str, expected: str) -> None:
    assert replace(json_text, VALUES) == expected


@pytest.mark.parametrize(
    ("json_text", "values", "message"),
    [
        ("{", {}, "cannot do template replacements with invalid JSON"),
        (
            '"{{x}}"',
            {"x": "\x7f"},
            "cannot finish template replacement because the result was invalid JSON",
        ),
        (
            '"{{x}}"',
            {"x": "\x07"},
            "cannot finish template replacement because the result was invalid JSON",
        ),
        ('"{{x}}"', {}, "failed to resolve {{x}}"),
        # \u003c is turned back into '<' before the expression is parsed.
        (
            '"{{=\\u003c}}"',
            {},
            ("failed to evaluate expression: unexpected token '<' (1:1)\n | <\n | ^"),
        ),
    ],
)
def test_replace_errors(json_text: str, values: dict[str, str], message: str) -> None:
    with pytest.raises(SubstitutionError) as caught:
        replace(json_text, values)
    assert str(caught.value) == message


def test_expr_env_values() -> None:
    env: dict[str, Any] = {"tasks.a.outputs.result": None, "n": 2}
    assert substitute("{{=tasks.a.outputs.result ?? 'none'}} {{=n * 2}}", {}, expr_env=env) == (
        "none 4"
    )
    with pytest.raises(SubstitutionError) as caught:
        substitute("{{n}}", {}, expr_env=env)
    assert str(caught.value) == "failed to resolve {{n}} to string"


def test_placeholder_makes_failures_unresolved() -> None:
    values = {"a": "__argo__internal__placeholder-1"}
    assert substitute("{{=asInt(a)}}", values) == "{{=asInt(a)}}"


@pytest.mark.parametrize(
    ("flat", "nested"),
    [
        ({"a.b.c": "1", "a.d": "2", "e": "3"}, {"a": {"b": {"c": "1"}, "d": "2"}, "e": "3"}),
        ({"a": "1", "a.b": "2"}, {"a": {"b": "2"}}),
        ({"a": "1", "ab": "2"}, {"ab": "2"}),  # Argo drops a key that prefixes the next one
        ({"p.my-x": "1"}, {"p": {"my-x": "1"}}),
    ],
)
def test_expand(flat: dict[str, str], nested: dict[str, Any]) -> None:
    assert expand(flat) == nested


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('a"b\\', '"a\\"b\\\\"'),
        ("\n\t\a\v", '"\\n\\t\\a\\v"'),
        ("\x00\x7f", '"\\x00\\x7f"'),
        ("\u00a0\u200b", '"\\u00a0\\u200b"'),
        ("é\U0001f600", '"é\U0001f600"'),
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_substitute_json_whole_template() -> None:
    template = {"name": "t", "args": ["{{b}}", {"k": "{{=asInt('2') + 1}}"}], "n": 1}
    assert substitute_json(template, VALUES) == {
        "name": "t",
        "args": ["bee", {"k": "3"}],
        "n": 1,
    }


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    return loaded


def test_example_expression_destructure_json() -> None:
    workflow = _example("expression-destructure-json.yaml")
    config = workflow["spec"]["arguments"]["parameters"][0]["value"]
    main = workflow["spec"]["templates"][0]
    values = {"workflow.parameters.config": config}
    inputs = substitute_json(main["inputs"], values)
    assert inputs == {
        "parameters": [
            {"name": "a", "value": "1"},
            {"name": "b", "value": "2"},
            {"name": "c", "value": "3"},
        ]
    }
    params = {f"inputs.parameters.{p['name']}": p["value"] for p in inputs["parameters"]}
    assert substitute_json(main["script"]["env"], params) == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "2"},
        {"name": "C", "value": "3"},
    ]


def test_example_expression_tag_template() -> None:
    workflow = _example("expression-tag-template-workflow.yaml")
    task = workflow["spec"]["templates"][0]["dag"]["tasks"][0]
    # The global pass: withParam resolves, '{{=item}}' waits for the item.
    assert substitute_json(task, {"workflow.name": "w"}, allow_unresolved=True) == {
        "name": "task-0",
        "template": "pod-0",
        "arguments": {"parameters": [{"name": "foo", "value": "{{=item}}"}]},
        "withParam": "[3]",
    }
    assert substitute_json(task["arguments"], {"item": "3"}) == {
        "parameters": [{"name": "foo", "value": "3"}]
    }
    pod = workflow["spec"]["templates"][1]
    first = pod["container"]["args"][1].split(" @ ")[0]
    assert substitute(first, {"inputs.parameters.foo": "3"}) == "hello 30"
