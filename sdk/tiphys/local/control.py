"""Node field selectors, as ``argo resume/stop/set --node-field-selector`` reads them.

Argo (``util/util.go`` ``SelectorMatchesNode`` with ``fields.ParseSelector``) matches a node when
every ``key=value`` / ``key==value`` / ``key!=value`` term (comma separated) holds. Keys: ``id``,
``name``, ``displayName``, ``templateName``, ``phase``, ``templateRef.name``,
``templateRef.template`` and ``inputs.parameters.<NAME>.value``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["parse_selector", "selector_matches"]

_TERM = re.compile(r"^\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$")


def parse_selector(selector: str) -> list[tuple[str, bool, str]]:
    """Split a node field selector into its terms.

    Args:
        selector: E.g. ``"displayName=approve,phase!=Succeeded"``.

    Returns:
        ``(key, equal, value)`` per term; ``equal`` is False for ``!=``.

    Raises:
        ValueError: A term is not ``key=value``, ``key==value`` or ``key!=value``.
    """
    terms: list[tuple[str, bool, str]] = []
    for part in selector.split(","):
        if not part.strip():
            continue
        match = _TERM.match(part)
        if match is None:
            raise ValueError(
                f"invalid selector: {part.strip()!r}: expected key=value or key!=value"
            )
        terms.append((match.group(1), match.group(2) != "!=", match.group(3)))
    return terms


def _field(node: Mapping[str, Any], key: str) -> str:
    if key.startswith("templateRef."):
        ref = node.get("templateRef") or {}
        return str(ref.get(key.partition(".")[2]) or "")
    if key.startswith("inputs.parameters.") and key.endswith(".value"):
        name = key[len("inputs.parameters.") : -len(".value")]
        for param in (node.get("inputs") or {}).get("parameters") or ():
            if param.get("name") == name:
                return str(param.get("value") or "")
        return ""
    return str(node.get(key) or "")


def selector_matches(selector: str, node: Mapping[str, Any]) -> bool:
    """Whether a status node matches a node field selector.

    Args:
        selector: As :func:`parse_selector` reads it.
        node: One of ``status.nodes``.

    Returns:
        True when every term holds (an empty selector matches every node).

    Raises:
        ValueError: The selector does not parse.
    """
    return all(
        (_field(node, key) == value) == equal for key, equal, value in parse_selector(selector)
    )
