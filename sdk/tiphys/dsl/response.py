"""Success conditions of ``@http`` templates, built from :data:`response`.

Argo evaluates an HTTP template's ``successCondition`` with expr-lang over the response the
agent received (``response.statusCode``, ``response.body``, ``response.headers``); without one,
any 2xx status succeeds. Build a condition from :data:`response` and pass it as
``@http(success=...)``::

    success=(response.status_code == 201) & response.body.contains("created")
    success=response.headers["content-type"][0].startswith("application/json")
    success=response.json["ok"] == True      # Slack answers 200 with {"ok": false} on errors

Conditions combine with ``&`` (and), ``|`` (or) and ``~`` (not); parenthesise comparisons,
because ``&``/``|`` bind tighter than ``==``. Using one as a Python bool is an error (``C115``),
as is comparing values of two types (``C103``). String constants are written as single-quoted
expr-lang literals with braces split, so no constant can end the field early or be taken for an
Argo ``{{...}}`` tag. A raw expr-lang string is accepted wherever a condition is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tiphys.argo import expr
from tiphys.dsl._location import fail, user_location
from tiphys.errors import Location

_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_HINT = (
    "a success condition is evaluated by Argo's agent: pass it as @http(success=...). Combine "
    "conditions with & (and), | (or) and ~ (not), parenthesising each comparison: "
    "(response.status_code == 200) & response.body.contains('ok')"
)


def canonical_header(name: str) -> str:
    """Go's canonical form of an HTTP header name (``content-type`` -> ``Content-Type``).

    ``response.headers`` is a Go ``http.Header`` map whose keys are canonical, so a lookup must
    use that form. Names with characters outside an HTTP token are left as they are (as Go does).

    Args:
        name: A header name.

    Returns:
        The canonical name.
    """
    if not _TOKEN_RE.match(name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


class SuccessCondition:
    """A condition over the HTTP response (an expr-lang expression).

    Attributes:
        text: The expr-lang text (``response.statusCode == 201``).
        location: Where it was built.
    """

    __slots__ = ("location", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.location = user_location()

    def __and__(self, other: object) -> SuccessCondition:
        return SuccessCondition(f"({self.text}) && ({_condition(other).text})")

    def __or__(self, other: object) -> SuccessCondition:
        return SuccessCondition(f"({self.text}) || ({_condition(other).text})")

    def __invert__(self) -> SuccessCondition:
        return SuccessCondition(f"!({self.text})")

    def __bool__(self) -> bool:
        raise fail("C115", _HINT)

    def __repr__(self) -> str:
        return f"<success condition: {self.text}>"


def _condition(value: object) -> SuccessCondition:
    if isinstance(value, SuccessCondition):
        return value
    if isinstance(value, ResponseValue) and value.type in (bool, None):
        return SuccessCondition(value.text)
    raise fail("C115", f"cannot combine a success condition with {value!r}; {_HINT}")


def _type_name(kind: Any) -> str:
    return "list" if kind is list else getattr(kind, "__name__", "?")


class ResponseValue:
    """A value of the HTTP response, for building a :class:`SuccessCondition`.

    Attributes:
        text: Its expr-lang spelling (``response.headers['Content-Type'][0]``).
        type: ``int``, ``str``, ``list`` (of strings), ``bool``, or ``None`` when unknown
            (a value inside :attr:`Response.json`).
    """

    __slots__ = ("text", "type")

    def __init__(self, text: str, type_: Any) -> None:
        self.text = text
        self.type = type_

    def __repr__(self) -> str:
        return f"<{self.text}>"

    def __bool__(self) -> bool:
        raise fail("C115", f"{self.text} has no value at compile time; {_HINT}")

    __hash__ = object.__hash__

    # -- comparisons ------------------------------------------------------------------------
    def _operand(self, other: object, where: Location) -> str:
        if isinstance(other, ResponseValue):
            kinds = {self.type, other.type} - {None}
            if len(kinds) > 1:
                raise fail(
                    "C103",
                    f"this condition compares {self.text} ({_type_name(self.type)}) with "
                    f"{other.text} ({_type_name(other.type)}): it can never hold. Compare "
                    "values of one type",
                    where,
                )
            return other.text
        if self.type is list:
            raise fail(
                "C103",
                f"{self.text} is the list of that header's values: compare one of them "
                f"({self.text}[0]) or use .contains(...)",
                where,
            )
        wanted = self.type
        got = type(other)
        fits = (
            wanted is None
            or other is None
            or (wanted is int and got in (int, float))
            or (wanted is not int and got is wanted)
        )
        if not fits or (wanted is int and got is bool):
            raise fail(
                "C103",
                f"this condition compares {self.text} ({_type_name(wanted)}) with {other!r} "
                f"({got.__name__}): it can never hold. Compare values of one type",
                where,
            )
        try:
            return expr.literal(other)
        except TypeError:
            raise fail("C103", f"{other!r} cannot be used in a success condition", where) from None

    def _compare(self, op: str, other: object) -> SuccessCondition:
        where = user_location()
        return SuccessCondition(f"{self.text} {op} {self._operand(other, where)}")

    def __eq__(self, other: object) -> SuccessCondition:  # type: ignore[override]
        return self._compare("==", other)

    def __ne__(self, other: object) -> SuccessCondition:  # type: ignore[override]
        return self._compare("!=", other)

    def __lt__(self, other: object) -> SuccessCondition:
        return self._compare("<", other)

    def __le__(self, other: object) -> SuccessCondition:
        return self._compare("<=", other)

    def __gt__(self, other: object) -> SuccessCondition:
        return self._compare(">", other)

    def __ge__(self, other: object) -> SuccessCondition:
        return self._compare(">=", other)

    def is_in(self, values: Sequence[Any]) -> SuccessCondition:
        """Condition: the value is one of ``values`` (expr ``x in [...]``).

        Args:
            values: Constants of the value's type, e.g. ``[200, 201, 204]``.

        Returns:
            The condition.
        """
        where = user_location()
        items = ", ".join(self._operand(v, where) for v in values)
        return SuccessCondition(f"{self.text} in [{items}]")

    # -- text -------------------------------------------------------------------------------
    def _text_op(self, op: str, value: str) -> SuccessCondition:
        where = user_location()
        if not isinstance(value, str):
            raise fail("C103", f"{op} takes a string, not {value!r}", where)
        if self.type is list:
            if op != "contains":
                raise fail(
                    "C103",
                    f"{self.text} is the list of that header's values: use {self.text}[0]",
                    where,
                )
            return SuccessCondition(f"{expr.string_literal(value)} in {self.text}")
        if self.type not in (str, None):
            raise fail(
                "C103", f"{self.text} is {_type_name(self.type)}, not text: compare it", where
            )
        return SuccessCondition(f"{self.text} {op} {expr.string_literal(value)}")

    def contains(self, text: str) -> SuccessCondition:
        """Condition: the text contains ``text`` (for a header: one of its values is ``text``).

        Args:
            text: A constant string.

        Returns:
            The condition (``response.body contains 'ok'``).
        """
        return self._text_op("contains", text)

    def startswith(self, prefix: str) -> SuccessCondition:
        """Condition: the text starts with ``prefix`` (expr ``startsWith``)."""
        return self._text_op("startsWith", prefix)

    def endswith(self, suffix: str) -> SuccessCondition:
        """Condition: the text ends with ``suffix`` (expr ``endsWith``)."""
        return self._text_op("endsWith", suffix)

    def matches(self, pattern: str) -> SuccessCondition:
        """Condition: the text matches the regular expression ``pattern`` (Go RE2 syntax)."""
        return self._text_op("matches", pattern)

    # -- members ----------------------------------------------------------------------------
    def __getitem__(self, key: int | str) -> ResponseValue:
        where = user_location()
        if self.type is list:
            if not isinstance(key, int) or isinstance(key, bool):
                raise fail("C103", f"{self.text} is a list: index it with a number", where)
            return ResponseValue(f"{self.text}[{key}]", str)
        if self.type is not None:
            raise fail(
                "C103",
                f"{self.text} is {_type_name(self.type)}: only response.json values and "
                "header lists can be indexed",
                where,
            )
        if isinstance(key, str):
            return ResponseValue(expr.member(self.text, key), None)
        if isinstance(key, int) and not isinstance(key, bool):
            return ResponseValue(f"{self.text}[{key}]", None)
        raise fail("C103", f"index {key!r} must be a string or a number", where)


class _Headers:
    """``response.headers[name]``: the list of that header's values."""

    def __getitem__(self, name: str) -> ResponseValue:
        if not isinstance(name, str) or not name:
            raise fail("C103", f"a header name is a non-empty string, not {name!r}")
        return ResponseValue(
            f"response.headers[{expr.string_literal(canonical_header(name))}]", list
        )


class Response:
    """The HTTP response, as a success condition sees it. Use the instance :data:`response`.

    Attributes:
        status_code: The status code, an int (``response.statusCode``).
        body: The body as text (``response.body``).
        headers: ``headers["Content-Type"]`` is the list of that header's values
            (``response.headers['Content-Type']``; names are put in Go's canonical form).
        json: The body read as JSON (``fromJSON(response.body)``); index it:
            ``response.json["ok"]``.
    """

    status_code = ResponseValue("response.statusCode", int)
    body = ResponseValue("response.body", str)
    headers = _Headers()
    json = ResponseValue("fromJSON(response.body)", None)


response = Response()
"""The HTTP response of an ``@http`` task, for ``success=`` conditions."""
