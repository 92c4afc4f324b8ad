"""Argo's expression language: evaluating ``{{= ... }}`` tags (expr-lang/expr as Argo runs it).

Argo evaluates ``{{=expr}}`` with ``expr.Compile(expr, expr.Env(env))`` and ``expr.Run``
(``util/template/expression_template.go``), where ``env`` is the template's variables expanded
into nested maps plus the functions of ``util/expr/env``: ``asInt`` and ``asFloat`` (expr-lang's
``int`` and ``float``), ``toJson`` (Go's ``json.Marshal``), ``jsonpath(jsonText, path)`` and
``sprig`` (the sprig function map without ``env``/``expandenv``). :func:`evaluate` does the same
for a Python ``env`` of dicts, lists, strings, numbers, booleans and ``None``.

Semantics followed (expr-lang v1.17's parser, checker and runtime, read in its source):

* Literals: ``'..'`` and ``".."`` strings with Go escapes, backquoted raw strings, ints
  (``1_000``, ``0x1f``), floats, ``true``/``false``/``nil``, arrays ``[1, 2]``, maps
  ``{a: 1, 'b-c': 2, 3: 'x'}`` (keys are strings, a number key too).
* Precedence (loosest first): ``?:`` ternary; ``or``/``||``; ``and``/``&&``; comparison,
  ``in``, ``matches``, ``contains``, ``startsWith``, ``endsWith`` (each also with ``not``),
  chained (``a < b < c`` is ``a < b && b < c``); ``..``; ``+``/``-``; ``*``/``/``/``%``; unary
  ``not``/``!``/``-``/``+``; ``**``/``^`` (right-associative); ``??``; member, index, slice and
  call. ``a ?? b + 1`` is expr-lang's parse error (``??`` mixed with another operator).
  ``not`` binds like ``-`` here (expr-lang gives it 50, between ``+`` and ``*``), which changes
  nothing that type-checks.
* Numbers: ``int op int`` is an int for ``+ - * %``; ``/`` and ``**`` always give a float; an int
  and a float give a float; ``%`` takes ints only. ``+`` joins two strings. ``==`` compares
  numbers by value and other values deeply (``true != 1``).
* Member access on a map gives ``nil`` for a missing key; on ``nil`` it is an error unless written
  ``?.``, which makes the rest of that chain ``nil``. Indexes go through ``runtime.ToInt``
  (negative ones count from the end; a string's index is one of its UTF-8 bytes, as an int);
  slices clamp like expr-lang's.
* A bare name is looked up in Argo's functions, then ``env``; otherwise it is the compile error
  ``unknown name x`` (``expr.Env`` makes the checker strict; Argo v4 leaves such a tag
  unresolved only in its "allow unresolved" global pass, which is the caller's business). A call
  of an expr-lang builtin's name is that builtin whatever ``env`` holds, as expr-lang's parser
  does.
* Closures ``filter``/``map``/``all``/``any``/``none``/``one``/``count`` take a predicate written
  ``{...}`` or bare, where ``#`` is the element, ``#index`` its index and ``.field`` means
  ``#.field``; ``#`` outside a predicate is a parse error.
* ``string(x)`` and the text Argo substitutes are Go's ``fmt.Sprintf("%v", x)`` (see
  :func:`go_string`); ``toJson`` is Go's ``json.Marshal`` and ``toJSON`` its indented form (see
  :func:`go_json`); ``int``/``asInt`` and ``float``/``asFloat`` are expr-lang's (``strconv.Atoi``
  and ``ParseFloat`` for strings, ``invalid operation: int(x)`` otherwise).
* ``jsonpath`` supports the subset ``$``, ``.name``, ``['name']``, ``[n]`` (negative too), ``[*]``,
  ``.*``, slices ``[a:b:c]`` and filters ``[?(@.k OP literal && ... || ...)]`` (OP one of
  ``== != < <= > >=``; ``@.k`` alone tests presence); JSON numbers come back as floats (Go's
  ``float64``) and a path with a wildcard, slice or filter gives a list, like Argo's
  evilmonkeyinc/jsonpath. Other paths are an error.
* ``sprig.*``: ``trim upper lower replace default empty int toInt int64 atoi add add1 sub mul
  div mod min max biggest addf add1f subf mulf minf maxf floor ceil round until untilStep
  contains hasPrefix hasSuffix trimPrefix trimSuffix split splitList join b64enc b64dec toString
  quote squote repeat title substr trunc nospace cat indent nindent ternary coalesce regexMatch
  regexFind regexFindAll regexReplaceAll regexReplaceAllLiteral regexSplit sha1sum sha256sum
  list first last rest initial append prepend concat reverse uniq has without compact dict get
  hasKey keys values date dateInZone`` (Go layouts; a date that is not Unix seconds is now),
  with sprig's argument order (``sprig.contains(sub, s)``) and its
  int64/float64 conversions (spf13/cast).

Not covered: expr-lang's type checker (a type error in a branch that is not taken is no error
here), the ``?:`` short form, pipes ``|``, ``let``, ``(expr)`` map keys, and the builtins not
listed in :data:`BUILTINS` (``find``, ``reduce``, ``groupBy``, ``sortBy``, dates, ...).

Every error is an :class:`ExprError` whose message names the line and column and shows the
expression with a caret under the place, like expr-lang's ``file.Error``.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

__all__ = ["ExprError", "evaluate", "go_json", "go_string", "parse"]


class ExprError(TiphysError, ValueError):
    """An expression could not be parsed or evaluated.

    Attributes:
        expression: The whole expression text.
        reason: What is wrong, without the position (``unknown name x``).
        line: 1-based line of the place in ``expression``.
        column: 1-based column of the place in that line.
    """

    def __init__(self, reason: str, expression: str, line: int = 1, column: int = 1) -> None:
        self.expression = expression
        self.reason = reason
        self.line = line
        self.column = column
        lines = expression.split("\n")
        text = lines[line - 1] if 0 < line <= len(lines) else expression
        caret = " " * max(column - 1, 0) + "^"
        super().__init__(f"{reason} ({line}:{column})\n | {text}\n | {caret}")


_GRAMMAR = r"""
?start: expr
?expr: or_ "?" expr ":" expr -> ternary
     | or_
?or_: or_ OR and_ -> binop
    | and_
?and_: and_ AND cmp -> binop
     | cmp
?cmp: cmp CMPOP range_ -> binop
    | cmp NOT WORDOP range_ -> notop
    | range_
?range_: sum RANGE sum -> binop
       | sum
?sum: sum ADDOP product -> binop
    | product
?product: product MULOP unary -> binop
        | unary
?unary: NOT unary -> unop
      | BANG unary -> unop
      | ADDOP unary -> unop
      | power
?power: coalesce POW unary -> binop
      | coalesce
?coalesce: coalesce COALESCE postfix -> coalesce
         | postfix
?postfix: postfix "." member_name -> member
        | postfix "?." member_name -> safe_member
        | postfix "[" expr "]" -> index
        | postfix "?.[" expr "]" -> safe_index
        | postfix "[" [expr] ":" [expr] "]" -> slice
        | postfix "(" [args] ")" -> call
        | primary
args: expr ("," expr)* [","]
member_name: NAME | WORDOP | NOT | AND | OR
?primary: NUMBER -> number
        | STRING -> string
        | NAME -> name
        | "#" -> pointer
        | "#" NAME -> pointer_name
        | "." member_name -> pointer_member
        | "(" expr ")" -> paren
        | "[" [args] "]" -> array
        | "{" [pair ("," pair)* [","]] "}" -> map
        | "{" expr "}" -> closure
pair: (NAME | STRING | NUMBER) ":" expr

OR.2: "||" | /\bor\b/
AND.2: "&&" | /\band\b/
NOT.2: /\bnot\b/
BANG: "!"
CMPOP: "==" | "!=" | "<=" | ">=" | "<" | ">" | /\b(in|matches|contains|startsWith|endsWith)\b/
WORDOP: /\b(in|matches|contains|startsWith|endsWith)\b/
RANGE: ".."
ADDOP: "+" | "-"
MULOP: "*" | "/" | "%"
POW: "**" | "^"
COALESCE: "??"
NUMBER: /0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+/
      | /(\d[\d_]*)?\.\d[\d_]*([eE][-+]?\d+)?|\d[\d_]*(\.(?!\.)\d*)?([eE][-+]?\d+)?/
STRING: /"(\\.|[^"\\\n])*"|'(\\.|[^'\\\n])*'|`[^`]*`/
NAME: /(?!(or|and|not|in|matches|contains|startsWith|endsWith)\b)[A-Za-z_$][A-Za-z0-9_$]*/
%ignore /\s+/
"""


@functools.cache
def _parser() -> Lark:
    from lark import Lark

    return Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=True)


class _Pos:
    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


@functools.lru_cache(maxsize=512)
def parse(expression: str) -> Tree[Token]:
    """Parse an expression into its syntax tree (cached).

    Args:
        expression: The text between ``{{=`` and ``}}``.

    Returns:
        The lark tree that :func:`evaluate` walks.

    Raises:
        ExprError: The text is not an expression; the message points at the first wrong token.
    """
    from lark import Token
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    try:
        tree = _parser().parse(expression)
    except UnexpectedEOF as error:
        raise _eof(expression) from error
    except UnexpectedToken as error:
        token = error.token
        if token.type == "$END":
            raise _eof(expression) from error
        raise ExprError(
            f"unexpected token {str(token)!r}", expression, error.line, error.column
        ) from error
    except UnexpectedCharacters as error:
        at = error.pos_in_stream or 0
        char = expression[at] if at < len(expression) else ""
        raise ExprError(
            f"unexpected character {char!r}", expression, error.line, error.column
        ) from error
    if isinstance(tree, Token):  # a lone literal is returned as its token by ?start
        from lark import Tree as LarkTree

        return LarkTree("_token", [tree])
    _check(tree, expression, 0)
    return tree


_OPERATOR_NODES = frozenset({"binop", "notop"})


def _check(tree: Tree[Token], expression: str, depth: int) -> None:
    """expr-lang's parse errors that the grammar does not make: ``#`` outside a predicate, and
    ``??`` followed by another binary operator without parentheses."""
    from lark import Tree as LarkTree

    def fail(reason: str, token: Token) -> ExprError:
        return ExprError(reason, expression, token.line or 1, token.column or 1)

    kind = tree.data
    if kind in ("pointer", "pointer_name", "pointer_member") and depth == 0:
        raise ExprError(
            "cannot use pointer accessor outside predicate",
            expression,
            getattr(tree.meta, "line", 1),
            getattr(tree.meta, "column", 1),
        )
    if kind in _OPERATOR_NODES:
        left = tree.children[0]
        if isinstance(left, LarkTree) and left.data == "coalesce":
            op: Any = tree.children[1] if kind == "binop" else tree.children[2]
            raise fail(
                f"Operator ({op}) and coalesce expressions (??) cannot be mixed. "
                "Wrap either by parentheses.",
                op,
            )
    inner = depth
    if kind == "call":
        callee = tree.children[0]
        if (
            isinstance(callee, LarkTree)
            and callee.data == "name"
            and str(callee.children[0]) in _CLOSURES
        ):
            inner = depth + 1
    for child in tree.children:
        if isinstance(child, LarkTree):
            _check(child, expression, inner)


def _eof(expression: str) -> ExprError:
    lines = expression.split("\n")
    return ExprError("unexpected end of expression", expression, len(lines), len(lines[-1]) + 1)


def evaluate(expression: str, env: Mapping[str, Any]) -> Any:
    """Evaluate an expr-lang expression the way Argo evaluates ``{{=expression}}``.

    Args:
        expression: The expression text (what is between ``{{=`` and ``}}``).
        env: Variables, e.g. ``{"inputs": {"parameters": {"x": "1"}}}``; nested dicts and lists
            of JSON-like values. Argo's functions (``asInt``, ``asFloat``, ``toJson``,
            ``jsonpath``, ``sprig``) and expr-lang's builtins are added unless ``env`` has the
            same name.

    Returns:
        The value: ``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` or ``dict``.

    Raises:
        ExprError: The expression does not parse, names an unknown variable, or fails while
            running (wrong types, a bad conversion, fetching from ``nil``...).
    """
    tree = parse(expression)
    return _Evaluator(expression, env).eval(tree, None)


# --- Go formatting -------------------------------------------------------------------------


def _shortest(value: float) -> tuple[str, int]:
    """The shortest round-trip digits of a finite non-negative float and its decimal exponent."""
    text = repr(value)
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    point = len(whole) + (int(exp) if exp else 0)
    if not digits:
        return "0", 1
    point -= len(whole + frac) - len((whole + frac).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    return digits, point  # value = 0.digits * 10**point


def _go_float(value: float, json_style: bool) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, point = _shortest(abs(value))
    exp = point - 1
    # json.Marshal switches to exponents outside [1e-6, 1e21); %v is strconv's shortest 'g',
    # which uses precision 6 for that decision.
    use_exp = (abs(value) < 1e-6 or abs(value) >= 1e21) if json_style else (exp < -4 or exp >= 6)
    if use_exp:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        if json_style:
            return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp)}"
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def go_string(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", value)`` for JSON-like values (what ``string()`` gives).

    Args:
        value: ``None``, a bool, number, string, list or dict.

    Returns:
        ``<nil>``, ``true``, ``1``, ``1.5``, ``1e+21``, ``[1 2]``, ``map[a:1 b:2]`` (keys sorted).
    """
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value, json_style=False)
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_string(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: go_string(kv[0]))
        return "map[" + " ".join(f"{go_string(k)}:{go_string(v)}" for k, v in items) + "]"
    return str(value)


_HTML = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def _json_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    for char, escape in _HTML:
        out = out.replace(char, escape)
    return out


def go_json(value: Any, indent: str = "") -> str:
    """Go's ``json.Marshal`` (or ``json.MarshalIndent(v, "", indent)``) of a JSON-like value.

    Map keys are sorted, floats are written as Go writes them (``1`` for ``1.0``, ``1e+21``),
    and ``<``, ``>``, ``&``, U+2028 and U+2029 are escaped.

    Args:
        value: ``None``, a bool, number, string, list or dict with string keys.
        indent: ``""`` for compact output, else the indent of each level.

    Returns:
        The JSON text.

    Raises:
        ValueError: A float is NaN or infinite (Go's ``json: unsupported value``).
    """
    return _go_json(value, indent, "")


def _go_json(value: Any, indent: str, prefix: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"json: unsupported value: {_go_float(value, False)}")
        return _go_float(value, json_style=True)
    if isinstance(value, str):
        return _json_string(value)
    inner = prefix + indent
    sep, open_nl = ("," + "\n" + inner, "\n" + inner) if indent else (",", "")
    close = ("\n" + prefix) if indent else ""
    colon = ": " if indent else ":"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[" + open_nl + sep.join(_go_json(v, indent, inner) for v in value) + close + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        parts = [
            _json_string(str(k)) + colon + _go_json(v, indent, inner)
            for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        ]
        return "{" + open_nl + sep.join(parts) + close + "}"
    raise ValueError(f"json: unsupported type: {type(value).__name__}")


# --- evaluation ------------------------------------------------------------------------------


class _Fail(Exception):
    """A runtime failure; the evaluator adds where it happened."""


class _ChainNil(Exception):
    """``?.`` met ``nil``: the whole member chain is ``nil`` (expr-lang's ChainNode)."""


_POSTFIX = frozenset({"member", "safe_member", "index", "safe_index", "slice", "call"})


_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


def _unquote(literal: str) -> str:
    if literal[0] == "`":
        return literal[1:-1]
    body = literal[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[code]
            hexa = body[i + 2 : i + 2 + width]
            if len(hexa) != width or not all(c in "0123456789abcdefABCDEF" for c in hexa):
                raise _Fail("invalid char escape")
            out.append(chr(int(hexa, 16)))
            i += 2 + width
        elif code in "01234567":
            octal = body[i + 1 : i + 4]
            if len(octal) != 3 or not all(c in "01234567" for c in octal):
                raise _Fail("invalid char escape")
            out.append(chr(int(octal, 8)))
            i += 4
        else:
            raise _Fail("invalid char escape")
    return "".join(out)


def _number(text: str) -> int | float:
    clean = text.replace("_", "")
    if clean[:2].lower() in ("0x", "0o", "0b"):
        return int(clean, 0)
    if any(c in clean for c in ".eE"):
        return float(clean)
    return int(clean)


def _type(value: Any) -> str:
    """expr-lang's (Go's) name of a value's type, for messages."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if callable(value):
        return "func"
    return type(value).__name__


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(a: Any, b: Any) -> bool:
    if _is_num(a) and _is_num(b):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if _is_num(a) or _is_num(b):
        return False
    return bool(a == b)


def _mismatch(op: str, a: Any, b: Any) -> _Fail:
    return _Fail(f"invalid operation: {op} (mismatched types {_type(a)} and {_type(b)})")


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if not (_is_num(a) and _is_num(b)):
        raise _mismatch(op, a, b)
    both_int = isinstance(a, int) and isinstance(b, int)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0 and both_int:
            raise _Fail("integer divide by zero")
        if b == 0:
            return math.copysign(math.inf, a) if a else math.nan
        return float(a) / float(b)
    if op == "%":
        if not both_int:
            raise _mismatch(op, a, b)
        if b == 0:
            raise _Fail("integer divide by zero")
        return int(math.fmod(a, b))  # Go's % truncates toward zero
    try:
        return float(a) ** float(b)  # "**" and "^": math.Pow
    except (OverflowError, ZeroDivisionError):
        return math.inf
    except ValueError:
        return math.nan


def _compare(op: str, a: Any, b: Any) -> bool:
    if not ((_is_num(a) and _is_num(b)) or (isinstance(a, str) and isinstance(b, str))):
        raise _mismatch(op, a, b)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def _in(a: Any, b: Any) -> bool:
    if isinstance(b, Mapping):
        return a in b
    if isinstance(b, list | tuple):
        return any(_equal(a, x) for x in b)
    if b is None:
        return False
    raise _Fail(f"operator in not defined on {_type(b)}")


def _string_op(op: str, a: Any, b: Any) -> bool:
    if not (isinstance(a, str) and isinstance(b, str)):
        raise _mismatch(op, a, b)
    if op == "contains":
        return b in a
    if op == "startsWith":
        return a.startswith(b)
    if op == "endsWith":
        return a.endswith(b)
    try:
        return re.search(b, a) is not None
    except re.error as error:
        raise _Fail(f"error parsing regexp: {error}") from error


def _fetch(base: Any, key: Any, safe: bool) -> Any:
    if base is None:
        if safe:
            return None
        raise _Fail(f"cannot fetch {go_string(key)} from <nil>")
    if isinstance(base, Mapping):
        return base.get(key)
    if isinstance(base, list | tuple | str):
        if not _is_num(key):  # runtime.ToInt
            raise _Fail(f"invalid operation: int({_type(key)})")
        i = int(key)
        items: Any = base.encode() if isinstance(base, str) else base  # a Go string holds bytes
        n = len(items)
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise _Fail(f"index out of range: {j} (array length is {n})")
        return items[j]
    raise _Fail(f"cannot fetch {go_string(key)} from {_type(base)}")


def _slice(base: Any, low: Any, high: Any) -> Any:
    if not isinstance(base, list | tuple | str):
        raise _Fail(f"cannot slice {_type(base)}")
    n = len(base)
    for bound in (low, high):
        if (bound is not None and not isinstance(bound, int)) or isinstance(bound, bool):
            raise _Fail(f"invalid operation: cannot slice with {_type(bound)}")
    lo = 0 if low is None else (low + n if low < 0 else low)
    hi = n if high is None else (high + n if high < 0 else high)
    hi = min(max(hi, 0), n)
    lo = min(max(lo, 0), hi)
    return base[lo:hi]


def _bool(op: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Fail(f"invalid operation: {op} (mismatched type {_type(value)})")
    return value


# --- functions -----------------------------------------------------------------------------


def _go_atoi(text: str) -> int | None:
    if re.fullmatch(r"[-+]?\d+", text) is None:
        return None
    return int(text)


def _to_int(value: Any) -> int:
    """expr-lang's ``int()`` (Argo's ``asInt``)."""
    if isinstance(value, bool):
        raise _Fail(f"invalid operation: int({_type(value)})")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return -(2**63)  # what Go's int() of NaN or an infinity gives on amd64
        return int(value)
    if isinstance(value, str):
        number = _go_atoi(value)
        if number is None:
            raise _Fail(f"invalid operation: int({value})")
        return number
    raise _Fail(f"invalid operation: int({_type(value)})")


_GO_FLOAT = re.compile(
    r"[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|infinity|nan)", re.IGNORECASE
)


def _to_float(value: Any) -> float:
    """expr-lang's ``float()`` (Argo's ``asFloat``)."""
    if isinstance(value, bool):
        raise _Fail(f"invalid operation: float({_type(value)})")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if _GO_FLOAT.fullmatch(value) is None:
            raise _Fail(f"invalid operation: float({value})")
        return float(value)
    raise _Fail(f"invalid operation: float({_type(value)})")


def _len(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())  # Go's len of a string counts bytes
    if isinstance(value, list | tuple | Mapping):
        return len(value)
    raise _Fail(f"invalid argument for len (type {_type(value)})")


def _from_json(text: Any) -> Any:
    if not isinstance(text, str):
        raise _Fail(f"fromJSON: expected a string, got {_type(text)}")
    try:
        return json.loads(text)
    except ValueError as error:
        raise _Fail(f"fromJSON: {error}") from error


def _go_json_call(value: Any, indent: str = "") -> str:
    try:
        return go_json(value, indent)
    except ValueError as error:
        raise _Fail(str(error)) from error


def _need_str(name: str, *values: Any) -> None:
    for value in values:
        if not isinstance(value, str):
            raise _Fail(f"{name}: expected a string, got {_type(value)}")


def _need_map(name: str, value: Any) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise _Fail(f"{name}: expected a map, got {_type(value)}")
    return value


def _abs(value: Any) -> Any:
    if not _is_num(value):
        raise _Fail(f"invalid argument for abs (type {_type(value)})")
    return abs(value)


def _str(name: str, value: Any) -> str:
    _need_str(name, value)
    return str(value)


def _upper(s: Any) -> str:
    _need_str("upper", s)
    return str(s).upper()


def _lower(s: Any) -> str:
    _need_str("lower", s)
    return str(s).lower()


def _go_trim_space(s: str) -> str:
    return s.strip(" \t\n\r\v\f\x85\xa0")


def _trim(s: Any, cutset: Any = None) -> str:
    _need_str("trim", s)
    if cutset is None:
        return _go_trim_space(s)
    _need_str("trim", cutset)
    return str(s).strip(cutset)


def _split(s: Any, sep: Any) -> list[str]:
    _need_str("split", s, sep)
    if sep == "":
        return list(s)
    return str(s).split(sep)


def _join(items: Any, sep: Any = "") -> str:
    _need_str("join", sep)
    if not isinstance(items, list | tuple):
        raise _Fail(f"join: expected an array, got {_type(items)}")
    return str(sep).join(go_string(i) for i in items)


_JSONPATH_STEP = re.compile(
    r"(?P<wild>\.\*|\[\*\])|\.(?P<name>[A-Za-z_$][\w$-]*)|\[(?P<index>-?\d+)\]"
    r"|\['(?P<squoted>[^']*)'\]|\[\"(?P<dquoted>[^\"]*)\"\]"
    r"|\[(?P<slice>-?\d*:-?\d*(?::-?\d*)?)\]|\[\?\((?P<filter>.*?)\)\]"
)
# One comparison of a filter: @.a.b (or @['a']) [OP literal]; literals as in JSON, or 'text'.
_JSONPATH_TERM = re.compile(
    r"\s*@(?P<path>(?:\.[A-Za-z_$][\w$-]*|\['[^']*'\]|\[\"[^\"]*\"\])*)\s*"
    r"(?:(?P<op>==|!=|<=|>=|<|>)\s*(?P<lit>'[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
    r"|true|false|null))?\s*(?P<join>&&|\|\||$)"
)


def _jsonpath_steps(path: str) -> list[re.Match[str]]:
    if not path.startswith("$"):
        raise _Fail(f"jsonpath: unsupported path {path!r}")
    steps: list[re.Match[str]] = []
    pos = 1
    while pos < len(path):
        match = _JSONPATH_STEP.match(path, pos)
        if match is None:
            raise _Fail(f"jsonpath: unsupported path {path!r}")
        steps.append(match)
        pos = match.end()
    return steps


def _jsonpath_filter(text: str, path: str) -> list[list[re.Match[str]]]:
    """A filter ``?(...)`` as OR-groups of AND-ed terms (``&&`` binds tighter than ``||``)."""
    groups: list[list[re.Match[str]]] = [[]]
    pos = 0
    while pos < len(text):
        term = _JSONPATH_TERM.match(text, pos)
        if term is None or term.end() == pos:
            raise _Fail(f"jsonpath: unsupported path {path!r}")
        groups[-1].append(term)
        if term.group("join") == "||":
            groups.append([])
        pos = term.end()
    return groups


def _jsonpath_term(term: re.Match[str], value: Any) -> bool:
    for part in re.findall(r"\.([^.\[]+)|\['([^']*)'\]|\[\"([^\"]*)\"\]", term.group("path")):
        key = next(p for p in part if p)
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    op = term.group("op")
    if op is None:
        return True
    lit = term.group("lit")
    want: Any = lit[1:-1] if lit[0] in "'\"" else json.loads(lit, parse_int=float)
    if op in ("==", "!="):
        same = type(value) is type(want) and value == want
        return same if op == "==" else not same
    if (isinstance(value, float) and isinstance(want, float)) or (
        isinstance(value, str) and isinstance(want, str)
    ):
        order: Any = value
        return bool(
            {"<": order < want, "<=": order <= want, ">": order > want, ">=": order >= want}[op]
        )
    return False


def _jsonpath_select(step: re.Match[str], value: Any, path: str) -> list[Any]:
    """The elements a slice ``[a:b:c]`` or a filter ``[?(...)]`` selects from ``value``."""
    items = value if isinstance(value, list) else []
    if step.group("slice") is not None:
        bounds = [int(b) if b else None for b in step.group("slice").split(":")]
        return items[slice(*bounds)] if bounds[2:3] != [0] else []
    elements = items if isinstance(value, list) else [value[k] for k in sorted(value or {})]
    groups = _jsonpath_filter(step.group("filter"), path)
    return [e for e in elements if any(all(_jsonpath_term(t, e) for t in g) for g in groups)]


def _jsonpath(text: Any, path: Any) -> Any:
    """Argo's ``jsonpath(jsonText, path)``, for the subset described in the module docstring."""
    _need_str("jsonpath", text, path)
    try:
        document = json.loads(text, parse_int=float)  # Go decodes JSON numbers as float64
    except ValueError as error:
        raise _Fail(f"jsonpath: invalid JSON: {error}") from error
    values: list[Any] = [document]
    many = False
    for step in _jsonpath_steps(path):
        found: list[Any] = []
        for value in values:
            if step.group("wild"):
                many = True
                if isinstance(value, list):
                    found.extend(value)
                elif isinstance(value, dict):
                    found.extend(value[k] for k in sorted(value))
            elif step.group("slice") is not None or step.group("filter") is not None:
                many = True
                found.extend(_jsonpath_select(step, value, path))
            elif step.group("index") is not None:
                i = int(step.group("index"))
                if isinstance(value, list) and -len(value) <= i < len(value):
                    found.append(value[i])
                elif not many:
                    raise _Fail(f"jsonpath: {step.group(0)}: index out of range")
            else:
                key = step.group("name") or step.group("squoted") or step.group("dquoted") or ""
                if isinstance(value, dict) and key in value:
                    found.append(value[key])
                elif not many:
                    raise _Fail(f"jsonpath: {step.group(0)}: key not found")
        values = found
    return values if many else values[0]


_CLOSURES = frozenset({"filter", "map", "all", "any", "none", "one", "count"})


# sprig (Masterminds/sprig v3 GenericFuncMap) -----------------------------------------------


def _strval(value: Any) -> str:
    return value if isinstance(value, str) else go_string(value)


def _sprig_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float | str | list | tuple | Mapping):
        return not value
    return False


def _sprig_int(value: Any) -> int:
    """sprig's ``int``/``toInt`` (spf13/cast ``ToInt``; a failed conversion gives 0)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return 0 if math.isnan(value) or math.isinf(value) else int(value)
    if isinstance(value, str):
        text = re.sub(r"\.0*$", "", value) if re.fullmatch(r"[-+]?\d+\.0*", value) else value
        try:
            return int(text, 0) if not re.fullmatch(r"[-+]?0\d+", text) else int(text, 8)
        except ValueError:
            return 0
    return 0


def _sprig_atoi(value: Any) -> int:
    number = _go_atoi(_strval(value))
    return 0 if number is None else number


def _go_quote(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char in "\a\b\f\n\r\t\v":
            out.append(
                {
                    "\a": "\\a",
                    "\b": "\\b",
                    "\f": "\\f",
                    "\n": "\\n",
                    "\r": "\\r",
                    "\t": "\\t",
                    "\v": "\\v",
                }[char]
            )
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not char.isprintable() and code > 0x7F:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _sprig_b64dec(value: Any) -> str:
    try:
        return base64.b64decode(_strval(value), validate=True).decode("utf-8", "replace")
    except ValueError as error:
        return f"illegal base64 data: {error}"


def _sprig_split(sep: Any, text: Any) -> dict[str, str]:
    parts = _strval(text).split(_strval(sep)) if _strval(sep) else list(_strval(text))
    return {f"_{i}": part for i, part in enumerate(parts)}


def _sprig_join(sep: Any, items: Any) -> str:
    if items is None:
        return ""
    if isinstance(items, list | tuple):
        return _strval(sep).join(_strval(i) for i in items if i is not None)
    return _strval(items)


def _sprig_float(value: Any) -> float:
    """spf13/cast ``ToFloat64`` as sprig uses it (a failed conversion gives 0)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def _go_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero); sprig panics on zero, an error here."""
    if b == 0:
        raise _Fail("runtime error: integer divide by zero")
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _sprig_round(value: Any, places: Any, half: Any = 0.5) -> float:
    """sprig's ``round(a, p, rOpt=.5)``: half away from zero at ``rOpt``."""
    power = 10.0 ** _sprig_int(places)
    digit = power * _sprig_float(value)
    whole, frac = divmod(abs(digit), 1.0)
    rounded = whole + 1 if frac >= _sprig_float(half) else whole
    return math.copysign(rounded, digit) / power


def _sprig_substr(start: Any, end: Any, value: Any) -> str:
    text = _strval(value)
    a, b = _sprig_int(start), _sprig_int(end)
    if a < 0:
        return text[:b]
    if b < 0 or b > len(text):
        return text[a:]
    return text[a:b]


def _sprig_trunc(n: Any, value: Any) -> str:
    text, count = _strval(value), _sprig_int(n)
    if count < 0 and len(text) + count > 0:
        return text[len(text) + count :]
    if count >= 0 and len(text) > count:
        return text[:count]
    return text


def _go_regex(pattern: Any) -> re.Pattern[str]:
    try:
        return re.compile(_strval(pattern))
    except re.error as error:
        raise _Fail(f"error parsing regexp: {error}") from error


def _go_expand(template: str) -> str:
    """Go's ``${1}`` / ``$1`` / ``$name`` replacement syntax in Python's ``\\g<...>`` form."""
    return re.sub(
        r"\$(?:\{(\w+)\}|(\w+))|\\",
        lambda m: "\\\\" if m.group(0) == "\\" else f"\\g<{m.group(1) or m.group(2)}>",
        template,
    )


def _sprig_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise _Fail(f"Cannot find first on type {_type(value)}")


def _sprig_uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in _sprig_list(items):
        if item not in out:
            out.append(item)
    return out


def _sprig_dict(*pairs: Any) -> dict[str, Any]:
    values = list(pairs) + ([""] if len(pairs) % 2 else [])
    return {_strval(values[i]): values[i + 1] for i in range(0, len(values), 2)}


def _sprig_until_step(start: Any, stop: Any, step: Any) -> list[int]:
    a, b, c = _sprig_int(start), _sprig_int(stop), _sprig_int(step)
    if c == 0 or (c > 0 and a >= b) or (c < 0 and a <= b):
        return []
    return list(range(a, b, c))


def _sprig_hash(name: str) -> Callable[[Any], str]:
    import hashlib

    return lambda text: hashlib.new(name, _strval(text).encode()).hexdigest()


_GO_LAYOUT = re.compile(
    r"January|Jan|Monday|Mon|MST|Z07:00|Z0700|Z07|-07:00|-0700|-07|2006|06|01|_2|02|15|03|04|05"
    r"|PM|pm|\.0+|\.9+|1|2|3|4|5"
)


def _go_format(layout: str, when: datetime) -> str:
    """Go's ``time.Format`` for the common layout elements (``2006-01-02T15:04:05Z07:00``...)."""

    def element(match: re.Match[str]) -> str:
        token = match.group(0)
        offset = when.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hh, mm = divmod(abs(minutes), 60)
        if token.startswith("Z") and minutes == 0:
            return "Z"
        if token.startswith(".0") or token.startswith(".9"):
            digits = f"{when.microsecond:06d}{0:03d}"[: len(token) - 1]
            return "." + digits if token[1] == "0" else ("." + digits.rstrip("0")).rstrip(".")
        hour12 = when.hour % 12 or 12
        return {
            "January": when.strftime("%B"),
            "Jan": when.strftime("%b"),
            "Monday": when.strftime("%A"),
            "Mon": when.strftime("%a"),
            "MST": when.tzname() or "UTC",
            "Z07:00": f"{sign}{hh:02d}:{mm:02d}",
            "-07:00": f"{sign}{hh:02d}:{mm:02d}",
            "Z0700": f"{sign}{hh:02d}{mm:02d}",
            "-0700": f"{sign}{hh:02d}{mm:02d}",
            "Z07": f"{sign}{hh:02d}",
            "-07": f"{sign}{hh:02d}",
            "2006": f"{when.year:04d}",
            "06": f"{when.year % 100:02d}",
            "01": f"{when.month:02d}",
            "1": str(when.month),
            "02": f"{when.day:02d}",
            "_2": f"{when.day:2d}",
            "2": str(when.day),
            "15": f"{when.hour:02d}",
            "03": f"{hour12:02d}",
            "3": str(hour12),
            "04": f"{when.minute:02d}",
            "4": str(when.minute),
            "05": f"{when.second:02d}",
            "5": str(when.second),
            "PM": "PM" if when.hour >= 12 else "AM",
            "pm": "pm" if when.hour >= 12 else "am",
        }[token]

    return _GO_LAYOUT.sub(element, layout)


def _sprig_date_in_zone(layout: Any, date: Any, zone: Any) -> str:
    """sprig's ``dateInZone``: ``date`` is Unix seconds (int) or, for any other value (Argo's
    timestamps are text), time.Now(); an unknown zone is UTC, as sprig falls back."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _strval(zone)
    try:
        tz: Any = UTC if name in ("", "UTC", "Local") else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    if isinstance(date, int) and not isinstance(date, bool):
        when = datetime.fromtimestamp(date, tz)
    else:
        when = datetime.now(tz)
    return _go_format(_strval(layout), when)


SPRIG: dict[str, Callable[..., Any]] = {
    "trim": lambda s: _go_trim_space(_strval(s)),
    "upper": lambda s: _strval(s).upper(),
    "lower": lambda s: _strval(s).lower(),
    "replace": lambda old, new, s: _strval(s).replace(_strval(old), _strval(new)),
    "default": lambda d, *given: d if not given or _sprig_empty(given[0]) else given[0],
    "empty": _sprig_empty,
    "int": _sprig_int,
    "toInt": _sprig_int,
    "int64": _sprig_int,
    "atoi": _sprig_atoi,
    "add": lambda *xs: sum(_sprig_int(x) for x in xs),
    "add1": lambda x: _sprig_int(x) + 1,
    "sub": lambda a, b: _sprig_int(a) - _sprig_int(b),
    "mul": lambda *xs: math.prod(_sprig_int(x) for x in xs),
    "contains": lambda sub, s: _strval(sub) in _strval(s),
    "hasPrefix": lambda prefix, s: _strval(s).startswith(_strval(prefix)),
    "hasSuffix": lambda suffix, s: _strval(s).endswith(_strval(suffix)),
    "trimPrefix": lambda prefix, s: _strval(s).removeprefix(_strval(prefix)),
    "trimSuffix": lambda suffix, s: _strval(s).removesuffix(_strval(suffix)),
    "split": _sprig_split,
    "splitList": lambda sep, s: (
        _strval(s).split(_strval(sep)) if _strval(sep) else list(_strval(s))
    ),
    "join": _sprig_join,
    "b64enc": lambda s: base64.b64encode(_strval(s).encode()).decode(),
    "b64dec": _sprig_b64dec,
    "toString": _strval,
    "quote": lambda *xs: " ".join(_go_quote(_strval(x)) for x in xs if x is not None),
    "squote": lambda *xs: " ".join(f"'{_strval(x)}'" for x in xs if x is not None),
    "repeat": lambda n, s: _strval(s) * max(_sprig_int(n), 0),
    "list": lambda *xs: list(xs),
    "date": lambda layout, date: _sprig_date_in_zone(layout, date, "Local"),
    "dateInZone": _sprig_date_in_zone,
    # numbers: int64 (cast.ToInt64) or float64 (cast.ToFloat64), as sprig's numeric.go
    "min": lambda a, *xs: min(_sprig_int(x) for x in (a, *xs)),
    "max": lambda a, *xs: max(_sprig_int(x) for x in (a, *xs)),
    "biggest": lambda a, *xs: max(_sprig_int(x) for x in (a, *xs)),
    "minf": lambda a, *xs: min(_sprig_float(x) for x in (a, *xs)),
    "maxf": lambda a, *xs: max(_sprig_float(x) for x in (a, *xs)),
    "div": lambda a, b: _go_div(_sprig_int(a), _sprig_int(b)),
    "mod": lambda a, b: _sprig_int(a) - _go_div(_sprig_int(a), _sprig_int(b)) * _sprig_int(b),
    "add1f": lambda x: _sprig_float(x) + 1,
    "addf": lambda *xs: math.fsum(_sprig_float(x) for x in xs),
    "subf": lambda a, *xs: _sprig_float(a) - math.fsum(_sprig_float(x) for x in xs),
    "mulf": lambda *xs: math.prod(_sprig_float(x) for x in xs),
    "floor": lambda x: float(math.floor(_sprig_float(x))),
    "ceil": lambda x: float(math.ceil(_sprig_float(x))),
    "round": _sprig_round,
    "until": lambda n: _sprig_until_step(0, n, 1 if _sprig_int(n) >= 0 else -1),
    "untilStep": _sprig_until_step,
    # strings
    "title": lambda s: re.sub(r"(?<![^\W_])\w", lambda m: m.group(0).upper(), _strval(s)),
    "substr": _sprig_substr,
    "trunc": _sprig_trunc,
    "nospace": lambda s: re.sub(r"\s+", "", _strval(s)),
    "cat": lambda *xs: " ".join(_strval(x) for x in xs if x is not None),
    "indent": lambda n, s: (
        " " * _sprig_int(n) + _strval(s).replace("\n", "\n" + " " * _sprig_int(n))
    ),
    "nindent": lambda n, s: (
        "\n" + " " * _sprig_int(n) + _strval(s).replace("\n", "\n" + " " * _sprig_int(n))
    ),
    "ternary": lambda yes, no, cond: yes if cond is True else no,
    "coalesce": lambda *xs: next((x for x in xs if not _sprig_empty(x)), None),
    "regexMatch": lambda pattern, s: _go_regex(pattern).search(_strval(s)) is not None,
    "regexFind": lambda pattern, s: (lambda m: m.group(0) if m else "")(
        _go_regex(pattern).search(_strval(s))
    ),
    "regexFindAll": lambda pattern, s, n: [
        m.group(0) for m in _go_regex(pattern).finditer(_strval(s))
    ][: None if _sprig_int(n) < 0 else _sprig_int(n)],
    "regexReplaceAll": lambda pattern, s, repl: _go_regex(pattern).sub(
        _go_expand(_strval(repl)), _strval(s)
    ),
    "regexReplaceAllLiteral": lambda pattern, s, repl: _go_regex(pattern).sub(
        lambda _m: _strval(repl), _strval(s)
    ),
    "regexSplit": lambda pattern, s, n: _go_regex(pattern).split(
        _strval(s), maxsplit=max(_sprig_int(n) - 1, 0) if _sprig_int(n) > 0 else 0
    ),
    "sha1sum": _sprig_hash("sha1"),
    "sha256sum": _sprig_hash("sha256"),
    # lists and dicts
    "first": lambda items: (_sprig_list(items) or [None])[0],
    "last": lambda items: (_sprig_list(items) or [None])[-1],
    "rest": lambda items: _sprig_list(items)[1:],
    "initial": lambda items: _sprig_list(items)[:-1],
    "append": lambda items, x: [*_sprig_list(items), x],
    "prepend": lambda items, x: [x, *_sprig_list(items)],
    "concat": lambda *lists: [x for items in lists for x in _sprig_list(items)],
    "reverse": lambda items: _sprig_list(items)[::-1],
    "uniq": _sprig_uniq,
    "has": lambda needle, items: needle in _sprig_list(items),
    "without": lambda items, *drop: [x for x in _sprig_list(items) if x not in drop],
    "compact": lambda items: [x for x in _sprig_list(items) if not _sprig_empty(x)],
    "dict": _sprig_dict,
    "get": lambda d, key: (d or {}).get(_strval(key), ""),
    "hasKey": lambda d, key: _strval(key) in (d or {}),
    "keys": lambda *ds: [k for d in ds for k in (d or {})],
    "values": lambda d: list((d or {}).values()),
}


BUILTINS: dict[str, Callable[..., Any]] = {
    "len": _len,
    "string": go_string,
    "int": _to_int,
    "float": _to_float,
    "abs": _abs,
    "upper": _upper,
    "lower": _lower,
    "trim": _trim,
    "trimPrefix": lambda s, p: _str("trimPrefix", s).removeprefix(_str("trimPrefix", p)),
    "trimSuffix": lambda s, p: _str("trimSuffix", s).removesuffix(_str("trimSuffix", p)),
    "hasPrefix": lambda s, p: _str("hasPrefix", s).startswith(_str("hasPrefix", p)),
    "hasSuffix": lambda s, p: _str("hasSuffix", s).endswith(_str("hasSuffix", p)),
    "split": _split,
    "join": _join,
    "keys": lambda m: list(_need_map("keys", m)),
    "values": lambda m: list(_need_map("values", m).values()),
    "first": lambda a: a[0] if isinstance(a, list | tuple) and a else None,
    "last": lambda a: a[-1] if isinstance(a, list | tuple) and a else None,
    "toJSON": lambda v: _go_json_call(v, "  "),
    "fromJSON": _from_json,
    "toBase64": lambda s: base64.b64encode(_str("toBase64", s).encode()).decode(),
}

# Argo's util/expr/env.GetFuncMap: set over the template's variables, so they win over them.
ARGO_FUNCTIONS: dict[str, Any] = {
    "asInt": _to_int,
    "asFloat": _to_float,
    "toJson": _go_json_call,
    "jsonpath": _jsonpath,
    "sprig": SPRIG,
}


class _Evaluator:
    def __init__(self, expression: str, env: Mapping[str, Any]) -> None:
        self.expression = expression
        self.env = env

    def error(self, reason: str, node: Any) -> ExprError:
        from lark import Token

        if isinstance(node, Token):
            line, column = node.line or 1, node.column or 1
        else:
            meta = node.meta
            line = getattr(meta, "line", 1)
            column = getattr(meta, "column", 1)
        return ExprError(reason, self.expression, line, column)

    def eval(self, node: Any, scope: tuple[Any, int] | None, chained: bool = False) -> Any:
        """Evaluate a node; ``chained`` when it is the base of a member, index or call, so that
        a ``?.`` on ``nil`` further down ends the whole chain, not just its own step."""
        from lark import Token

        if isinstance(node, Token):
            return self.token(node, scope)
        try:
            return self.tree(node, scope)
        except _Fail as fail:
            raise self.error(str(fail), self.where(node)) from None
        except _ChainNil:
            if chained or node.data not in _POSTFIX:
                raise
            return None

    def where(self, node: Any) -> Any:
        """The operator token of a binary node (its caret goes there), else the node."""
        if node.data in ("binop", "notop", "coalesce") and len(node.children) >= 3:
            return node.children[1]
        if node.data in ("member", "safe_member", "index", "safe_index") and node.children[1]:
            return node.children[1]
        if node.data == "call":
            return node.children[0]
        return node

    def token(self, token: Token, scope: tuple[Any, int] | None) -> Any:
        try:
            if token.type == "NUMBER":
                return _number(token)
            if token.type == "STRING":
                return _unquote(token)
        except _Fail as fail:
            raise self.error(str(fail), token) from None
        raise self.error(f"unexpected token {str(token)!r}", token)

    def name(self, token: Token) -> Any:
        text = str(token)
        if text == "true":
            return True
        if text == "false":
            return False
        if text == "nil":
            return None
        if text in ARGO_FUNCTIONS:
            return ARGO_FUNCTIONS[text]
        if text in self.env:
            return self.env[text]
        raise self.error(f"unknown name {text}", token)

    def tree(self, node: Tree[Token], scope: tuple[Any, int] | None) -> Any:
        kind = node.data
        kids = node.children
        if kind in ("_token", "paren"):
            return self.eval(kids[0], scope)
        if kind == "number":
            return self.token(kids[0], scope)  # type: ignore[arg-type]
        if kind == "string":
            return self.token(kids[0], scope)  # type: ignore[arg-type]
        if kind == "name":
            return self.name(kids[0])  # type: ignore[arg-type]
        if kind in ("pointer", "pointer_name", "pointer_member"):
            if scope is None:
                raise _Fail("cannot use pointer accessor outside predicate")
            if kind == "pointer":
                return scope[0]
            if kind == "pointer_name":
                if str(kids[0]) == "index":
                    return scope[1]
                raise _Fail(f"unknown pointer #{kids[0]}")
            return _fetch(scope[0], self.member_name(kids[0]), False)
        if kind == "array":
            return [] if kids[0] is None else [self.eval(k, scope) for k in kids[0].children]  # type: ignore[union-attr]
        if kind == "map":
            result: dict[Any, Any] = {}
            for pair in kids:
                if pair is None:
                    continue
                key_token, value = pair.children  # type: ignore[union-attr]
                key: Any = str(key_token)
                if key_token.type == "STRING":  # type: ignore[union-attr]
                    key = _unquote(key)
                result[key] = self.eval(value, scope)
            return result
        if kind == "closure":
            raise _Fail("closure is allowed only as a predicate argument")
        if kind == "ternary":
            cond = self.eval(kids[0], scope)
            if not isinstance(cond, bool):
                raise _Fail(f"non-bool expression (type {_type(cond)}) used as condition")
            return self.eval(kids[1] if cond else kids[2], scope)
        if kind == "unop":
            op = str(kids[0])
            value = self.eval(kids[1], scope)
            if op in ("not", "!"):
                return not _bool(op, value)
            if not _is_num(value):
                raise _Fail(f"invalid operation: {op} (mismatched type {_type(value)})")
            return -value if op == "-" else value
        if kind == "coalesce":
            left = self.eval(kids[0], scope)
            return self.eval(kids[2], scope) if left is None else left
        if kind == "binop" and kids[1].type == "CMPOP":  # type: ignore[union-attr]
            return self.comparison(node, scope)[0]
        if kind == "binop":
            return self.binop(str(kids[1]), self.eval(kids[0], scope), kids[2], scope)
        if kind == "notop":
            return not self.binop(str(kids[2]), self.eval(kids[0], scope), kids[3], scope)
        if kind in ("member", "safe_member", "index", "safe_index"):
            base = self.eval(kids[0], scope, chained=True)
            if base is None and kind.startswith("safe_"):
                raise _ChainNil
            key = (
                self.member_name(kids[1]) if kind.endswith("member") else self.eval(kids[1], scope)
            )
            return _fetch(base, key, False)
        if kind == "slice":
            base = self.eval(kids[0], scope, chained=True)
            low = None if kids[1] is None else self.eval(kids[1], scope)
            high = None if kids[2] is None else self.eval(kids[2], scope)
            return _slice(base, low, high)
        if kind == "call":
            return self.call(node, scope)
        raise _Fail(f"unsupported syntax {kind}")

    def member_name(self, node: Any) -> str:
        return str(node.children[0])

    def comparison(self, node: Tree[Token], scope: tuple[Any, int] | None) -> tuple[bool, Any]:
        """A comparison, chained like expr-lang's: ``a < b < c`` is ``a < b && b < c``.

        Returns:
            The result and the value of the right operand (the next link's left one).
        """
        left_node, op, right_node = node.children
        if getattr(left_node, "data", None) == "binop" and left_node.children[1].type == "CMPOP":  # type: ignore[union-attr]
            result, left = self.comparison(left_node, scope)  # type: ignore[arg-type]
            if not result:
                return False, None
        else:
            left = self.eval(left_node, scope)
        right = self.eval(right_node, scope)
        try:
            return self.binop(str(op), left, None, scope, right), right
        except _Fail as fail:
            raise self.error(str(fail), op) from None

    def binop(
        self, op: str, left: Any, right_node: Any, scope: tuple[Any, int] | None, *given: Any
    ) -> Any:
        if op in ("or", "||"):
            return _bool(op, left) or _bool(op, self.eval(right_node, scope))
        if op in ("and", "&&"):
            return _bool(op, left) and _bool(op, self.eval(right_node, scope))
        right = given[0] if given else self.eval(right_node, scope)
        if op == "==":
            return _equal(left, right)
        if op == "!=":
            return not _equal(left, right)
        if op in ("<", ">", "<=", ">="):
            return _compare(op, left, right)
        if op == "in":
            return _in(left, right)
        if op in ("matches", "contains", "startsWith", "endsWith"):
            return _string_op(op, left, right)
        if op == "..":
            if (
                not (isinstance(left, int) and isinstance(right, int))
                or isinstance(left, bool)
                or isinstance(right, bool)
            ):
                raise _mismatch(op, left, right)
            return list(range(left, right + 1))
        return _arith(op, left, right)

    def call(self, node: Tree[Token], scope: tuple[Any, int] | None) -> Any:
        from lark import Tree as LarkTree

        callee, args_node = node.children
        arg_nodes: list[Any] = [] if args_node is None else list(args_node.children)  # type: ignore[union-attr]
        # expr-lang's parser makes a call of a builtin's name a builtin call, whatever the env.
        called = (
            str(callee.children[0])
            if isinstance(callee, LarkTree) and callee.data == "name"
            else ""
        )
        if called in _CLOSURES:
            return self.closure_call(called, arg_nodes, scope)
        function = BUILTINS[called] if called in BUILTINS else self.eval(callee, scope, True)
        args = [self.eval(a, scope) for a in arg_nodes]
        if not callable(function):
            raise _Fail(f"{_type(function)} is not callable")
        try:
            return function(*args)
        except _Fail:
            raise
        except TypeError as error:
            raise _Fail(f"wrong number or type of arguments: {error}") from error
        except (ValueError, ArithmeticError, AttributeError) as error:
            raise _Fail(str(error)) from error

    def closure_call(self, name: str, arg_nodes: list[Any], scope: tuple[Any, int] | None) -> Any:
        if len(arg_nodes) != 2:
            raise _Fail(f"invalid number of arguments (expected 2, got {len(arg_nodes)})")
        items = self.eval(arg_nodes[0], scope)
        if items is None:
            items = []
        if isinstance(items, Mapping):
            items = list(items.values())
        if not isinstance(items, list | tuple):
            raise _Fail(f"cannot iterate over {_type(items)}")
        body = arg_nodes[1]
        if getattr(body, "data", None) == "closure":
            body = body.children[0]
        results = [self.eval(body, (item, i)) for i, item in enumerate(items)]
        if name == "map":
            return results
        for value in results:
            if not isinstance(value, bool):
                raise _Fail(f"predicate should return boolean (got {_type(value)})")
        if name == "filter":
            return [item for item, keep in zip(items, results, strict=True) if keep]
        if name == "all":
            return all(results)
        if name == "any":
            return any(results)
        if name == "none":
            return not any(results)
        if name == "one":
            return sum(results) == 1
        return sum(results)
