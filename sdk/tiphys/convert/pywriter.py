"""Writing Python source: identifiers from Argo names, literals, f-strings.

The converter generates simple code and lets ruff format it; this module only has to produce
valid, readable expressions. Literals are written with ``repr`` (so every string round-trips
exactly), f-strings only where a parameter is interleaved with text (``{`` and ``}`` of the
text doubled).
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["Names", "fstring", "identifier", "literal", "text_literal", "tuple_literal"]

_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))


def identifier(name: str, *, fallback: str = "x") -> str:
    """A Python identifier for an Argo name: ``print-message`` -> ``print_message``.

    Characters that cannot appear in an identifier become ``_``; a leading digit gets a ``_``
    prefix; keywords and builtins get a ``_`` suffix (``print`` -> ``print_``). Collisions are
    the business of :class:`Names`.

    Args:
        name: Any Argo name (template, task, parameter...).
        fallback: Used when nothing of ``name`` is left.

    Returns:
        A valid identifier that shadows no keyword or builtin.
    """
    text = re.sub(r"\W", "_", name.replace("-", "_"), flags=re.ASCII)
    text = re.sub(r"_+", "_", text).strip("_") or fallback
    if text[0].isdigit():
        text = f"_{text}"
    if text in _RESERVED:
        text = f"{text}_"
    return text


class Names:
    """Hands out identifiers unique within one scope (a module, or a function's parameters).

    Args:
        taken: Names already used in the scope (imports...).
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = set(taken)

    def free(self, name: str) -> bool:
        """Whether ``name`` is not taken yet."""
        return name not in self._taken

    def take(self, name: str, *, fallback: str = "x") -> str:
        """An identifier for ``name`` that is not yet taken (``x``, ``x_2``, ``x_3``...)."""
        base = identifier(name, fallback=fallback)
        found, n = base, 1
        while found in self._taken:
            n += 1
            found = f"{base}_{n}"
        self._taken.add(found)
        return found


def literal(value: Any) -> str:
    """Python source for a constant built from dicts, lists, strings, numbers, bools, None.

    Args:
        value: Plain data (as parsed from YAML).

    Returns:
        An expression that evaluates to an equal value (tuples become lists).

    Raises:
        TypeError: Something else (a set, an object).
    """
    if isinstance(value, Mapping):
        items = ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str):
        return text_literal(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f'float("{value}")'
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def _block_safe(text: str) -> bool:
    """Whether ``text`` can be written between triple quotes as it is."""
    return (
        "\n" in text.rstrip("\n")
        and '"""' not in text
        and "\\" not in text
        and not text.endswith('"')
        and all(c.isprintable() or c in "\n\t" for c in text)
    )


def _raw_block_safe(text: str, quote: str) -> bool:
    """Whether ``text`` can be written as it is between ``quote`` (three single or three
    double quotes), as a raw string when it holds backslashes."""
    return (
        "\n" in text.rstrip("\n")
        and quote not in text
        and not text.endswith((quote[0], "\\"))
        and all(c.isprintable() or c in "\n\t" for c in text)
    )


def text_literal(text: str) -> str:
    """A string literal: ``'...'``, or a block for multi-line text (a script, a manifest),
    which reads as the text itself: between three double quotes, as a raw string (``r``) when
    it holds backslashes, between three single quotes when it holds three double quotes."""
    if _block_safe(text):
        return '"""' + text + '"""'
    for quote in ('"""', "'''"):
        if _raw_block_safe(text, quote):
            return ("r" if "\\" in text else "") + quote + text + quote
    return repr(text)


def tuple_literal(values: Sequence[Any]) -> str:
    """Python source for a tuple of constants: ``("a", "b")``, ``("a",)``, ``()``."""
    items = [literal(v) for v in values]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def fstring(pieces: Sequence[str | tuple[str]], *, concat: bool = False) -> str:
    """Python source for text interleaved with names.

    Args:
        pieces: Plain text (``str``) and names (1-tuples ``("tag",)``), in order.
        concat: Join with ``+`` instead of an f-string (names holding quotes, such as
            ``it["key"]``, cannot sit inside an f-string before Python 3.12).

    Returns:
        ``name`` alone for a single name, ``'text'`` when there is no name, else an f-string
        whose text has ``{``/``}`` doubled.
    """
    names = [p for p in pieces if isinstance(p, tuple)]
    if not names:
        return text_literal("".join(p for p in pieces if isinstance(p, str)))
    if len(pieces) == 1:
        return names[0][0]
    if concat:
        return " + ".join(text_literal(p) if isinstance(p, str) else p[0] for p in pieces)
    text = "".join(
        p.replace("{", "{{").replace("}", "}}") if isinstance(p, str) else "{" + p[0] + "}"
        for p in pieces
    )
    plain = "".join(p for p in pieces if isinstance(p, str))
    body = '"""' + text + '"""' if _block_safe(plain) else repr(text)
    if "\\N" in body:  # an f-string would read \\N{...} as a named escape
        return " + ".join(text_literal(p) if isinstance(p, str) else p[0] for p in pieces)
    return "f" + body
