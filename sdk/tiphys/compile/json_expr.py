"""Structured values that hold parameters, built by Argo as JSON (or YAML) when the node runs.

Argo pastes a ``{{inputs.parameters.x}}`` tag's value as it is, so JSON or YAML text built by
pasting breaks on a value holding ``"``, ``\\`` or a newline (FACTS §7.5). Instead, a value is
written as an expr-lang literal whose references are expressions, and Argo's ``toJson``
serialises the evaluated literal: ``{"tag": tag, "n": n}`` becomes
``{{=toJson({'tag': inputs.parameters.tag, 'n': asInt(inputs.parameters.n) })}}``. Argo's
``toJson`` is Go's ``json.Marshal``: object keys come out sorted and ``<``, ``>``, ``&`` are
written as ``\\u003c``-style escapes; the JSON means the same.

Each reference is converted by its declared type: ``int``/``float`` with ``asInt``/``asFloat``
(JSON numbers), ``bool`` as ``== 'true'`` (JSON booleans), ``list``/``dict`` with ``fromJSON``;
text built with f-strings is a concatenation of string literals and parameters. JSON is also
YAML, so a YAML manifest gets one ``{{=toJson(...)}}`` per scalar that holds parameters (a value
holding DEL, a C1 control character or U+FFFE/U+FFFF, which ``json.Marshal`` leaves as they are,
cannot be read by any YAML parser: no manifest can carry it).
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from tiphys.argo import expr
from tiphys.compile.render import RefRenderer, split_markers
from tiphys.dsl._location import fail
from tiphys.dsl.params import base_type
from tiphys.dsl.refs import MARK_START, Ref
from tiphys.errors import Location

__all__ = ["check_json", "json_expr", "json_tag", "yaml_text"]


def _holds_refs(value: object) -> bool:
    return isinstance(value, Ref) or (isinstance(value, str) and MARK_START in value)


def check_json(value: object, what: str, where: Location, at: str = "") -> None:
    """Refuse what has no JSON form: non-string or parameterised keys, NaN, other objects.

    Args:
        value: JSON-like data whose leaves may be refs or strings built from them.
        what: What the value is, for messages.
        where: Location for errors.
        at: The path inside the value (for the recursion).

    Raises:
        CompileError: ``C126`` naming the offending part (``body['a'][0]``).
    """
    shown = what + at
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise fail("C126", f"{shown} has the key {key!r}: JSON keys are strings", where)
            if MARK_START in key:
                raise fail(
                    "C126",
                    f"{shown} has a key built from a parameter: keys must be constants "
                    "(put the value under a constant key)",
                    where,
                )
            check_json(item, what, where, f"{at}[{key!r}]")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_json(item, what, where, f"{at}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise fail("C126", f"{shown} is {value!r}, which JSON cannot hold", where)
    elif not isinstance(value, str | int | float | bool | Ref) and value is not None:
        raise fail(
            "C126",
            f"{shown} is {value!r} ({type(value).__name__}), which has no JSON form: use "
            "str, int, float, bool, None, lists and dicts",
            where,
        )


def _typed(ref: Ref, renderer: RefRenderer, where: Location) -> str:
    path = renderer.expr_path(ref, where)
    kind = base_type(ref.type) if ref.type is not None else None
    if kind is int:
        return f"asInt({path})"
    if kind is float:
        return f"asFloat({path})"
    if kind is bool:
        return f"({path} == 'true')"
    if kind in (list, dict):
        return f"fromJSON({path})"
    return path


def _leaf(renderer: RefRenderer, where: Location) -> Any:
    def leaf(value: object) -> str | None:
        if isinstance(value, Ref):
            return _typed(value, renderer, where)
        if isinstance(value, str) and MARK_START in value:
            parts = [
                renderer.expr_path(p, where) if isinstance(p, Ref) else expr.string_literal(p)
                for p in split_markers(value, renderer.scope, where)
            ]
            return " + ".join(parts)
        return None

    return leaf


def json_expr(value: object, renderer: RefRenderer, what: str, where: Location) -> str:
    """The expr-lang literal of ``value`` (no ``{{= }}`` around it).

    Args:
        value: JSON-like data whose leaves may be refs or strings built from them.
        renderer: Renders the refs of the body the value came from.
        what: What the value is, for messages (``"the body of @http 'deploy'"``).
        where: Location for errors.

    Returns:
        The literal, safe inside ``{{= ... }}`` (no ``}}`` in it).

    Raises:
        CompileError: ``C126`` a value with no JSON form.
    """
    check_json(value, what, where)
    return expr.literal(value, leaf=_leaf(renderer, where))


def json_tag(value: object, renderer: RefRenderer, what: str, where: Location) -> str:
    """``{{=toJson(<literal>)}}``: Argo replaces it with ``value`` as compact JSON text."""
    return "{{=toJson(" + json_expr(value, renderer, what, where) + ")}}"


def yaml_text(
    value: dict[str, Any] | list[Any] | tuple[Any, ...],
    renderer: RefRenderer,
    what: str,
    where: Location,
) -> str:
    """A manifest as YAML text; each scalar holding parameters is a ``{{=toJson(...)}}`` tag.

    Args:
        value: The manifest: a dict, or a list (JSON patch operations).
        renderer: Renders the refs of the body the value came from.
        what: What the value is, for messages.
        where: Location for errors.

    Returns:
        YAML text in the style of :func:`tiphys.compile.yaml_out.to_yaml` (keys in the order
        given, strings quoted where a YAML 1.1 reader would misread them).

    Raises:
        CompileError: ``C126`` a value with no JSON form.
    """
    from tiphys.compile.yaml_out import to_yaml

    check_json(value, what, where)
    token = f"tiphys-expr-{uuid.uuid4().hex}"
    tags: list[str] = []

    def swap(item: object) -> object:
        if _holds_refs(item):
            tags.append(json_tag(item, renderer, what, where))
            return f"{token}-{len(tags) - 1}-end"
        if isinstance(item, dict):
            return {k: swap(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [swap(v) for v in item]
        return item

    doc = swap(value)
    if isinstance(doc, dict):
        text = to_yaml(doc)
    elif doc:
        # A sequence alone: written under a key, whose line is then dropped (to_yaml writes
        # sequences at their key's indentation, so the items start at column 0).
        text = to_yaml({"_": doc}).split("\n", 1)[1]
    else:
        text = "[]\n"
    for i, tag in enumerate(tags):
        text = text.replace(f"{token}-{i}-end", tag)
    return text
