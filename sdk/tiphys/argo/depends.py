"""Parser for Argo's enhanced ``depends`` expressions (``dag.tasks[].depends``).

Grammar (Argo v4.1.2, ``workflow/common/ancestry.go``; evaluated as expr-lang)::

    expr    := and ("||" and)*
    and     := unary ("&&" unary)*
    unary   := "!" unary | primary
    primary := "(" expr ")" | TASK ["." RESULT]

``TASK`` is a task name (``[a-zA-Z0-9][-a-zA-Z0-9]*``; a ``-`` belongs to the name, it is not a
minus) and ``RESULT`` one of :data:`TASK_RESULTS`. A bare ``A`` means
``(A.Succeeded || A.Skipped || A.Daemoned)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tiphys.errors import TiphysError, closest

TASK_RESULTS: tuple[str, ...] = (
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
)
"""The task results a ``depends`` expression may test (``task.Result``)."""

_TOKEN = re.compile(
    r"(?P<name>[a-zA-Z0-9][-a-zA-Z0-9]*)(?:\.(?P<result>[A-Za-z]\w*))?|(?P<op>&&|\|\||!|\(|\))"
)


class DependsSyntaxError(TiphysError, ValueError):
    """A ``depends`` expression could not be parsed.

    Attributes:
        expression: The whole expression.
        column: 1-based column of the offending character in ``expression``.
        reason: What is wrong, without the position (e.g. ``expected a task name``).
    """

    def __init__(self, expression: str, column: int, reason: str) -> None:
        self.expression = expression
        self.column = column
        self.reason = reason
        super().__init__(f"invalid depends expression {expression!r} at column {column}: {reason}")


@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "op" or "end"
    text: str
    column: int  # 1-based
    result: str | None = None


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while True:
        while pos < len(expression) and expression[pos].isspace():
            pos += 1
        if pos == len(expression):
            tokens.append(_Token("end", "", pos + 1))
            return tokens
        match = _TOKEN.match(expression, pos)
        if match is None:
            char = expression[pos]
            hint = " (Argo's operators are &&, || and !)" if char in "&|-" else ""
            raise DependsSyntaxError(expression, pos + 1, f"unexpected character {char!r}{hint}")
        column = pos + 1
        if match.group("name"):
            result = match.group("result")
            if result is not None and result not in TASK_RESULTS:
                close = closest(result, TASK_RESULTS)
                hint = f"; did you mean {close!r}?" if close else ""
                raise DependsSyntaxError(
                    expression,
                    match.start("result") + 1,
                    f"unknown task result {result!r} (one of {', '.join(TASK_RESULTS)}){hint}",
                )
            tokens.append(_Token("name", match.group("name"), column, result))
        else:
            tokens.append(_Token("op", match.group("op"), column))
        pos = match.end()


#: The value of one ``TASK[.RESULT]`` term (``RESULT`` is ``None`` for a bare task name).
_Term = Callable[[str, "str | None"], bool]


class _Parser:
    def __init__(self, expression: str, term: _Term) -> None:
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.pos = 0
        self.term = term

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def fail(self, token: _Token, expected: str) -> DependsSyntaxError:
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        return DependsSyntaxError(
            self.expression, token.column, f"expected {expected}, found {found}"
        )

    def parse(self) -> bool:
        value = self.binary("||")
        token = self.peek()
        if token.kind != "end":
            raise self.fail(token, "'&&', '||' or the end")
        return value

    def binary(self, op: str) -> bool:
        # both sides are always parsed (no short circuit), so every term is seen and checked
        operand = self.unary if op == "&&" else lambda: self.binary("&&")
        value = operand()
        while self.peek().kind == "op" and self.peek().text == op:
            self.pos += 1
            right = operand()
            value = (value or right) if op == "||" else (value and right)
        return value

    def unary(self) -> bool:
        token = self.peek()
        self.pos += 1
        if token.kind == "op" and token.text == "!":
            return not self.unary()
        if token.kind == "op" and token.text == "(":
            value = self.binary("||")
            if self.peek().text != ")" or self.peek().kind != "op":
                raise self.fail(self.peek(), "')'")
            self.pos += 1
            return value
        if token.kind == "name":
            return self.term(token.text, token.result)
        raise self.fail(token, "a task name, '!' or '('")


def parse_depends(expression: str) -> list[str]:
    """Parse a ``depends`` expression and return the task names it references.

    Args:
        expression: The value of a DAG task's ``depends`` field, e.g.
            ``"(a.Succeeded || b.Failed) && !c"``.

    Returns:
        The referenced task names, each once, in order of first appearance
        (``["a", "b", "c"]``).

    Raises:
        DependsSyntaxError: The expression is empty or malformed; ``column`` says where.
    """
    names: dict[str, None] = {}

    def record(name: str, _result: str | None) -> bool:
        names.setdefault(name)
        return False

    _Parser(expression, record).parse()
    return list(names)


def evaluate_depends(expression: str, results: Mapping[str, Mapping[str, bool]]) -> bool:
    """Whether a ``depends`` expression holds for the results of the tasks it names, as Argo's
    controller evaluates it (``workflow/common/ancestry.go``).

    Args:
        expression: The ``depends`` text, e.g. ``"(a.Succeeded || b.Failed) && !c"``.
        results: For each task named, its value of every :data:`TASK_RESULTS` entry
            (``{"a": {"Succeeded": True, "Failed": False, ...}}``). A bare task name is
            ``Succeeded || Skipped || Daemoned``.

    Returns:
        The expression's value.

    Raises:
        DependsSyntaxError: The expression is empty or malformed.
        KeyError: It names a task missing from ``results``.
    """

    def value(name: str, result: str | None) -> bool:
        task = results[name]
        if result is None:
            return task["Succeeded"] or task["Skipped"] or task["Daemoned"]
        return task[result]

    return _Parser(expression, value).parse()
