"""A light syntax check of the expression texts users give Argo (expr-lang and govaluate).

Argo reads hook expressions, ``http.successCondition``, ``retryStrategy.expression``, data
``filter``/``map`` expressions, a CronWorkflow's ``stopStrategy.expression`` and ``{{= ...}}``
tags with expr-lang, and a raw ``when`` with govaluate. Neither fails before the workflow runs,
so a typo (an unclosed quote, a dangling operator, ``>>``) or a name that does not mean what it
seems (``tasks.build-2`` is ``tasks.build`` minus ``2``) surfaces as a failed or silently skipped
node. :func:`expression_problem` finds these without a full parser: quotes and brackets must
balance, operators must be known and have operands, dashed names need index syntax, and a
``status`` compared with a constant must name a node phase.
"""

from __future__ import annotations

import re
from typing import Literal

from tiphys.errors import closest

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Error", "Skipped", "Omitted")
"""Node phases Argo reports as ``tasks.<name>.status``, ``steps.<name>.status`` and
``workflow.status`` (``NodePhase``)."""

Language = Literal["expr", "govaluate"]

_OPERATORS = {
    "expr": frozenset(
        {"==", "!=", "<", ">", "<=", ">=", "&&", "||", "!", "+", "-", "*", "/", "%", "**", "^"}
        | {"?", ":", "??", ".", "?.", "..", "|", ",", "=", ";"}
    ),
    "govaluate": frozenset(
        {"==", "!=", "<", ">", "<=", ">=", "&&", "||", "!", "+", "-", "*", "/", "%", "**", "^"}
        | {"?", ":", "??", "=~", "!~", "&", "|", "<<", ">>", "~", ","}
    ),
}
# Operators that may start an expression or follow another operator (unary).
_UNARY = frozenset({"!", "-", "+", "~"})
_OPERATOR_CHARS = "=!<>&|+-*/%^~?:.,;"
_WORD_OPERATORS = frozenset({"and", "or", "in", "not", "matches", "contains"})
_WORD_OPERATORS |= {"startsWith", "endsWith"}
_DASHED = re.compile(
    r"(?<![\w.])((?:tasks|steps)|(?:inputs|outputs|workflow)\.parameters)\.([A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)+)"
)
_STATUS = re.compile(
    r"""\.status\s*(?:==|!=)\s*(['"])(\w*)\1|(['"])(\w*)\3\s*(?:==|!=)\s*[\w.\[\]']*status\b"""
)
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _blank_strings(text: str) -> tuple[str, str | None]:
    """``text`` with every string literal's inside replaced by spaces, or a problem."""
    out: list[str] = []
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
                out.append(char)
                continue
            out.append(" ")
            continue
        if char in "'\"`":
            quote = char
        out.append(char)
    if quote:
        return "", f"the string opened with {quote} is not closed"
    return "".join(out), None


def _bracket_problem(code: str) -> str | None:
    stack: list[str] = []
    for char in code:
        if char in "([{":
            stack.append(char)
        elif char in _PAIRS:
            if not stack or stack[-1] != _PAIRS[char]:
                return f"{char!r} closes nothing"
            stack.pop()
    if stack:
        return f"{stack[-1]!r} is not closed"
    return None


def _tokens(code: str) -> list[str]:
    return re.findall(
        rf"'[^']*'|\"[^\"]*\"|`[^`]*`|[{re.escape(_OPERATOR_CHARS)}]+|[\w$#]+|[()\[\]{{}}]", code
    )


def _operator_problem(code: str, language: Language) -> str | None:
    known = _OPERATORS[language]
    tokens = _tokens(code)
    previous = ""
    for index, token in enumerate(tokens):
        if token[0] in _OPERATOR_CHARS:
            if token not in known:
                return f"{token!r} is not an operator"
            first = index == 0 or previous in ("(", "[", "{", ",")
            if (first or _is_operator(previous)) and token not in _UNARY and token != ",":
                return f"{token!r} has no left operand"
        previous = token
    if tokens and _is_operator(tokens[-1]) and tokens[-1] not in (",",):
        return f"{tokens[-1]!r} at the end has no right operand"
    return None


def _is_operator(token: str) -> bool:
    return bool(token) and (token[0] in _OPERATOR_CHARS or token in _WORD_OPERATORS)


def expression_problem(text: str, language: Language = "expr") -> str | None:
    """What is wrong with an expression, with how to write it, or ``None``.

    ``{{...}}`` tags are taken as values (Argo pastes them in first).

    Args:
        text: The expression (without ``{{=``/``}}``).
        language: ``"expr"`` (expr-lang) or ``"govaluate"`` (a raw ``when``).

    Returns:
        A clause saying what is wrong and how to write it (``"'>>' is not an operator"``),
        or ``None`` when no problem was found.
    """
    if not text.strip():
        return "it is empty"
    code, problem = _blank_strings(re.sub(r"\{\{[^{}]*\}\}", "x", text))
    if problem is None:
        problem = _bracket_problem(code)
    if problem is None:
        problem = _operator_problem(code, language)
    if problem is not None:
        return problem
    dashed = _DASHED.search(code)
    if dashed:
        root, name = dashed.groups()
        first, _, rest = name.partition("-")
        return (
            f"{root}.{name} is read as {root}.{first} minus {rest}: write {root}['{name}'] "
            "for a name with dashes"
        )
    for match in _STATUS.finditer(text):
        phase = match.group(2) if match.group(1) else match.group(4)
        if phase not in PHASES:
            close = closest(phase, PHASES)
            hint = f" Did you mean '{close}'?" if close else ""
            return f"'{phase}' is no node status ({', '.join(PHASES)}).{hint}"
    return None


def template_problem(text: str) -> str | None:
    """What is wrong with the ``{{= ...}}`` tags of a text, or ``None``.

    Args:
        text: A text that may hold ``{{= expr }}`` tags (a ``when``, a parameter value).

    Returns:
        ``"'{{=' is not closed by '}}'"``, the problem of a tag's expression
        (:func:`expression_problem`), or ``None``.
    """
    pos = 0
    while True:
        start = text.find("{{=", pos)
        if start < 0:
            return None
        end = text.find("}}", start)
        if end < 0:
            return "'{{=' is not closed by '}}'"
        problem = expression_problem(text[start + 3 : end])
        if problem is not None:
            return problem
        pos = end + 2


_REQUIREMENT = re.compile(
    r"\s*!?[\w.\-/\[\]{}]+\s*(?:(?:==|=|!=|>|<)\s*[^\s,=!<>()]+|\s+(?:in|notin)\s*\([^()]*\))?\s*\Z"
)


def selector_problem(text: str) -> str | None:
    """What is wrong with a ``resource`` success/failure condition, or ``None``.

    Argo reads it as Kubernetes label-selector requirements over the object's fields,
    separated by commas: ``key op value`` with ``=``, ``==``, ``!=``, ``>``, ``<``,
    ``in (a, b)``, ``notin (a, b)``, or a bare ``key``/``!key`` (``status.succeeded > 0``).

    Args:
        text: The condition.

    Returns:
        What is wrong and how to write it, or ``None``.
    """
    depth, start, parts = 0, 0, []
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    for part in parts:
        if "#(" not in part and not _REQUIREMENT.match(part):  # gjson queries: not checked
            return (
                f"{part.strip()!r} is no requirement: write key op value with op one of =, ==, "
                "!=, >, <, in (...), notin (...), e.g. 'status.succeeded > 0'"
            )
    return None
