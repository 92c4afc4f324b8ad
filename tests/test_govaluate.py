"""tiphys.argo.govaluate: Argo's `when` evaluation (govaluate v3 after substitution).

Expected values come from govaluate's README/tests and Argo's examples (conditionals.yaml,
conditionals-complex.yaml, coinflip.yaml after substitution) and shouldExecute's messages.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiphys.argo.govaluate import WhenError, evaluate, evaluate_when, go_value
from tiphys.errors import TiphysError

VALUES = [
    # Argo examples after substitution: bare words are strings.
    ("heads == heads", True),
    ("tails == heads", False),
    ("true == true", True),  # conditionals.yaml govaluate form, should-print=true
    ("false == true", False),
    ("yes == true", False),  # a string never equals a bool
    ("heads =~ hea", True),  # conditionals-complex.yaml
    ("tails =~ hea", False),
    ("( heads == heads &&\n  tails == tails\n) ||\n( heads == tails &&\n  tails == heads )", True),
    ("( tails == heads && heads == tails ) || ( tails == tails && heads == heads )", True),
    ("heads != tails", True),
    # govaluate README / tests.
    ("10 > 0", True),
    ("(10 * 3) + 2 == 32", True),
    ("1 + 2 * 3", 7.0),
    ("10 - 2 - 3", 5.0),  # left-associative after reorderStages
    ("100 / 10 / 2", 5.0),
    ("2 ** 3 ** 2", 64.0),
    ("-2 ** 2", 4.0),  # prefix binds tighter than **
    ("7 % 4", 3.0),
    ("1 + 2 > 2 && 3 < 4", True),
    ("true || false && false", True),
    ("!true", False),
    ("!(1 > 2)", True),
    ("'foo' + 'bar'", "foobar"),
    ('"a" + 1', "a1"),
    ("1.5 + 'x'", "1.5x"),
    ("true + 'x'", "truex"),
    ("'abc' < 'abd'", True),
    ("'b' >= 'abc'", True),
    ("'B' < 'a'", True),  # byte order
    ("1 in (1, 2, 3)", True),
    ("4 in (1, 2, 3)", False),
    ("foo in (foo, bar)", True),
    ("'1' in (1, 2)", False),
    ("(1, 2, 3)", [1.0, 2.0, 3.0]),
    ("true ? 1 : 2", 1.0),
    ("false ? 1 : 2", 2.0),
    ("true ? false : 5", False),  # (true ? false) : 5 keeps false, which is not nil
    ("false ? 1", None),
    ("1 ?? 2", 1.0),
    ("0x1F == 31", True),
    (".5 + .5", 1.0),
    ("3 & 5", 1.0),
    ("3 | 5", 7.0),
    ("3 ^ 5", 6.0),
    ("1 << 3", 8.0),
    ("16 >> 2", 4.0),
    ("~0", -1.0),
    ("'a\\'b' == \"a\\'b\"", True),  # backslash escapes the next character
    ("'a\\nb'", "anb"),  # ... and \n is just n
    ("[foo bar] == [foo bar]", True),
    ("Heads == heads", False),
    ("foo == foo", True),
    ("'2024-01-01' < '2024-02-01'", True),  # TIME values compare as Unix seconds
    ("'2024-01-01' == 1704067200", True),
    ("false && 'x'", False),  # short-circuit: the right side is not checked
    ("true || 1", True),
    ("x =~ '^x$'", True),
    ("xyz !~ 'y'", False),
    ("'a.b' =~ 'a\\\\.b'", True),
]


@pytest.mark.parametrize(("text", "expected"), VALUES)
def test_values(text: str, expected: object) -> None:
    assert evaluate(text) == expected
    assert type(evaluate(text)) is type(expected)


def test_empty_when_runs_but_blank_text_does_not_parse() -> None:
    assert evaluate_when("") is True
    with pytest.raises(WhenError, match=r"^Invalid 'when' expression '  ': Unexpected end of"):
        evaluate_when("  ")


def test_division_by_zero_is_ieee() -> None:
    assert evaluate("1 / 0") == math.inf
    assert math.isnan(evaluate("0 / 0"))


ERRORS = [
    (
        "foo ==",
        "Invalid 'when' expression 'foo ==': Unexpected end of expression (column 7)\n"
        "    foo ==\n"
        "          ^",
    ),
    (
        "a==-1",
        "Invalid 'when' expression 'a==-1': Invalid token: '==-' (hint: try wrapping the affected"
        ' expression in quotes (")) (column 2)\n    a==-1\n     ^',
    ),
    (
        "(1 == 1",
        "Invalid 'when' expression '(1 == 1': Unbalanced parenthesis (column 8)\n"
        "    (1 == 1\n           ^",
    ),
    (
        "1.2.3 == 1.2.3",
        "Invalid 'when' expression '1.2.3 == 1.2.3': Unable to parse numeric value '1.2.3' to"
        " float64\n (column 1)\n    1.2.3 == 1.2.3\n    ^",
    ),
    (
        "foo(1) == 1",
        "Invalid 'when' expression 'foo(1) == 1': Undefined function foo (column 1)\n"
        "    foo(1) == 1\n    ^",
    ),
    (
        '"it\'s" == x',  # a string ends at a quote of either kind
        "Invalid 'when' expression '\"it's\" == x': Unclosed string literal (column 6)\n"
        '    "it\'s" == x\n         ^',
    ),
    (
        "'it''s' == x",
        "Invalid 'when' expression ''it''s' == x': Cannot transition token types from STRING [it]"
        " to STRING [s] (column 5)\n    'it''s' == x\n        ^",
    ),
    (
        "1 2",
        "Invalid 'when' expression '1 2': Cannot transition token types from NUMERIC [1] to"
        " NUMERIC [2] (column 3)\n    1 2\n      ^",
    ),
    (
        "(1) (2)",
        "Invalid 'when' expression '(1) (2)': Cannot transition token types from CLAUSE_CLOSE"
        " [41] to CLAUSE [40] (column 5)\n    (1) (2)\n        ^",
    ),
    (
        "'abc",
        "Invalid 'when' expression ''abc': Unclosed string literal (column 1)\n    'abc\n    ^",
    ),
    (
        "a.b == 1",
        "Invalid 'when' expression 'a.b == 1': Unable to access unexported field 'b' in token"
        " 'a.b' (column 1)\n    a.b == 1\n    ^",
    ),
    (
        "-foo",
        "Failed to parse 'when' expression '-foo': Cannot transition token types from PREFIX [-]"
        " to STRING [foo] (column 2)\n    -foo\n     ^",
    ),
    (
        "x =~ '('",
        "Failed to parse 'when' expression 'x =~ '('': error parsing regexp: missing ),"
        " unterminated subpattern at position 0: `(` (column 6)\n    x =~ '('\n         ^",
    ),
    (
        "v1.2 == v1.2",
        "Failed to evaluate 'when' expresion 'v1.2 == v1.2': No parameter 'v1' found. (column 1)\n"
        "    v1.2 == v1.2\n    ^",
    ),
    (
        "x > 1",
        "Failed to evaluate 'when' expresion 'x > 1': Value 'x' cannot be used with the"
        " comparator '>', it is not a number (column 3)\n    x > 1\n      ^",
    ),
    (
        "1 && true",
        "Failed to evaluate 'when' expresion '1 && true': Value '1' cannot be used with the"
        " logical operator '&&', it is not a bool (column 3)\n    1 && true\n      ^",
    ),
    (
        "a - 1",
        "Failed to evaluate 'when' expresion 'a - 1': Value 'a' cannot be used with the modifier"
        " '-', it is not a number (column 3)\n    a - 1\n      ^",
    ),
    (
        "1 in 1",
        "Failed to evaluate 'when' expresion '1 in 1': Value '1' cannot be used with the"
        " comparator 'in', it is not a number (column 3)\n    1 in 1\n      ^",
    ),
    (
        "!1",
        "Failed to evaluate 'when' expresion '!1': Value '1' cannot be used with the prefix '!'"
        " (column 1)\n    !1\n    ^",
    ),
    (
        "1 ? 2 : 3",
        "Failed to evaluate 'when' expresion '1 ? 2 : 3': Value '1' cannot be used with the"
        " ternary operator '?', it is not a bool (column 3)\n    1 ? 2 : 3\n      ^",
    ),
    ("heads", "Expected boolean evaluation for 'heads'. Got heads"),
    ("1000000 + 1", "Expected boolean evaluation for '1000000 + 1'. Got 1.000001e+06"),
    ("(1, 2)", "Expected boolean evaluation for '(1, 2)'. Got [1 2]"),
    ("false ? true", "Expected boolean evaluation for 'false ? true'. Got <nil>"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(WhenError) as caught:
        evaluate_when(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, TiphysError)
    assert caught.value.expression == text


def test_error_attributes() -> None:
    with pytest.raises(WhenError) as caught:
        evaluate_when("foo ==")
    error = caught.value
    assert (error.column, error.reason) == (7, "Unexpected end of expression")
    assert error.message == "Invalid 'when' expression 'foo ==': Unexpected end of expression"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (-2.25, "-2.25"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (True, "true"),
        (None, "<nil>"),
        (["a", 1.0], "[a 1]"),
    ],
)
def test_go_value(value: object, text: str) -> None:
    assert go_value(value) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'abc\\n' =~ 'abc$'", False),  # RE2's $ is the end of the text
        ("'ab\\nc' =~ '(?m)b$'", False),  # backslash-n is just n in govaluate strings
        ("abc =~ 'c\\\\z'", True),
        ("abc =~ '(?<first>a)b'", True),
        ("'a]b' =~ '[]]'", True),
        ("'x$' =~ '[$]'", True),
    ],
)
def test_regex_semantics(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a)\\\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        ("a(?=b)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
        ("a(?<!b)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<!`"),
        ("a\\\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
    ],
)
def test_regex_rejected_like_re2(pattern: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        evaluate(f"x =~ '{pattern}'")
    assert caught.value.reason == reason
    assert caught.value.message.startswith("Failed to parse 'when' expression")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0x == 1", "Unable to parse hex value '' to uint64\n"),  # spaces are skipped first
        ("0x\\z", "Unable to parse hex value 'z' to uint64\n"),  # a backslash escapes
        ("1 == 0x", "Cannot transition token types from NUMERIC [0] to VARIABLE [x]"),
        ("0x1ffffffffffffffff", "Unable to parse hex value '1ffffffffffffffff' to uint64\n"),
        ("٣ == 3", "Unable to parse numeric value '٣' to float64\n"),
        ("a. == 1", "Hanging accessor on token 'a.'"),
        ("[a == 1", "Unclosed parameter bracket"),
        ("_a == 1", "Invalid token: '_'"),
    ],
)
def test_lexer_errors(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        evaluate(text)
    assert caught.value.reason == reason


def test_accessor_call_and_shortcircuit() -> None:
    assert evaluate("true || a.B(1)") is True
    with pytest.raises(WhenError, match=r"No parameter 'a' found\."):
        evaluate("a.B(1) == 1")


def test_empty_parentheses_are_nil() -> None:
    assert evaluate("() == ()") is True


_ALPHABET = "ab01.,'\"\\\\[]() !=<>~&|^+-*/%?:_xin\n"


@given(st.text(alphabet=_ALPHABET, max_size=24))
def test_any_text_gives_a_value_or_a_when_error(text: str) -> None:
    try:
        value = evaluate(text)
    except WhenError as error:
        assert error.expression == text
        assert 0 <= error.column <= len(text) + 1
    else:
        assert value is None or isinstance(value, (bool, float, str, list))


def test_parentheses_are_only_counted_and_the_planner_stops_at_a_stray_close() -> None:
    # checkBalance counts "(" and ")" only; planStages stops at the ")" and drops the rest.
    assert evaluate_when("true) && (false") is True


def test_a_separator_where_a_value_belongs_cannot_be_planned() -> None:
    with pytest.raises(WhenError) as caught:
        evaluate("true ? , 1")
    assert str(caught.value) == (
        "Invalid 'when' expression 'true ? , 1': Unable to plan token kind: 'SEPARATOR',"
        " value: ',' (column 8)\n    true ? , 1\n           ^"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 > 5", True),  # a numeric output compares as a number
        ("10 > 9", True),
        ("'10' > '9'", False),  # quoted, it compares as text
        ("Failed != Succeeded", True),  # exit handler: {{workflow.status}} != Succeeded
        ("'my-value' == 'my-value'", True),  # quoting keeps dashes out of arithmetic
    ],
)
def test_substituted_outputs(text: str, expected: bool) -> None:
    assert evaluate_when(text) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (  # argo-workflows#3611: a dash in an unquoted value is a minus
            "my-value == my-value",
            "Failed to evaluate 'when' expresion 'my-value == my-value': Value 'my' cannot be used"
            " with the modifier '-', it is not a number (column 3)",
        ),
        (  # argo-workflows#1801: JSON output pasted unquoted
            '{"a": 1} == x',
            "Invalid 'when' expression '{\"a\": 1} == x': Invalid token: '{' (hint: try wrapping"
            ' the affected expression in quotes (")) (column 1)',
        ),
        (
            "hello world == hello world",
            "Invalid 'when' expression 'hello world == hello world': Cannot transition token types"
            " from VARIABLE [hello] to VARIABLE [world] (column 7)",
        ),
    ],
)
def test_known_unquoted_pitfalls(text: str, message: str) -> None:
    with pytest.raises(WhenError) as caught:
        evaluate_when(text)
    assert str(caught.value).split("\n")[0] == message
