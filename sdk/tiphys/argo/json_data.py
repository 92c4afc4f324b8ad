"""What a manifest may hold: JSON data, as the Kubernetes API server decodes it.

The YAML reader and ``RawDocument`` refuse the rest with the field's path: binary data, sets,
NaN and infinities (Go's ``encoding/json`` rejects them), other Python objects, and null keys
(the reader stands them in with :data:`NULL_KEY` until this check reports them).
"""

from __future__ import annotations

from typing import Any

from tiphys.argo.paths import join


class _NullKey:
    """Stands for a null mapping key until :func:`json_problem` reports it with its path."""

    def __repr__(self) -> str:
        return "null"


NULL_KEY = _NullKey()

_NOT_JSON: dict[type, str] = {bytes: "binary data (!!binary)", set: "a set (!!set)"}


def json_problem(doc: Any) -> tuple[str, str] | None:
    """The first value below ``doc`` that JSON cannot hold.

    Args:
        doc: Plain data (dicts, lists, scalars); it must not contain itself.

    Returns:
        ``(path, what)`` -- the field path (``data.k``) and what is wrong (``"null key"`` for a
        null key, else a description such as ``"NaN, which JSON cannot hold"``) -- or ``None``.
    """
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key is NULL_KEY or key is None:
                    return path, "null key"
                stack.append((join(path, str(key)), item))
        elif isinstance(value, list | tuple):
            stack.extend((join(path, i), item) for i, item in enumerate(value))
        elif isinstance(value, float) and value != value:
            return path, "NaN, which JSON cannot hold"
        elif isinstance(value, float) and value in (float("inf"), float("-inf")):
            sign = "-" if value < 0 else ""
            return path, f"{sign}Infinity, which JSON cannot hold"
        elif not isinstance(value, str | int | float | bool | type(None)):
            return path, _NOT_JSON.get(type(value), f"a {type(value).__name__} value")
    return None
