"""Evaluate a ``when`` condition the way Argo does: Knetic/govaluate after ``{{...}}`` substitution.

Argo (``workflow/controller/operator.go`` ``shouldExecute``) parses the substituted text with
``govaluate.NewEvaluableExpression``, turns every VARIABLE token (a bare word such as ``heads``, or
``[any text]``) into a STRING token, re-parses the tokens, evaluates with no parameters and
requires a bool. This module follows govaluate v3 (the version Argo pins, 9aa49832a739):

* Lexing is govaluate's: numbers (digits and ``.``, or ``0x`` hex) are float64; strings are quoted
  with ``'`` or ``"`` and end at the first quote of *either* kind; a backslash keeps the next
  character as is (``\\n`` is ``n``); bare words (letters, digits, ``_``, ``.``) are strings, but a
  word with a dot is an accessor (``v1.Beta``) that fails at evaluation with ``No parameter 'v1'
  found.``, and a lowercase field after a dot (``a.b``) does not parse; ``true``/``false`` are
  bools; ``in``/``IN`` is a comparator. Operator characters are read greedily up to a space, a
  letter, a digit, a bracket or a quote, so ``a==-1`` is the invalid token ``==-``.
* Precedence, lowest first: ``,`` < ``?`` ``:`` ``??`` < ``||`` < ``&&`` < ``==`` ``!=`` ``<``
  ``>`` ``<=`` ``>=`` ``=~`` ``!~`` ``in`` < ``&`` ``|`` ``^`` < ``<<`` ``>>`` < ``+`` ``-`` <
  ``*`` ``/`` ``%`` < ``**`` < prefix ``-`` ``!`` ``~``; every level is left-associative (so
  ``a ? b : c`` is ``(a ? b) : c``: ``?`` gives nil when false and ``:``/``??`` take the right
  side when the left is nil).
* ``==``/``!=`` compare any values (a number never equals a string); ``<`` etc. need two numbers or
  two strings (strings compare by bytes); ``+`` adds numbers or concatenates when either side is a
  string (formatted like Go's ``%v``: ``1`` not ``1.0``); ``&&``/``||``/``!`` need bools and
  short-circuit; ``in`` needs a list on the right (``x in (a, b)``).
* ``=~``/``!~`` search with Go RE2 semantics mapped onto Python ``re``: backreferences,
  lookarounds, atomic groups and ``\\Z`` are rejected with Go's messages; ``\\z`` and ``$`` (end of
  text unless ``(?m)``) and ``(?<name>...)`` are translated. Not mapped: ``\\pL``/``\\p{Greek}``,
  ``[[:alpha:]]`` and ``\\Q...\\E`` (Python rejects or reads them differently), leftmost-first vs
  backtracking on catastrophic patterns, and other compile errors keep Python's wording.
* Quoted strings that parse as a date (``2006-01-02``, ``2006-01-02 15:04[:05]``, RFC 3339) are
  govaluate TIME values, i.e. Unix seconds as numbers. Go's other time layouts (``Kitchen``,
  ``ANSIC``...) are not recognised here.

Errors carry Argo's message and a caret under the offending column of the expression.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tiphys.errors import TiphysError

__all__ = ["WhenError", "evaluate", "evaluate_when"]


class WhenError(TiphysError):
    """A ``when`` condition did not parse, did not evaluate, or did not give a bool.

    Attributes:
        expression: The substituted text.
        column: 1-based column the error points at (0 when it is about the whole expression).
        reason: govaluate's own message (``Unexpected end of expression``).
        message: Argo's message (``Invalid 'when' expression 'x ==': Unexpected end of
            expression``) without the caret lines.
    """

    def __init__(self, message: str, expression: str, column: int, reason: str) -> None:
        self.expression = expression
        self.column = column
        self.reason = reason
        self.message = message
        text = message
        if column:
            text += f" (column {column})\n    {expression}\n    {' ' * (column - 1)}^"
        super().__init__(text)


# Token kinds, named as govaluate's TokenKind.String() names them.
PREFIX, NUMERIC, BOOLEAN, STRING, PATTERN, TIME, VARIABLE = (
    "PREFIX", "NUMERIC", "BOOLEAN", "STRING", "PATTERN", "TIME", "VARIABLE",
)  # fmt: skip
SEPARATOR, ACCESSOR, COMPARATOR, LOGICALOP, MODIFIER = (
    "SEPARATOR", "ACCESSOR", "COMPARATOR", "LOGICALOP", "MODIFIER",
)  # fmt: skip
CLAUSE, CLAUSE_CLOSE, TERNARY, UNKNOWN = "CLAUSE", "CLAUSE_CLOSE", "TERNARY", "UNKNOWN"

_VALUES = {PREFIX, NUMERIC, BOOLEAN, VARIABLE, PATTERN, ACCESSOR, STRING, TIME, CLAUSE}
_AFTER_VALUE = {MODIFIER, COMPARATOR, LOGICALOP, CLAUSE_CLOSE, TERNARY, SEPARATOR}
# lexerState.go: kind -> (kinds that may follow, may end the expression)
_STATES: dict[str, tuple[frozenset[str], bool]] = {
    UNKNOWN: (frozenset(_VALUES), False),
    CLAUSE: (frozenset(_VALUES | {CLAUSE_CLOSE}), False),
    CLAUSE_CLOSE: (frozenset(_AFTER_VALUE), True),
    NUMERIC: (frozenset(_AFTER_VALUE), True),
    BOOLEAN: (frozenset(_AFTER_VALUE), True),
    STRING: (frozenset(_AFTER_VALUE), True),
    TIME: (frozenset(_AFTER_VALUE - {TERNARY}), True),
    PATTERN: (frozenset(_AFTER_VALUE - {TERNARY}), True),
    VARIABLE: (frozenset(_AFTER_VALUE), True),
    MODIFIER: (frozenset(_VALUES - {PATTERN, TIME}), False),
    COMPARATOR: (frozenset(_VALUES), False),
    LOGICALOP: (frozenset(_VALUES - {PATTERN}), False),
    PREFIX: (frozenset({NUMERIC, BOOLEAN, VARIABLE, ACCESSOR, CLAUSE}), False),
    TERNARY: (frozenset((_VALUES - {PATTERN}) | {SEPARATOR}), False),
    ACCESSOR: (frozenset(_AFTER_VALUE | {CLAUSE}), True),
    SEPARATOR: (frozenset(_VALUES - {PATTERN}), False),
}
_PREFIX_SYMBOLS = {"-", "!", "~"}
_MODIFIER_SYMBOLS = {"+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"}
_LOGICAL_SYMBOLS = {"&&", "||"}
_COMPARATOR_SYMBOLS = {"==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"}
_TERNARY_SYMBOLS = {"?", ":", "??"}
# Binary levels, lowest precedence first (stagePlanner.go's planner chain).
_LEVELS: list[tuple[frozenset[str], set[str]]] = [
    (frozenset({SEPARATOR}), {","}),
    (frozenset({TERNARY}), _TERNARY_SYMBOLS),
    (frozenset({LOGICALOP}), {"||"}),
    (frozenset({LOGICALOP}), {"&&"}),
    (frozenset({COMPARATOR}), _COMPARATOR_SYMBOLS),
    (frozenset({MODIFIER}), {"&", "|", "^"}),
    (frozenset({MODIFIER}), {"<<", ">>"}),
    (frozenset({MODIFIER}), {"+", "-"}),
    (frozenset({MODIFIER}), {"*", "/", "%"}),
    (frozenset({MODIFIER}), {"**"}),
]
_SYMBOL_NAMES = {"==": "="}  # OperatorSymbol.String() writes EQ as "="


@dataclass
class _Token:
    kind: str
    value: Any
    pos: int  # 0-based offset of the token's first character


class _Fail(Exception):
    def __init__(self, reason: str, pos: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pos = pos


@dataclass(frozen=True)
class _Pattern:
    source: str
    regex: re.Pattern[str]


def go_value(value: Any) -> str:
    """Format a govaluate value as Go's ``%v`` does.

    Args:
        value: A float, str, bool, None, list of those, or compiled pattern.

    Returns:
        ``1``, ``0.5``, ``1e+06``, ``true``, ``<nil>``, ``[a 1]``...
    """
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, _Pattern):
        return value.source
    return str(value)


def _go_float(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    text = "".join(map(str, digits))
    exp = len(text) + int(exponent) - 1
    minus = "-" if sign else ""
    if exp < -4 or exp >= 6:  # Go's %v: shortest digits, %e from 1e+06
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{minus}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{minus}0.{'0' * (-exp - 1)}{text}"
    if len(text) <= exp + 1:
        return minus + text + "0" * (exp + 1 - len(text))
    return f"{minus}{text[: exp + 1]}.{text[exp + 1 :]}"


_TIME_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%z",
)
_TIME_SHAPE = re.compile(r"\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)?)?\Z")


def _as_time(text: str) -> float | None:
    if not _TIME_SHAPE.match(text):
        return None
    candidate = text[:-1] + "+00:00" if text.endswith("Z") else text
    for layout in _TIME_FORMATS:
        try:
            moment = datetime.strptime(candidate, layout)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return float(int(moment.timestamp()))
    return None


def _is_quote(c: str) -> bool:
    return c in "'\""


def _is_variable_char(c: str) -> bool:
    return c.isalpha() or c.isdecimal() or c in "_."


def _is_symbol_char(c: str) -> bool:
    return not (c.isdecimal() or c.isalpha() or c in "()[]" or _is_quote(c))


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def read_until(
        self, cond: Callable[[str], bool], include_ws: bool, break_ws: bool
    ) -> tuple[str, bool]:
        """govaluate's readUntilFalse with escaping: (text, stopped before the end)."""
        out: list[str] = []
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            self.i += 1
            if c == "\\":
                if self.i >= len(text):
                    return "".join(out), False
                out.append(text[self.i])
                self.i += 1
                continue
            if c.isspace():
                if break_ws and out:
                    return "".join(out), True
                if not include_ws:
                    continue
            if cond(c):
                out.append(c)
            else:
                self.i -= 1
                return "".join(out), True
        return "".join(out), False

    def tokens(self) -> list[_Token]:
        result: list[_Token] = []
        state = UNKNOWN
        while True:
            token = self.read(state)
            if token is None:
                break
            result.append(token)
            state = token.kind
        depth = 0
        for token in result:
            depth += {CLAUSE: 1, CLAUSE_CLOSE: -1}.get(token.kind, 0)
        if depth:
            raise _Fail("Unbalanced parenthesis", len(self.text))
        return result

    def read(self, state: str) -> _Token | None:
        text = self.text
        while self.i < len(text) and text[self.i].isspace():
            self.i += 1
        if self.i >= len(text):
            return None
        start = self.i
        c = text[start]
        if c.isdecimal() or c == ".":
            if c == "0" and text[start + 1 : start + 2] == "x" and start + 2 < len(text):
                self.i = start + 2
                digits, _ = self.read_until(lambda ch: ch in "0123456789abcdefABCDEF", False, True)
                hexadecimal = re.fullmatch(r"[0-9a-fA-F]+", digits)
                if not hexadecimal or len(digits.lstrip("0")) > 16:
                    raise _Fail(f"Unable to parse hex value '{digits}' to uint64\n", start)
                return _Token(NUMERIC, float(int(digits, 16)), start)
            word, _ = self.read_until(lambda ch: ch.isdecimal() or ch == ".", False, True)
            if not re.fullmatch(r"[0-9]+\.?[0-9]*|\.[0-9]+", word):
                raise _Fail(f"Unable to parse numeric value '{word}' to float64\n", start)
            return _Token(NUMERIC, float(word), start)
        if c == ",":
            self.i += 1
            return _Token(SEPARATOR, ",", start)
        if c == "[":
            self.i += 1
            name, done = self.read_until(lambda ch: ch != "]", True, False)
            if not done:
                raise _Fail("Unclosed parameter bracket", start)
            self.i += 1
            return _Token(VARIABLE, name, start)
        if c.isalpha():
            word, _ = self.read_until(_is_variable_char, False, True)
            return self.word(word, start)
        if _is_quote(c):
            self.i += 1
            value, done = self.read_until(lambda ch: not _is_quote(ch), True, False)
            if not done:
                raise _Fail("Unclosed string literal", start)
            self.i += 1
            moment = _as_time(value)
            if moment is not None:
                return _Token(TIME, moment, start)
            return _Token(STRING, value, start)
        if c in "()":
            self.i += 1
            return _Token(CLAUSE if c == "(" else CLAUSE_CLOSE, c, start)
        symbol, _ = self.read_until(_is_symbol_char, False, True)
        if PREFIX in _STATES[state][0] and symbol in _PREFIX_SYMBOLS:
            return _Token(PREFIX, symbol, start)
        for kind, symbols in (
            (MODIFIER, _MODIFIER_SYMBOLS),
            (LOGICALOP, _LOGICAL_SYMBOLS),
            (COMPARATOR, _COMPARATOR_SYMBOLS),
            (TERNARY, _TERNARY_SYMBOLS),
        ):
            if symbol in symbols:
                return _Token(kind, symbol, start)
        raise _Fail(f"Invalid token: '{symbol}'", start)

    def word(self, word: str, start: int) -> _Token:
        kind, value = VARIABLE, word
        token = _Token(kind, value, start)
        if word in ("true", "false"):
            token = _Token(BOOLEAN, word == "true", start)
        if word in ("in", "IN"):
            token = _Token(COMPARATOR, "in", start)
        if "." in word:
            if word.endswith("."):
                raise _Fail(f"Hanging accessor on token '{word}'", start)
            parts = word.split(".")
            for part in parts[1:]:
                if part and part[0].upper() != part[0]:
                    raise _Fail(
                        f"Unable to access unexported field '{part}' in token '{word}'", start
                    )
            token = _Token(ACCESSOR, parts, start)
        return token


def _check_syntax(tokens: list[_Token], end: int) -> None:
    """lexerState.go checkExpressionSyntax."""
    state = UNKNOWN
    last: _Token | None = None
    for token in tokens:
        if token.kind not in _STATES[state][0]:
            if last is not None and last.kind == VARIABLE and token.kind == CLAUSE:
                raise _Fail(f"Undefined function {last.value}", last.pos)
            before = f"{state} [{_token_text(last)}]"
            after = f"{token.kind} [{_token_text(token)}]"
            raise _Fail(f"Cannot transition token types from {before} to {after}", token.pos)
        state = token.kind
        last = token
    if not _STATES[state][1]:
        raise _Fail("Unexpected end of expression", end)


def _token_text(token: _Token | None) -> str:
    if token is None:
        return "<nil>"
    if token.kind in (CLAUSE, CLAUSE_CLOSE):
        return str(ord(token.value))  # a Go rune prints as its number
    return go_value(token.value)


@dataclass
class _Node:
    op: str  # a symbol, "lit", or "()" (parentheses)
    pos: int
    left: _Node | None = None
    right: _Node | None = None
    value: Any = None


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def level(self, n: int) -> _Node | None:
        if n == len(_LEVELS):
            return self.unary()
        kinds, symbols = _LEVELS[n]
        left = self.level(n + 1)
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            if token.kind not in kinds or token.value not in symbols:
                break
            self.i += 1
            left = _Node(token.value, token.pos, left, self.level(n + 1))
        return left

    def unary(self) -> _Node | None:
        if self.i >= len(self.tokens):  # not reached: the syntax check rejects a dangling operator
            return None
        token = self.tokens[self.i]
        self.i += 1
        if token.kind == PREFIX:
            return _Node("prefix" + token.value, token.pos, None, self.unary())
        if token.kind == CLAUSE:
            inner = self.level(0)
            self.i += 1  # the balanced ")"
            return _Node("()", token.pos, None, inner)
        if token.kind == CLAUSE_CLOSE:  # "()" is an empty clause
            self.i -= 1
            return None
        if token.kind == ACCESSOR:
            if self.i < len(self.tokens) and self.tokens[self.i].kind == CLAUSE:
                self.unary()  # method arguments: never evaluated, the receiver is missing
            return _Node("accessor", token.pos, value=token.value)
        if token.kind not in (NUMERIC, STRING, PATTERN, BOOLEAN, TIME, VARIABLE):
            kind, value = token.kind, _token_text(token)
            raise _Fail(f"Unable to plan token kind: '{kind}', value: '{value}'", token.pos)
        return _Node("lit", token.pos, value=token.value)


def _type_error(fmt: str, value: Any, symbol: str) -> str:
    name = _SYMBOL_NAMES.get(symbol, symbol)
    return fmt.replace("%v", go_value(value), 1).replace("%v", name, 1)


_LOGICAL = "Value '%v' cannot be used with the logical operator '%v', it is not a bool"
_MODIFIER = "Value '%v' cannot be used with the modifier '%v', it is not a number"
_COMPARATOR = "Value '%v' cannot be used with the comparator '%v', it is not a number"
_TERNARY = "Value '%v' cannot be used with the ternary operator '%v', it is not a bool"
_PREFIX = "Value '%v' cannot be used with the prefix '%v'"


def _num(v: Any) -> bool:
    return isinstance(v, float)


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _int64(x: float) -> int:
    if math.isnan(x) or math.isinf(x):
        return -(2**63)
    n = int(x)
    return ((n + 2**63) % 2**64) - 2**63


def _go_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_go_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _evaluate(node: _Node | None) -> Any:
    if node is None:
        return None
    op = node.op
    if op == "lit":
        return node.value
    if op == "accessor":
        raise _Fail(f"No parameter '{node.value[0]}' found.", node.pos)
    if op == "()":
        return _evaluate(node.right)
    if op.startswith("prefix"):
        right = _evaluate(node.right)
        symbol = op[len("prefix") :]
        ok = _bool(right) if symbol == "!" else _num(right)
        if not ok:
            raise _Fail(_type_error(_PREFIX, right, symbol), node.pos)
        if symbol == "!":
            return not right
        if symbol == "-":
            return -right
        return float(~_int64(right))
    left = _evaluate(node.left)
    # EvaluableExpression.go short-circuits before evaluating the right side.
    if (op == "&&" and left is False) or (op == "||" and left is True):
        return left
    if op in ("??", ":") and left is not None:
        return left
    if op == "?" and left is False:
        return None
    right = _evaluate(node.right)
    return _binary(op, left, right, node.pos)


def _binary(op: str, left: Any, right: Any, pos: int) -> Any:
    if op in ("==", "!="):
        return _go_equal(left, right) == (op == "==")
    if op in ("<", ">", "<=", ">="):
        if not ((_num(left) and _num(right)) or (_str(left) and _str(right))):
            raise _Fail(_type_error(_COMPARATOR, left, op), pos)
        a, b = (left.encode(), right.encode()) if _str(left) else (left, right)
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if op in ("=~", "!~"):
        if not _str(left):
            raise _Fail(_type_error(_COMPARATOR, left, op), pos)
        if not (_str(right) or isinstance(right, _Pattern)):
            raise _Fail(_type_error(_COMPARATOR, right, op), pos)
        pattern = right if isinstance(right, _Pattern) else _compile(right, pos)
        return (pattern.regex.search(left) is not None) == (op == "=~")
    if op in ("&&", "||"):
        for side in (left, right):
            if not _bool(side):
                raise _Fail(_type_error(_LOGICAL, side, op), pos)
        return (left and right) if op == "&&" else (left or right)
    if op == "in":
        if not isinstance(right, list):
            raise _Fail(_type_error(_COMPARATOR, right, op), pos)
        # inStage compares interfaces with ==: same type and value (lists never match).
        return any(type(left) is type(v) and not isinstance(v, list) and left == v for v in right)
    if op == ",":
        return [*left, right] if isinstance(left, list) else [left, right]
    if op == "?":
        if not _bool(left):
            raise _Fail(_type_error(_TERNARY, left, op), pos)
        return right if left else None
    if op in (":", "??"):
        return left if left is not None else right
    if op == "+":
        if _num(left) and _num(right):
            return left + right
        if _str(left) or _str(right):
            return go_value(left) + go_value(right)
        raise _Fail(_type_error(_MODIFIER, left, op), pos)
    for side in (left, right):
        if not _num(side):
            raise _Fail(_type_error(_MODIFIER, side, op), pos)
    return _arithmetic(op, left, right)


def _arithmetic(op: str, a: float, b: float) -> float:
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:  # IEEE division as Go does it
            return (
                math.nan
                if a == 0 or math.isnan(a)
                else math.copysign(math.inf, a) * math.copysign(1, b)
            )
        return a / b
    if op == "%":
        return math.fmod(a, b) if b != 0 else math.nan
    if op == "**":
        try:
            return float(math.pow(a, b))
        except (OverflowError, ValueError):
            return math.inf if a > 0 or b == int(b) else math.nan
    mask = 2**64 - 1
    if op in ("<<", ">>"):
        x, n = _int64(a) & mask, _int64(b) & mask
        shifted = (x << n) & mask if op == "<<" else (x >> n if n < 64 else 0)
        return float(shifted)
    x, y = _int64(a), _int64(b)
    return float({"&": x & y, "|": x | y, "^": x ^ y}[op])


def _compile(source: str, pos: int) -> _Pattern:
    """Compile Go RE2 ``source`` with Python's ``re``, rejecting what RE2 rejects."""
    out: list[str] = []
    i, in_class = 0, False
    multiline = re.search(r"\(\?[a-zA-Z]*m", source) is not None
    while i < len(source):
        c = source[i]
        if c == "\\" and i + 1 < len(source):
            escape = source[i : i + 2]
            if (escape[1].isdecimal() and escape[1] != "0") or escape[1] in "Zgk":
                raise _Fail(f"error parsing regexp: invalid escape sequence: `{escape}`", pos)
            out.append("\\Z" if escape == "\\z" else escape)
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            if source[i : i + 1] == "^":
                out.append("^")
                i += 1
            if source[i : i + 1] == "]":  # a leading ] is a literal
                out.append("]")
                i += 1
            continue
        elif source.startswith(("(?=", "(?!", "(?<=", "(?<!", "(?>", "(?#"), i):
            op = "(?<" + source[i + 3] if source.startswith("(?<", i) else source[i : i + 3]
            raise _Fail(f"error parsing regexp: invalid or unsupported Perl syntax: `{op}`", pos)
        elif source.startswith("(?<", i):  # Go's named group
            out.append("(?P<")
            i += 3
            continue
        elif c == "$" and not multiline:  # RE2's $ is the end of the text only
            out.append("\\Z")
            i += 1
            continue
        out.append(c)
        i += 1
    try:
        return _Pattern(source, re.compile("".join(out)))
    except re.error as exc:
        raise _Fail(f"error parsing regexp: {exc}: `{source}`", pos) from None


def _argo_tokens(text: str) -> list[_Token]:
    """Parse as Argo does: check, turn VARIABLE into STRING, check again, compile patterns."""
    try:
        tokens = _Lexer(text).tokens()
        _check_syntax(tokens, len(text))
        _Parser(tokens).level(0)
    except _Fail as exc:
        hint = ' (hint: try wrapping the affected expression in quotes ("))'
        hint = hint if "Invalid token" in exc.reason else ""
        reason = f"{exc.reason}{hint}"
        raise _error(f"Invalid 'when' expression '{text}': {reason}", text, exc) from None
    try:
        tokens = [_Token(STRING, t.value, t.pos) if t.kind == VARIABLE else t for t in tokens]
        _check_syntax(tokens, len(text))
        for i, token in enumerate(tokens[:-1]):
            nxt = tokens[i + 1]
            if token.kind == COMPARATOR and token.value in ("=~", "!~") and nxt.kind == STRING:
                tokens[i + 1] = _Token(PATTERN, _compile(nxt.value, nxt.pos), nxt.pos)
    except _Fail as exc:
        raise _error(
            f"Failed to parse 'when' expression '{text}': {exc.reason}", text, exc
        ) from None
    return tokens


def _error(message: str, text: str, exc: _Fail) -> WhenError:
    return WhenError(message, text, exc.pos + 1, exc.reason)


def evaluate(text: str) -> Any:
    """Evaluate a substituted ``when`` text as Argo does, without requiring a bool.

    Args:
        text: The condition after ``{{...}}`` substitution, e.g. ``heads == heads``.

    Returns:
        A bool, a float (every number is float64), a str, a list (from ``,``) or None (an empty
        text or a false ``?`` branch).

    Raises:
        WhenError: The text (even blank) does not parse (``Invalid 'when' expression ...``,
            ``Failed to parse 'when' expression ...``) or fails to evaluate (``Failed to evaluate
            'when' expresion ...``, Argo's spelling), with a caret under the column.
    """
    tokens = _argo_tokens(text)
    tree = _Parser(tokens).level(0)
    try:
        return _evaluate(tree)
    except _Fail as exc:
        raise _error(
            f"Failed to evaluate 'when' expresion '{text}': {exc.reason}", text, exc
        ) from None


def evaluate_when(text: str) -> bool:
    """Decide whether a step or task runs, as Argo's ``shouldExecute`` does.

    Args:
        text: The ``when`` text after ``{{...}}`` substitution; ``""`` means run.

    Returns:
        The condition's value.

    Raises:
        WhenError: As :func:`evaluate`, or ``Expected boolean evaluation for '<text>'. Got <v>``
            when the value is not a bool (column 0: no caret).
    """
    if text == "":
        return True
    value = evaluate(text)
    if not isinstance(value, bool):
        message = f"Expected boolean evaluation for '{text}'. Got {go_value(value)}"
        raise WhenError(message, text, 0, message)
    return value
