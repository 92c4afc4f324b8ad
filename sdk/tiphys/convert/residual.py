"""Comparing what the generated code compiles to with the YAML, and the patch that closes the gap.

:func:`residual` returns the raw ``patch=`` dict that turns a compiled object into the original
(``deep_merge(compiled, patch) == original``), ignoring differences that mean the same to Argo
(:func:`same`; a field set to null is an absent field). The converter writes typed forms
first; what they cannot express exactly ends up here and is reported as ``patch=`` use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiphys.argo.durations import DURATION_FIELDS, argo_duration_ns

__all__ = ["combine", "residual", "same", "same_duration"]


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _by_name(items: Any) -> Any:
    """A list of named entries sorted by name (Argo looks arguments up by name), else as is."""
    if isinstance(items, list) and all(
        isinstance(i, Mapping) and isinstance(i.get("name"), str) for i in items
    ):
        return sorted(items, key=lambda i: str(i["name"]))
    return items


def same(a: Any, b: Any, key: str = "", holder: str = "") -> bool:
    """Equal as Argo reads them: scalars compared as text (``1`` and ``"1"``), dicts by key,
    and the ``parameters``/``artifacts`` of ``arguments`` in any order (Argo looks them up by
    name).

    Args:
        a: One value.
        b: The other.
        key: The key holding them.
        holder: The key of the mapping holding ``key``.
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k], k, key) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if holder == "arguments":
            a, b = _by_name(a), _by_name(b)
        pairs = zip(a, b, strict=False)
        return len(a) == len(b) and all(same(x, y, key, holder) for x, y in pairs)
    if isinstance(a, Mapping | list) or isinstance(b, Mapping | list):
        return False
    return bool(_scalar(a) == _scalar(b))


def same_duration(parent: str, key: str, a: Any, b: Any) -> bool:
    """True when ``parent.key`` is one of Argo's duration fields (``DURATION_FIELDS``) and
    ``a`` and ``b`` are two spellings of one duration that field reads (``"20"`` and ``"20s"``
    for a suspend duration, ``"120s"`` and ``"2m"`` for ``memoize.maxAge``)."""
    bare = DURATION_FIELDS.get(parent, {}).get(key)
    if bare is None:
        return False
    left = argo_duration_ns(a, bare_seconds=bare)
    return left is not None and left == argo_duration_ns(b, bare_seconds=bare)


def residual(
    compiled: Mapping[str, Any], original: Mapping[str, Any], parent: str = ""
) -> dict[str, Any]:
    """The patch turning ``compiled`` into ``original`` (``None`` removes a key).

    Args:
        compiled: What the generated code produced.
        original: The YAML's object.
        parent: The key holding them (``"template"`` for a template), which tells the
            duration fields compared by value (:func:`same_duration`) and the
            ``arguments`` lists compared in any order.

    Returns:
        ``{}`` when they are the same; dicts are patched key by key, other values replaced.
    """
    out: dict[str, Any] = {}
    for key, value in original.items():
        if value is None:  # a null field is an absent one (Go leaves it unset)
            if key in compiled:
                out[key] = None
            continue
        if key not in compiled:
            out[key] = value
        elif isinstance(value, Mapping) and isinstance(compiled[key], Mapping):
            if not value:
                if compiled[key]:
                    out[key] = {k: None for k in compiled[key]}
                continue
            sub = residual(compiled[key], value, key)
            if sub:
                out[key] = sub
        elif not same(compiled[key], value, key, parent) and not same_duration(
            parent, key, compiled[key], value
        ):
            out[key] = value
    for key in compiled:
        if key not in original:
            out[key] = None
    return out


def combine(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """One patch equal to applying ``first`` then ``second`` (``None`` values kept)."""
    out = dict(first)
    for key, value in second.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) and value:
            out[key] = combine(out[key], value)
        else:
            out[key] = value
    return out
