"""Checks of values that Argo parses itself: durations, retry limits and ``when`` conditions.

* ``V135``: a string duration that Go's ``time.ParseDuration`` (after a bare number of seconds,
  where Argo tries one first) cannot read: a template's ``timeout``, ``suspend.duration``,
  ``memoize.maxAge``, ``containerSet.retryStrategy.duration``, ``retryStrategy.backoff``'s
  ``duration``/``cap``/``maxDuration`` and ``podGC.deleteDelayDuration``
  (:func:`tiphys.argo.durations.go_duration_problem`).
* ``V136``: a ``retryStrategy.limit`` (or ``containerSet.retryStrategy.retries``) string that is
  neither a whole number nor a ``{{...}}`` template.
* ``V137`` (a warning): a ``when`` that govaluate reads differently from what it says.

Argo evaluates a raw ``when`` (not a ``{{= }}`` expression) with govaluate after pasting each
``{{...}}`` tag's value in, and turns the words govaluate reads as variables into strings; so
``{{steps.flip.outputs.result}} == heads`` works, but an unquoted ``hello-world`` is
``hello - world`` (argo-workflows#3611, #1240), ``a b`` two values in a row, ``a.b`` a field
access and ``1.2.3`` a broken number. :func:`govaluate_tokens` reads a ``when`` the way
govaluate's lexer does (``Knetic/govaluate`` ``lexerState``/``parsing.go``), with each tag as one
token, and :func:`when_problem` finds such operands. Values substituted at run time are unknown:
a tag is assumed to give one word (which is why some of those conditions work by accident), so
the finding is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tiphys.argo.durations import go_duration_problem
from tiphys.argo.expr import member, string_literal
from tiphys.argo.paths import join
from tiphys.validate.references import Add

__all__ = [
    "GovaluateToken",
    "check_call_values",
    "check_spec_values",
    "check_template_values",
    "govaluate_tokens",
    "when_problem",
]

# -- durations and retry limits ----------------------------------------------------------------

# Duration fields, by where they sit: (path inside the holder, whether bare seconds are read).
_TEMPLATE_DURATIONS = (
    (("timeout",), True),
    (("suspend", "duration"), True),
    (("memoize", "maxAge"), False),
    (("containerSet", "retryStrategy", "duration"), False),
)
_BACKOFF_DURATIONS = tuple(
    (("retryStrategy", "backoff", field), True) for field in ("duration", "cap", "maxDuration")
)
_SPEC_DURATIONS = (*_BACKOFF_DURATIONS, (("podGC", "deleteDelayDuration"), True))
_RETRY_COUNTS = (("retryStrategy", "limit"), ("containerSet", "retryStrategy", "retries"))
_WHOLE_NUMBER = re.compile(r"[-+]?\d+\Z")  # strconv.ParseInt, base 10


def _field(holder: Mapping[str, Any], keys: tuple[str, ...], path: str) -> tuple[object, str]:
    """The value at ``keys`` below ``holder`` (``None`` when absent), and its path."""
    value: object = holder
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
        path = join(path, key)
    return value, path


def _templated(value: object) -> bool:
    return isinstance(value, str) and "{{" in value


def _durations(
    holder: Mapping[str, Any],
    path: str,
    fields: tuple[tuple[tuple[str, ...], bool], ...],
    add: Add,
) -> None:
    for keys, bare_seconds in fields:
        value, value_path = _field(holder, keys, path)
        if not isinstance(value, str) or _templated(value):
            continue  # other types are the schema's job
        problem = go_duration_problem(value, bare_seconds=bare_seconds)
        if problem is not None:
            add("V135", f"invalid {'.'.join(keys)} {value!r}: {problem}", value_path, "error")


def _retry_counts(holder: Mapping[str, Any], path: str, add: Add) -> None:
    for keys in _RETRY_COUNTS:
        value, value_path = _field(holder, keys, path)
        if not isinstance(value, str) or _templated(value) or _WHOLE_NUMBER.match(value):
            continue
        fix = value.strip() if _WHOLE_NUMBER.match(value.strip()) else "3"
        add(
            "V136",
            f"{'.'.join(keys)} {value!r} is not a whole number, which Argo cannot read: write "
            f"the number of retries ({keys[-1]}: {fix}), or a {{{{...}}}} parameter that gives one",
            value_path,
            "error",
        )


def check_template_values(template: Mapping[str, Any], path: str, add: Add) -> None:
    """Durations, retry limits and metric ``when`` conditions of one template.

    Args:
        template: A template (of ``spec.templates``, an ``inline`` one, or
            ``spec.templateDefaults``).
        path: Its path.
        add: Called once per finding (``V135``, ``V136``, ``V137``).
    """
    _durations(template, path, _TEMPLATE_DURATIONS + _BACKOFF_DURATIONS, add)
    _retry_counts(template, path, add)
    _metric_whens(template, path, add)


def check_spec_values(spec: Mapping[str, Any], path: str, add: Add) -> None:
    """Durations, retry limits and metric conditions of a workflow spec and its templateDefaults.

    Args:
        spec: The workflow spec (a CronWorkflow's ``spec.workflowSpec``).
        path: Its path.
        add: Called once per finding.
    """
    _durations(spec, path, _SPEC_DURATIONS, add)
    _retry_counts(spec, path, add)
    _metric_whens(spec, path, add)
    defaults = spec.get("templateDefaults")
    if isinstance(defaults, Mapping):
        check_template_values(defaults, join(path, "templateDefaults"), add)


def check_call_values(call: Mapping[str, Any], path: str, add: Add) -> None:
    """The ``when`` of a DAG task or a step.

    Args:
        call: The task or step.
        path: Its path.
        add: Called once per finding.
    """
    _when(call.get("when"), join(path, "when"), add)


def _metric_whens(holder: Mapping[str, Any], path: str, add: Add) -> None:
    metrics, metrics_path = _field(holder, ("metrics", "prometheus"), path)
    if isinstance(metrics, list):
        for i, metric in enumerate(metrics):
            if isinstance(metric, Mapping):
                _when(metric.get("when"), join(join(metrics_path, i), "when"), add)


def _when(when: object, path: str, add: Add) -> None:
    if isinstance(when, str):
        problem = when_problem(when)
        if problem is not None:
            add("V137", problem, path, "warning")


# -- govaluate ---------------------------------------------------------------------------------

TokenKind = Literal["tag", "string", "number", "word", "bool", "op", "open", "close"]


@dataclass(frozen=True)
class GovaluateToken:
    """One token of a ``when`` as govaluate's lexer cuts it (``{{...}}`` tags kept whole).

    Attributes:
        kind: ``tag`` (a ``{{...}}`` tag outside quotes), ``string`` (quoted, or an escaped
            ``[variable]``, which Argo also turns into a string), ``number``, ``word`` (a
            variable name, which Argo turns into a string; with a ``.`` an accessor, which it
            does not), ``bool`` (``true``/``false``), ``op`` (a run of operator characters,
            ``,`` or the word ``in``), ``open``/``close`` (parentheses).
        text: The token's text as written.
        start: Its offset in the ``when``.
        end: The offset just after it.
    """

    kind: TokenKind
    text: str
    start: int
    end: int


_VALUE_KINDS = frozenset({"tag", "string", "number", "word", "bool"})
_SPLITTERS = frozenset({"==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in", "&&", "||", ","})
_COMPARATORS = {"==": "==", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<=", "=~": "matches"}
_OPERATOR_CHARS = frozenset("=!<>~&|+-*/%^:?")
_TAG_MARK = "\0"  # stands for each character of a tag while lexing


def _end_of(text: str, start: int, stop: str) -> int | None:
    """The offset of the first character of ``stop`` at or after ``start``."""
    for i in range(start, len(text)):
        if text[i] in stop:
            return i
    return None


def govaluate_tokens(when: str) -> list[GovaluateToken] | None:
    """Cut a raw ``when`` into govaluate's tokens, each ``{{...}}`` tag being one token.

    Args:
        when: The condition as written in the manifest.

    Returns:
        The tokens in order (whitespace dropped: compare ``end`` and ``start`` to see what is
        glued), or ``None`` when an unclosed tag, quote or ``[`` leaves it unreadable.
    """
    marked = when
    for match in re.finditer(r"\{\{.*?\}\}", when, re.DOTALL):
        size = match.end() - match.start()
        marked = marked[: match.start()] + _TAG_MARK * size + marked[match.end() :]
    if "{{" in marked:
        return None
    tokens: list[GovaluateToken] = []
    i = 0
    while i < len(marked):
        char = marked[i]
        kind: TokenKind
        if char.isspace():
            i += 1
            continue
        if char == _TAG_MARK:
            end = i
            while end < len(marked) and marked[end] == _TAG_MARK:
                end += 1
            kind = "tag"
        elif char in "'\"":  # a string ends at the next quote of either kind
            close = _end_of(marked, i + 1, "'\"")
            if close is None:
                return None
            kind, end = "string", close + 1
        elif char == "[":  # an escaped variable name, a string for Argo
            close = _end_of(marked, i + 1, "]")
            if close is None:
                return None
            kind, end = "string", close + 1
        elif char in "()":
            kind, end = ("open" if char == "(" else "close"), i + 1
        elif char == "0" and marked[i + 1 : i + 2] == "x":
            end = i + 2
            while end < len(marked) and marked[end] in "0123456789abcdefABCDEF":
                end += 1
            kind = "number"
        elif char.isdecimal() or char == ".":
            end = i
            while end < len(marked) and (marked[end].isdecimal() or marked[end] == "."):
                end += 1
            kind = "number"
        elif char.isalpha():
            end = i
            while end < len(marked) and (marked[end].isalnum() or marked[end] in "_."):
                end += 1
            word = marked[i:end]
            kind = "bool" if word in ("true", "false") else "op" if word in ("in", "IN") else "word"
        elif char == ",":
            kind, end = "op", i + 1
        else:  # a run of symbols, read up to a letter, digit, quote, bracket or space
            end = i
            while end < len(marked) and not (
                marked[end].isalnum() or marked[end].isspace() or marked[end] in "()[]'\",\0"
            ):
                end += 1
            kind = "op"
        tokens.append(GovaluateToken(kind, when[i:end], i, end))
        i = end
    return tokens


@dataclass
class _Operand:
    """Value tokens glued together (``hello-world`` is ``hello``, ``-``, ``world``)."""

    tokens: list[GovaluateToken]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


_Item = _Operand | GovaluateToken


def _items(tokens: list[GovaluateToken]) -> list[_Item]:
    """Group glued value tokens, and the operators glued between them, into operands."""
    items: list[_Item] = []
    for i, token in enumerate(tokens):
        last = items[-1] if items else None
        glued = isinstance(last, _Operand) and last.end == token.start
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.kind in _VALUE_KINDS:
            inside = glued
        else:
            inside = (
                glued
                and token.kind == "op"
                and token.text not in _SPLITTERS
                and not set(token.text) & set("=<>!&|")  # "==-1" is not "a-b"
                and after is not None
                and after.kind in _VALUE_KINDS
                and after.start == token.end
            )
        if inside and isinstance(last, _Operand):
            last.tokens.append(token)
        elif token.kind in _VALUE_KINDS:
            items.append(_Operand([token]))
        else:
            items.append(token)
    return items


def _plain(when: str, item: _Item) -> str:
    return when[item.start : item.end]


def _has_tag(item: _Item) -> bool:
    return isinstance(item, _Operand) and any(t.kind == "tag" for t in item.tokens)


def _operand_problem(operand: _Operand, when: str, partner: _Operand | None) -> str | None:
    """Why govaluate misreads one operand, or ``None``."""
    tokens = operand.tokens
    text = _plain(when, operand)
    if len(tokens) == 1 and tokens[0].kind in ("tag", "string", "bool"):
        return None
    if any(t.kind == "string" for t in tokens):
        return None  # a quote glued to something: rare, and not this check's business
    literal = "".join(t.text for t in tokens if t.kind != "tag")
    for char, role in (("-", "a minus"), ("/", "a division")):
        if char in literal:
            return f"'{text}' is not quoted, so govaluate reads its '{char}' as {role}"
    first = tokens[0]
    if first.kind == "number":
        number = first.text
        if len(tokens) > 1 or not re.fullmatch(r"\d+(\.\d*)?|\.\d+|0x[0-9a-fA-F]+", number):
            return f"'{text}' is not quoted, so govaluate reads it as a number, which it is not"
        if re.fullmatch(r"0\d+(\.\d*)?", number) and partner is not None and _has_tag(partner):
            return (
                f"'{text}' is not quoted, so govaluate compares it as the number "
                f"{float(number):g}, which '{float(number):g}' matches too"
            )
        return None
    if "." in literal:
        return f"'{text}' is not quoted, so govaluate reads its '.' as a field access"
    for token in tokens:
        if token.kind == "op":
            char = token.text[0]
            if char in _OPERATOR_CHARS:
                return f"'{text}' is not quoted, so govaluate reads its '{char}' as an operator"
            return f"'{text}' is not quoted, and govaluate cannot read its '{char}'"
    return None


def _expr_side(item: _Item, when: str) -> str | None:
    """One side of a comparison as expr-lang text: a tag's variable, or a string literal."""
    if not isinstance(item, _Operand) or len(item.tokens) != 1:
        if isinstance(item, _Operand) and not any(t.kind == "tag" for t in item.tokens):
            return string_literal(_plain(when, item))
        return None
    token = item.tokens[0]
    text = token.text
    if token.kind == "string":
        text = text[1:-1]
    tag = re.fullmatch(r"\{\{([^\s{}=][^\s{}]*)\}\}", text)
    if tag is not None:
        base, *names = tag.group(1).split(".")
        if not re.fullmatch(r"[A-Za-z_]\w*", base):
            return None
        for name in names:
            base = member(base, name)
        return base
    if "{{" in text:
        return None
    return string_literal(text) if token.kind in ("string", "word", "number") else None


def _quoted(item: _Item, when: str) -> str:
    text = _plain(when, item)
    if isinstance(item, _Operand) and len(item.tokens) == 1 and item.tokens[0].kind == "string":
        return text
    return f"'{text}'"


def _comparison(items: list[_Item], k: int) -> tuple[_Operand, str, _Operand] | None:
    """``(left, operator, right)`` of the comparison that ``items[k]`` is a side of, if any."""
    for left, op, right in ((k - 2, k - 1, k), (k, k + 1, k + 2)):
        if left < 0 or right >= len(items):
            continue
        sides, middle = (items[left], items[right]), items[op]
        if (
            isinstance(sides[0], _Operand)
            and isinstance(sides[1], _Operand)
            and isinstance(middle, GovaluateToken)
            and middle.text in _COMPARATORS
        ):
            return sides[0], middle.text, sides[1]
    return None


def _fix(when: str, items: list[_Item], k: int) -> str:
    """What to write instead of the comparison around ``items[k]``."""
    comparison = _comparison(items, k)
    if comparison is None:
        return f"quote it ({_quoted(items[k], when)})"
    left, op, right = comparison
    quoted = f"{_quoted(left, when)} {op} {_quoted(right, when)}"
    sides = (_expr_side(left, when), _expr_side(right, when))
    if sides[0] is None or sides[1] is None:
        return f"quote both sides ({quoted})"
    expr = f"{{{{= {sides[0]} {_COMPARATORS[op]} {sides[1]} }}}}"
    return f"quote both sides ({quoted}) or use an expression ({expr})"


def when_problem(when: str) -> str | None:
    """Find an operand of a raw ``when`` that govaluate reads differently from what it says.

    ``{{...}}`` tags stand for one word each; quoted strings, numbers, ``true``/``false``,
    words, operators and parentheses are fine. An unquoted operand with ``-`` or ``/`` (read as
    arithmetic), ``.`` (a field access), another operator character, a space (two values in a
    row), or a number-like text that is not a number (``1.2.3``, ``10Gi``; ``007`` compared with
    a tag) is reported. ``{{= ... }}`` expressions are expr-lang, not govaluate: not checked.

    Args:
        when: The condition as written.

    Returns:
        ``None``, or what is wrong and how to write it (quoted, or as an expression).
    """
    stripped = when.strip()
    if stripped.startswith("{{=") and stripped.endswith("}}") and stripped.count("{{") == 1:
        return None
    tokens = govaluate_tokens(when)
    if tokens is None:
        return None
    items = _items(tokens)
    for k, item in enumerate(items):
        if not isinstance(item, _Operand):
            continue
        before = items[k - 1] if k >= 1 else None
        if isinstance(before, _Operand):
            continue  # reported with the operand it follows
        run = k
        while run + 1 < len(items) and isinstance(items[run + 1], _Operand):
            run += 1
        if run > k:  # values in a row: a space inside an unquoted operand
            span = _Operand(
                [t for o in items[k : run + 1] if isinstance(o, _Operand) for t in o.tokens]
            )
            text = _plain(when, span)
            reason = f"'{text}' is not quoted, so govaluate reads its space as the end of a value"
            merged = [*items[:k], span, *items[run + 1 :]]
            return f"{reason}: {_fix(when, merged, k)}"
        partner: _Operand | None = None
        comparison = _comparison(items, k)
        if comparison is not None:
            partner = comparison[2] if comparison[0] is item else comparison[0]
        problem = _operand_problem(item, when, partner)
        if problem is not None:
            return f"{problem}: {_fix(when, items, k)}"
    return None
