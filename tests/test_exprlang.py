"""tiphys.argo.exprlang: Argo's expr-lang evaluator, as table tests of expression -> value/error.

The expected values follow expr-lang v1.17's semantics (its parser precedence table, checker and
runtime helpers) and Argo v4's ``util/expr/env`` (``asInt``/``asFloat`` are expr's ``int`` and
``float``, ``toJson`` is ``json.Marshal``, ``jsonpath`` decodes numbers as float64, ``sprig`` is
sprig's function map).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiphys.argo.exprlang import ExprError, evaluate, go_json, go_string, parse
from tiphys.errors import TiphysError

ENV: dict[str, Any] = {
    "inputs": {"parameters": {"x": "3", "my-p": "hello", "f": "1.5", "json": '{"a": [1, 2]}'}},
    "steps": {"s-1": {"outputs": {"result": "ok"}, "status": "Succeeded"}},
    "items": [{"n": 1, "name": "a"}, {"n": 2, "name": "b"}, {"n": 3, "name": "c"}],
    "nums": [1, 2, 3, 4],
    "m": {"k": "v", "z": None},
    "nothing": None,
    "staff": '{"e": [{"name": "Baris", "age": 43}, {"name": "Mo", "age": 42},'
    ' {"name": "Jai", "age": 44, "boss": true}]}',
}

VALUES: list[tuple[str, Any]] = [
    # literals
    ("'single'", "single"),
    ('"double"', "double"),
    (r'"a\"b\'c\\d\n\t"', "a\"b'c\\d\n\t"),
    (r"'\x41\u00e9\101'", "AéA"),
    ("`raw \\n`", "raw \\n"),
    ("42", 42),
    ("1_000", 1000),
    ("0x1f", 31),
    ("1.5", 1.5),
    ("1e3", 1000.0),
    ("true", True),
    ("false", False),
    ("nil", None),
    ("[1, 'a', nil]", [1, "a", None]),
    ("[]", []),
    ("{a: 1, 'b-c': 2, \"d\": 3}", {"a": 1, "b-c": 2, "d": 3}),
    ("{}", {}),
    ("{1: 'a'}", {"1": "a"}),
    # member access, index, slices
    ("inputs.parameters.x", "3"),
    ("inputs.parameters['my-p']", "hello"),
    ('steps["s-1"].outputs.result', "ok"),
    ("m.missing", None),
    ("nothing?.a", None),
    ("m.missing?.a?.b", None),
    ("nothing?.a.b[0]", None),
    ("nothing?.['a'].b", None),
    ("(nothing?.a) ?? 'x'", "x"),
    ("nums[0]", 1),
    ("nums[-1]", 4),
    ("nums[1:3]", [2, 3]),
    ("nums[:2]", [1, 2]),
    ("nums[2:]", [3, 4]),
    ("nums[-2:]", [3, 4]),
    ("nums[3:10]", [4]),
    ("'hello'[1:3]", "el"),
    ("'hé'[1]", 0xC3),
    ("items[1].name", "b"),
    # arithmetic
    ("1 + 2", 3),
    ("1 + 2.5", 3.5),
    ("7 - 10", -3),
    ("3 * 4", 12),
    ("7 / 2", 3.5),
    ("8 / 2", 4.0),
    ("7 % 3", 1),
    ("-7 % 3", -1),
    ("2 ** 3", 8.0),
    ("2 ^ 3", 8.0),
    ("-2 ** 2", -4.0),
    ("2 ** 3 ** 2", 512.0),
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("'a' + 'b'", "ab"),
    ("-(1 + 2)", -3),
    ("+5", 5),
    ("1..3", [1, 2, 3]),
    # comparison
    ("1 == 1.0", True),
    ("1 != 2", True),
    ("'a' < 'b'", True),
    ("2 >= 2.5", False),
    ("true == 1", False),
    ("nil == nil", True),
    ("[1, 2] == [1, 2]", True),
    ("{a: 1} == {a: 1.0}", True),
    # logic
    ("true and false", False),
    ("true or false", True),
    ("true && !false", True),
    ("not true || false", False),
    ("false and nil.x", False),
    ("true or nil.x", True),
    ("1 < 2 && 2 < 3", True),
    ("1 < 2 < 3", True),
    ("3 > 2 > 2", False),
    ("1 == 1 == 1", True),
    ("(1 == 1) == true", True),
    # ternary and ??
    ("1 > 2 ? 'a' : 'b'", "b"),
    ("true ? false ? 1 : 2 : 3", 2),
    ("nothing ?? 'd'", "d"),
    ("m.missing ?? m.k", "v"),
    ("0 ?? 1", 0),
    ("(nothing ?? 1) + 1", 2),
    ("nothing ?? m.missing ?? 3", 3),
    # in, string operators
    ("2 in nums", True),
    ("5 not in nums", True),
    ("'k' in m", True),
    ("'q' in m", False),
    ("'hello' matches '^h.*o$'", True),
    ("'hello' not matches 'x'", True),
    ("'hello' contains 'ell'", True),
    ("'hello' startsWith 'he'", True),
    ("'hello' endsWith 'lo'", True),
    ("'hello' not endsWith 'lo'", False),
    # closures
    ("filter(nums, {# > 2})", [3, 4]),
    ("filter(nums, # % 2 == 0)", [2, 4]),
    ("map(items, .name)", ["a", "b", "c"]),
    ("map(items, {#.n * 10})", [10, 20, 30]),
    ("map(nums, #index)", [0, 1, 2, 3]),
    ("all(nums, # > 0)", True),
    ("any(nums, # > 3)", True),
    ("none(nums, # > 4)", True),
    ("one(nums, # == 2)", True),
    ("count(items, .n >= 2)", 2),
    ("filter([], # > 1)", []),
    ("len(filter(items, .name in ['a', 'c']))", 2),
    # builtins
    ("len('héllo')", 6),
    ("len(nums)", 4),
    ("len(m)", 2),
    ("string(1)", "1"),
    ("string(1.5)", "1.5"),
    ("string(2.0)", "2"),
    ("string(1e6)", "1e+06"),
    ("string(123456.0)", "123456"),
    ("string(0.0001)", "0.0001"),
    ("string(0.00001)", "1e-05"),
    ("string(true)", "true"),
    ("string(nil)", "<nil>"),
    ("string([1, 'a'])", "[1 a]"),
    ("string({b: 1, a: 2})", "map[a:2 b:1]"),
    ("int('42')", 42),
    ("int(3.9)", 3),
    ("int(-3.9)", -3),
    ("float('1.5')", 1.5),
    ("float(2)", 2.0),
    ("asInt(inputs.parameters.x) + 1", 4),
    ("asFloat(inputs.parameters.f) * 2", 3.0),
    ("toJson({b: 1.0, a: [1, 'x<y&z']})", '{"a":[1,"x\\u003cy\\u0026z"],"b":1}'),
    ("toJson(nil)", "null"),
    ("toJson('é')", '"é"'),
    ("toJson(1e21)", "1e+21"),
    ("toJson(0.0000001)", "1e-7"),
    ("toJSON({a: [1]})", '{\n  "a": [\n    1\n  ]\n}'),
    ("fromJSON('{\"a\": [1, 2]}').a[1]", 2),
    ("jsonpath(inputs.parameters.json, '$.a[1]')", 2.0),
    ("jsonpath(inputs.parameters.json, '$.a')", [1.0, 2.0]),
    ("jsonpath(inputs.parameters.json, '$.a[*]')", [1.0, 2.0]),
    ('jsonpath(\'{"a": {"b-c": "x"}}\', "$.a[\'b-c\']")', "x"),
    ("jsonpath('[{\"n\": 1}, {\"n\": 2}]', '$[*].n')", [1.0, 2.0]),
    ('jsonpath(\'{"a": {"x": 1, "y": 2}}\', \'$.a.*\')', [1.0, 2.0]),
    # evilmonkeyinc/jsonpath filters and slices (expression-destructure-json-complex.yaml)
    ("jsonpath(staff, '$.e[?(@.name==\"Baris\")].age')", [43.0]),
    ("jsonpath(staff, '$.e[?(@.age>42 && @.age<44)].age')", [43.0]),
    ("jsonpath(staff, '$.e[?(@.age<43 || @.name==\"Jai\")].name')", ["Mo", "Jai"]),
    ("jsonpath(staff, '$.e[?(@.age!=43)].name')", ["Mo", "Jai"]),
    ("jsonpath(staff, '$.e[?(@.boss)].name')", ["Jai"]),
    ("jsonpath(staff, '$.e[0:1]')", [{"name": "Baris", "age": 43.0}]),
    ("jsonpath(staff, '$.e[1:].name')", ["Mo", "Jai"]),
    ("jsonpath(staff, '$.e[:-1].age')", [43.0, 42.0]),
    ("upper('ab') + lower('CD')", "ABcd"),
    ("trim('  a ')", "a"),
    ("split('a,b', ',')", ["a", "b"]),
    ("join(['a', 'b'], '-')", "a-b"),
    ("keys({a: 1})", ["a"]),
    ("trimPrefix('v1.2', 'v') + trimSuffix('a.txt', '.txt')", "1.2a"),
    ("hasPrefix('abc', 'ab') && hasSuffix('abc', 'bc')", True),
    ("abs(-2.5)", 2.5),
    ("first(nums) + last(nums)", 5),
    # sprig
    ("sprig.min(34, 27.0, '15', 57)", 15),
    ("sprig.max(34, 27.0, '15', 57)", 57),
    ("sprig.add(34.0, 27.0, 15.0, 57.0, 46.0) / 5", 35.8),
    ("sprig.div(7, 2)", 3),
    ("sprig.div(-7, 2)", -3),
    ("sprig.mod(-7, 2)", -1),
    ("sprig.biggest(1, 9, 3)", 9),
    ("sprig.maxf(1, 2.5)", 2.5),
    ("sprig.minf(1, 2.5)", 1.0),
    ("sprig.floor(2.7)", 2.0),
    ("sprig.ceil('2.1')", 3.0),
    ("sprig.round(2.345, 2)", 2.35),
    ("sprig.title('hello world')", "Hello World"),
    ("sprig.substr(1, 3, 'hello')", "el"),
    ("sprig.trunc(3, 'hello')", "hel"),
    ("sprig.nospace('a b  c')", "abc"),
    ("sprig.cat('a', 1, nil, 'b')", "a 1 b"),
    ("sprig.indent(2, 'a\\nb')", "  a\n  b"),
    ("sprig.ternary('y', 'n', false)", "n"),
    ("sprig.coalesce(nil, '', 'x')", "x"),
    ("sprig.regexMatch('^a.c$', 'abc')", True),
    ("sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", "-W-xxW-"),
    ("sprig.regexFindAll('a.', 'abacad', -1)", ["ab", "ac", "ad"]),
    ("sprig.sha256sum('a')", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
    ("sprig.first([1, 2])", 1),
    ("sprig.last([1, 2])", 2),
    ("sprig.has(2, [1, 2])", True),
    ("sprig.uniq([1, 2, 1])", [1, 2]),
    ("sprig.reverse([1, 2])", [2, 1]),
    ("sprig.append([1], 2)", [1, 2]),
    ("sprig.dict('a', 1).a", 1),
    ("sprig.hasKey({a: 1}, 'a')", True),
    ("sprig.until(3)", [0, 1, 2]),
    # sprig's date takes a time or Unix seconds; any other value (Argo's timestamps are text)
    # is time.Now() (expression-tag-template-workflow.yaml); Go layouts, in UTC here
    ("sprig.date('2006-01-02T15:04:05Z07:00', 86400 * 366 + 3723)", "1971-01-02T01:02:03Z"),
    ("sprig.date('Mon Jan _2 3:4:5 PM 06 MST', 0)", "Thu Jan  1 12:0:0 AM 70 UTC"),
    ("sprig.dateInZone('02/01/2006 15h', 0, 'UTC')", "01/01/1970 00h"),
    ("sprig.trim('  a \\n')", "a"),
    ("sprig.upper('a')", "A"),
    ("sprig.lower('A')", "a"),
    ("sprig.replace('a', 'b', 'banana')", "bbnbnb"),
    ("sprig.default('d', '')", "d"),
    ("sprig.default('d', 'x')", "x"),
    ("sprig.default('d', 0)", "d"),
    ("sprig.empty('')", True),
    ("sprig.empty([])", True),
    ("sprig.empty(0)", True),
    ("sprig.empty('a')", False),
    ("sprig.int('12')", 12),
    ("sprig.int('abc')", 0),
    ("sprig.int(3.7)", 3),
    ("sprig.atoi('7')", 7),
    ("sprig.atoi('x')", 0),
    ("sprig.add(1, '2')", 3),
    ("sprig.sub(5, 2)", 3),
    ("sprig.contains('ell', 'hello')", True),
    ("sprig.hasPrefix('he', 'hello')", True),
    ("sprig.hasSuffix('lo', 'hello')", True),
    ("sprig.split(',', 'a,b')", {"_0": "a", "_1": "b"}),
    ("sprig.splitList(',', 'a,b')", ["a", "b"]),
    ("sprig.join('-', ['a', 1])", "a-1"),
    ("sprig.b64enc('hi')", "aGk="),
    ("sprig.b64dec('aGk=')", "hi"),
    ("sprig.toString(5)", "5"),
    ("sprig.toString('s')", "s"),
    ("sprig.quote('a\"b', 'c')", '"a\\"b" "c"'),
]


@pytest.mark.parametrize(("expression", "expected"), VALUES, ids=[v[0] for v in VALUES])
def test_evaluate(expression: str, expected: Any) -> None:
    result = evaluate(expression, ENV)
    assert result == expected
    assert type(result) is type(expected)


ERRORS: list[tuple[str, str]] = [
    (
        "x ?? 1 + 1",
        "Operator (+) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses."
        " (1:8)\n | x ?? 1 + 1\n |        ^",
    ),
    (
        "1 < 'a' < 3",
        "invalid operation: < (mismatched types int and string) (1:3)\n | 1 < 'a' < 3\n |   ^",
    ),
    ("y + 1", "unknown name y (1:1)\n | y + 1\n | ^"),
    (
        "inputs.parameters.x + 1",
        "invalid operation: + (mismatched types string and int) (1:21)\n"
        " | inputs.parameters.x + 1\n |                     ^",
    ),
    ("1 +", "unexpected end of expression (1:4)\n | 1 +\n |    ^"),
    ("1 + * 2", "unexpected token '*' (1:5)\n | 1 + * 2\n |     ^"),
    ("1 @ 2", "unexpected character '@' (1:3)\n | 1 @ 2\n |   ^"),
    ("nothing.a", "cannot fetch a from <nil> (1:9)\n | nothing.a\n |         ^"),
    ("nums[9]", "index out of range: 9 (array length is 4) (1:6)\n | nums[9]\n |      ^"),
    (
        "7 % 2.0",
        "invalid operation: % (mismatched types int and float64) (1:3)\n | 7 % 2.0\n |   ^",
    ),
    ("1 / 0 + 1", "integer divide by zero (1:3)\n | 1 / 0 + 1\n |   ^"),
    ("1 and true", "invalid operation: and (mismatched type int) (1:3)\n | 1 and true\n |   ^"),
    ("1 ? 2 : 3", "non-bool expression (type int) used as condition (1:1)\n | 1 ? 2 : 3\n | ^"),
    ("asInt('x')", "invalid operation: int(x) (1:1)\n | asInt('x')\n | ^"),
    ("int(true)", "invalid operation: int(bool) (1:1)\n | int(true)\n | ^"),
    ("float([])", "invalid operation: float([]interface {}) (1:1)\n | float([])\n | ^"),
    ("nums['a']", "invalid operation: int(string) (1:6)\n | nums['a']\n |      ^"),
    ("m?.missing.a", "cannot fetch a from <nil> (1:12)\n | m?.missing.a\n |            ^"),
    ("(nothing?.a).b", "cannot fetch b from <nil> (1:14)\n | (nothing?.a).b\n |              ^"),
    ("nums[-9]", "index out of range: -5 (array length is 4) (1:6)\n | nums[-9]\n |      ^"),
    ("float('1 ')", "invalid operation: float(1 ) (1:1)\n | float('1 ')\n | ^"),
    (
        "filter(nums, # + 1)",
        "predicate should return boolean (got int) (1:1)\n | filter(nums, # + 1)\n | ^",
    ),
    ("# > 1", "cannot use pointer accessor outside predicate (1:1)\n | # > 1\n | ^"),
    ("'a\\q'", "invalid char escape (1:1)\n | 'a\\q'\n | ^"),
    ("toJson(1.0 / 0.0)", "json: unsupported value: +Inf (1:1)\n | toJson(1.0 / 0.0)\n | ^"),
    (
        "'a' matches '('",
        "error parsing regexp: missing ), unterminated subpattern at position 0"
        " (1:5)\n | 'a' matches '('\n |     ^",
    ),
    ("x == 1 &&\n  zz", "unknown name zz (2:3)\n |   zz\n |   ^"),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(expression: str, message: str) -> None:
    env = {**ENV, "x": 1}
    with pytest.raises(ExprError) as caught:
        evaluate(expression, env)
    assert str(caught.value) == message


def test_error_attributes_and_base_class() -> None:
    with pytest.raises(TiphysError) as caught:
        evaluate("a + nope", {"a": 1})
    error = caught.value
    assert isinstance(error, ExprError)
    assert (error.expression, error.reason, error.line, error.column) == (
        "a + nope",
        "unknown name nope",
        1,
        5,
    )


def test_env_names_and_builtins() -> None:
    """Bare names come from env; a call of a builtin's name is the builtin (expr-lang's
    parser), and Argo's functions are set over the variables (util/expr/env.GetFuncMap)."""
    assert evaluate("len + 1", {"len": 3}) == 4
    assert evaluate("len([1])", {"len": lambda _: 99}) == 1
    assert evaluate("filter(nums, # > 1)", {"filter": 1, "nums": [1, 2]}) == [2]
    assert evaluate("asInt('2')", {"asInt": lambda _: 99}) == 2
    assert evaluate("f(2)", {"f": lambda x: x * 10}) == 20


def test_parse_is_cached() -> None:
    assert parse("1 + 2") is parse("1 + 2")


GO_JSON: list[tuple[Any, str]] = [
    (1.0, "1"),
    (-0.5, "-0.5"),
    (1e20, "100000000000000000000"),
    (1e-6, "0.000001"),
    (123.456, "123.456"),
    ({"b": [True, None], "a": "\u2028"}, '{"a":"\\u2028","b":[true,null]}'),
]


@pytest.mark.parametrize(("value", "text"), GO_JSON, ids=[t for _, t in GO_JSON])
def test_go_json(value: Any, text: str) -> None:
    assert go_json(value) == text


GO_STRING: list[tuple[Any, str]] = [
    (1e21, "1e+21"),
    (1234567.0, "1.234567e+06"),
    (-0.0, "-0"),
    (float("nan"), "NaN"),
    (float("-inf"), "-Inf"),
    (0.1 + 0.2, "0.30000000000000004"),
    ({"a": [1, {"b": None}]}, "map[a:[1 map[b:<nil>]]]"),
]


@pytest.mark.parametrize(("value", "text"), GO_STRING, ids=[t for _, t in GO_STRING])
def test_go_string(value: Any, text: str) -> None:
    assert go_string(value) == text


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_int_arithmetic_matches_go(a: int, b: int) -> None:
    env = {"a": a, "b": b}
    assert evaluate("a + b * 2 - 1", env) == a + b * 2 - 1
    assert evaluate("a < b", env) is (a < b)
    if b:
        assert evaluate("a % b", env) == int(a - b * int(a / b))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_go_json_float_reads_back(value: float) -> None:
    assert float(go_json(value)) == value
    assert float(go_string(value)) == value


JSONPATH_ERRORS: list[tuple[str, str]] = [
    ("$.b", "jsonpath: .b: key not found"),
    ("$.a[5]", "jsonpath: [5]: index out of range"),
    ("$..a", "jsonpath: unsupported path '$..a'"),
    ("a", "jsonpath: unsupported path 'a'"),
]


def test_sprig_date_of_text_is_now() -> None:
    from datetime import UTC, datetime

    before = datetime.now(UTC).year
    year = evaluate("sprig.date('2006', '2026-11-30T01:02:03Z')", {})
    assert year in (str(before), str(datetime.now(UTC).year))


@pytest.mark.parametrize(("path", "reason"), JSONPATH_ERRORS, ids=[p for p, _ in JSONPATH_ERRORS])
def test_jsonpath_errors(path: str, reason: str) -> None:
    with pytest.raises(ExprError) as caught:
        evaluate("jsonpath(j, p)", {"j": '{"a": [1]}', "p": path})
    assert caught.value.reason == reason
