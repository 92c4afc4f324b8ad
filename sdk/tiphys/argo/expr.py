"""Writing expr-lang text for Argo's ``{{= ... }}`` tags and ``depends``.

Argo evaluates ``{{=expr}}`` with expr-lang after finding the tag's end at the first ``}}``, so an
expression must never contain ``{{`` or ``}}`` (nor ``}{``, which could join with a neighbour);
string literals that hold braces are split into concatenated pieces. Single-quoted literals are
used (double quotes inside ``{{= }}`` have broken in some Argo versions, argo-workflows#6260).
Hyphenated names need index syntax: ``tasks['run-tests']``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

KEYWORDS = frozenset(
    {"in", "not", "and", "or", "matches", "contains", "startsWith", "endsWith", "let", "if"}
    | {"else", "true", "false", "nil"}
)
"""Words expr-lang's lexer reads as operators or literals: a task named one of them breaks
``depends``, which Argo evaluates with expr-lang."""
# Escapes expr-lang reads back (parser/lexer/utils.go). Argo v3 releases unquoted a ``{{= }}``
# tag as a JSON string after turning ``\"`` back into ``"`` (util/template/template.go), so a
# ``"`` in the expression ended that JSON string: it is written ``\x22``; and they split any tag
# holding ``?`` and ``:`` at its first ``?`` to evaluate a ternary, even inside a string literal
# (util/template/expression_template.go): ``?`` is written ``\x3f``. v4.1.2 no longer does
# either, and reads the escapes the same, so manifests work on both. Control characters are
# escaped so that no raw one reaches either parser.
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "?": "\\x3f"}
_ESCAPES.update({'"': "\\x22", "\x7f": "\\x7f"})
_ESCAPES.update({chr(c): f"\\x{c:02x}" for c in range(32) if chr(c) not in _ESCAPES})


def string_literal(value: str) -> str:
    """Quote ``value`` as an expr-lang string literal that is safe inside ``{{= ... }}``.

    Args:
        value: Any text, including quotes, backslashes, newlines and braces.

    Returns:
        A single-quoted literal, or several joined with `` + `` when braces had to be split.
    """
    pieces: list[str] = []
    current: list[str] = []
    previous = ""
    for char in value:
        if char in "{}" and previous in ("{", "}") and current:
            pieces.append("".join(current))
            current = []
        current.append(_ESCAPES.get(char, char))
        previous = char
    pieces.append("".join(current))
    return " + ".join(f"'{piece}'" for piece in pieces)


def literal(value: object, leaf: Callable[[object], str | None] | None = None) -> str:
    """Write a Python constant as an expr-lang literal.

    Args:
        value: ``str``, ``bool``, ``int``, ``float`` or ``None``; lists and dicts of those.
        leaf: Called first with every value met (the whole value, then each list item and dict
            value); a string it returns is used as that value's text, ``None`` means "write it
            as a constant". This lets a caller put expressions (references) inside a literal.

    Returns:
        The literal text (``'a'``, ``true``, ``3``, ``nil``, ``[1, 2]``).

    Raises:
        TypeError: The value has no expr-lang literal form.
    """
    if leaf is not None:
        text = leaf(value)
        if text is not None:
            return text
    if isinstance(value, str):
        return string_literal(value)
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v, leaf) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{string_literal(str(k))}: {literal(v, leaf)}" for k, v in value.items())
        return "{" + items + " }"  # the space: a nested map must not end the tag with "}}"
    raise TypeError(f"{type(value).__name__} has no expr literal form")


def member(base: str, name: str) -> str:
    """Access ``name`` on ``base``: ``base.name``, or ``base['na-me']`` when not an identifier.

    Args:
        base: An expr-lang expression (``inputs.parameters``, ``tasks``).
        name: The member's name.

    Returns:
        The member access expression.
    """
    if _IDENT_RE.match(name):
        return f"{base}.{name}"
    return f"{base}[{string_literal(name)}]"
