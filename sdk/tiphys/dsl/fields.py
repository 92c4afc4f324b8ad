"""``{param}`` fields in the text settings of a template (an ``@http`` URL and headers, the
flags and conditions of a ``@resource``, the source location of a ``@data``).

Such text names the function's parameters as Python format fields: ``"https://x/{tag}"``.
Each field is checked against the signature when the template is defined and becomes the
parameter's Argo tag (``{{inputs.parameters.tag}}``) when it is compiled; Argo tags written
directly (``{{workflow.name}}``) are left as they are. A brace group that does not start like
a name (``{"a": 1}``) is plain text.

Code: ``C124`` a field that is not a plain parameter name, or names no parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tiphys.dsl._location import fail
from tiphys.errors import Location, did_you_mean

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LOOKS_LIKE_FIELD = re.compile(r"\s*(?:[A-Za-z0-9_]|\Z)")  # {name}, {0} and {} (refused)


@dataclass(frozen=True)
class Field:
    """A ``{name}`` field: the Python name of a parameter.

    Attributes:
        name: The parameter's Python name.
    """

    name: str


FieldText = tuple[str | Field, ...]
"""Text split into literal pieces and fields, in order."""


def signature_names(fn: Callable[..., Any]) -> list[str]:
    """The parameter names of ``fn``, in order (no annotation is resolved)."""
    import inspect

    return list(inspect.signature(fn).parameters)


def parse_fields(text: str, names: list[str], what: str, where: Location) -> FieldText:
    """Split ``text`` into literal pieces and ``{name}`` fields.

    Args:
        text: The setting as the user wrote it.
        names: The function's parameter names.
        what: The setting, for messages (``"@http 'deploy' url"``).
        where: The decorated function's location.

    Returns:
        The pieces; ``{{...}}`` Argo tags stay inside the literal pieces.

    Raises:
        CompileError: ``C124`` a field with a conversion, a format spec or an expression
            (``{tag!r}``, ``{n:03}``, ``{a.b}``), or one that names no parameter.
    """
    pieces: list[str | Field] = []
    literal: list[str] = []
    pos = 0
    while pos < len(text):
        if text.startswith("{{", pos):
            end = text.find("}}", pos + 2)
            stop = len(text) if end == -1 else end + 2
            literal.append(text[pos:stop])
            pos = stop
            continue
        char = text[pos]
        end = text.find("}", pos + 1) if char == "{" else -1
        inner = text[pos + 1 : end] if end != -1 else ""
        if end == -1 or "{" in inner or not _LOOKS_LIKE_FIELD.match(inner):
            literal.append(char)
            pos += 1
            continue
        if not _NAME_RE.match(inner):
            raise fail(
                "C124",
                f"{what} has the field {{{inner}}}; only plain parameter names are formatted "
                f"in (as {{name}}): compute other values in a task and pass them in",
                where,
            )
        if inner not in names:
            listing = ", ".join(names) or "none"
            raise fail(
                "C124",
                f"{what} has the field {{{inner}}}, which names no parameter of the function "
                f"(parameters: {listing}).{did_you_mean(inner, names)}",
                where,
            )
        if literal:
            pieces.append("".join(literal))
            literal = []
        pieces.append(Field(inner))
        pos = end + 1
    if literal:
        pieces.append("".join(literal))
    return tuple(pieces)


def render_fields(text: FieldText, argo_names: Mapping[str, str]) -> str:
    """Write parsed text with each field as its parameter's Argo tag.

    Args:
        text: From :func:`parse_fields`.
        argo_names: Argo parameter name by Python name.

    Returns:
        The text Argo substitutes (``https://x/{{inputs.parameters.tag}}``).
    """
    return "".join(
        "{{inputs.parameters." + argo_names[p.name] + "}}" if isinstance(p, Field) else p
        for p in text
    )


def parse_fields_in(
    value: Any, names: list[str], what: str, where: Location, path: str = ""
) -> Any:
    """:func:`parse_fields` on every text of nested data (a ``@data`` source location).

    Args:
        value: Dicts, lists and scalars.
        names: The function's parameter names.
        what: The setting, for messages; ``path`` (``s3.key``) is added after it.
        where: The decorated function's location.
        path: Where ``value`` is below the setting.

    Returns:
        The same shape, each text replaced by its :data:`FieldText` (a tuple).

    Raises:
        CompileError: ``C124`` as :func:`parse_fields`.
    """
    if isinstance(value, str):
        return parse_fields(value, names, f"{what} {path}".rstrip(), where)
    if isinstance(value, Mapping):
        return {
            k: parse_fields_in(v, names, what, where, f"{path}.{k}" if path else str(k))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [parse_fields_in(v, names, what, where, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def render_fields_in(value: Any, argo_names: Mapping[str, str]) -> Any:
    """:func:`render_fields` on every text parsed by :func:`parse_fields_in`.

    Args:
        value: What :func:`parse_fields_in` returned.
        argo_names: Argo parameter name by Python name.

    Returns:
        The nested data with each field written as its parameter's Argo tag.
    """
    if isinstance(value, tuple):
        return render_fields(value, argo_names)
    if isinstance(value, Mapping):
        return {k: render_fields_in(v, argo_names) for k, v in value.items()}
    if isinstance(value, list):
        return [render_fields_in(v, argo_names) for v in value]
    return value
