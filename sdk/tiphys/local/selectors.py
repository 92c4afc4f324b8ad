"""Kubernetes label and field selectors, and Argo's ``fields`` filter, over plain dicts.

Used by the local Argo Server for ``listOptions.labelSelector`` / ``listOptions.fieldSelector``
and the ``fields`` query (``util/fields`` Cleaner: ``a.b,c`` keeps only those paths,
``-a.b,c`` removes them; lists apply the rest of the path to each element).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from tiphys.errors import TiphysError

__all__ = [
    "SelectorError",
    "clean_fields",
    "field_selector",
    "label_selector",
    "name_match",
    "node_fields",
    "node_selector",
]

Predicate = Callable[[Mapping[str, Any]], bool]


class SelectorError(TiphysError):
    """A label or field selector that cannot be parsed (the server answers 400)."""


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


_SET = re.compile(r"^(\S+)\s+(in|notin)\s*\((.*)\)$")
_CMP = re.compile(r"^([^!=\s]+)\s*(==|!=|=)\s*(.*)$")


def _in_set(key: str, allowed: frozenset[str], inside: bool) -> Callable[[Mapping[str, str]], bool]:
    return lambda labels: (labels.get(key) in allowed) == inside


def _equals(key: str, value: str, equal: bool) -> Callable[[Mapping[str, str]], bool]:
    return lambda labels: (labels.get(key) == value) == equal


def _exists(key: str, present: bool) -> Callable[[Mapping[str, str]], bool]:
    return lambda labels: (key in labels) == present


def _field_equals(attr: str, value: str, equal: bool) -> Predicate:
    return lambda obj: ((obj.get("metadata") or {}).get(attr, "") == value) == equal


def label_selector(selector: str | None) -> Predicate:
    """A predicate over objects for a k8s label selector.

    Args:
        selector: ``a=b,c!=d,e in (x,y),f notin (z),g,!h`` (``==`` also means equal);
            ``None`` or ``""`` matches everything.

    Returns:
        A function of an object (its ``metadata.labels``) to bool.

    Raises:
        SelectorError: A requirement cannot be parsed.
    """
    checks: list[Callable[[Mapping[str, str]], bool]] = []
    for part in _split_top(selector or ""):
        found = _SET.match(part)
        if found:
            allowed = frozenset(v.strip() for v in found.group(3).split(",") if v.strip())
            checks.append(_in_set(found.group(1), allowed, found.group(2) == "in"))
            continue
        found = _CMP.match(part)
        if found:
            checks.append(_equals(found.group(1), found.group(3).strip(), found.group(2) != "!="))
            continue
        if re.fullmatch(r"!?[^\s!=(),]+", part):
            checks.append(_exists(part.lstrip("!"), not part.startswith("!")))
            continue
        raise SelectorError(f"unable to parse requirement: {part!r}")

    def matches(obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(check(labels) for check in checks)

    return matches


#: Fields a custom resource's field selector may use (k8s serves only these for CRDs).
FIELD_PATHS = ("metadata.name", "metadata.namespace")


def field_selector(selector: str | None) -> Predicate:
    """A predicate for a k8s field selector over ``metadata.name`` / ``metadata.namespace``.

    Args:
        selector: ``metadata.name=x,metadata.namespace!=y`` (``==`` also means equal).

    Returns:
        A function of an object to bool.

    Raises:
        SelectorError: ``field label not supported: <field>`` for any other field, or a
            requirement without an operator.
    """
    checks: list[Predicate] = []
    for part in _split_top(selector or ""):
        found = _CMP.match(part)
        if not found:
            raise SelectorError(f"invalid selector: '{part}'; can't understand '{part}'")
        key, op, value = found.group(1), found.group(2), found.group(3).strip()
        if key not in FIELD_PATHS:
            raise SelectorError(f"field label not supported: {key}")
        checks.append(_field_equals(key.split(".", 1)[1], value, op != "!="))
    return lambda obj: all(check(obj) for check in checks)


def node_fields(node: Mapping[str, Any]) -> dict[str, str]:
    """The fields a node field selector matches, as ``SelectorMatchesNode`` builds them
    (workflow/util/util.go): ``displayName``, ``templateName`` (the templateRef's template
    when there is a templateRef, as GetTemplateFromNode), ``phase``, ``name``, ``id``,
    ``templateRef.name``, ``templateRef.template``, ``inputs.parameters.<name>.value``."""
    ref = node.get("templateRef") or {}
    fields = {
        "displayName": str(node.get("displayName", "")),
        "templateName": str((ref.get("template") if ref else node.get("templateName")) or ""),
        "phase": str(node.get("phase", "")),
        "name": str(node.get("name", "")),
        "id": str(node.get("id", "")),
    }
    if ref:
        fields["templateRef.name"] = str(ref.get("name", ""))
        fields["templateRef.template"] = str(ref.get("template", ""))
    for param in (node.get("inputs") or {}).get("parameters") or []:
        fields[f"inputs.parameters.{param.get('name')}.value"] = str(param.get("value", ""))
    return fields


def node_selector(selector: str) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over status nodes for a node field selector (``displayName=approve``).

    Raises:
        SelectorError: A requirement without ``=``, ``==`` or ``!=``.
    """
    checks: list[tuple[str, str, bool]] = []
    for part in _split_top(selector):
        found = _CMP.match(part)
        if not found:
            raise SelectorError(f"invalid selector: '{part}'; can't understand '{part}'")
        checks.append((found.group(1), found.group(3).strip(), found.group(2) != "!="))

    def matches(node: Mapping[str, Any]) -> bool:
        fields = node_fields(node)
        return all((fields.get(key, "") == value) == equal for key, value, equal in checks)

    return matches


def name_match(name: str, wanted: str, name_filter: str | None) -> bool:
    """Argo's ``nameFilter`` against the name of the field selector (default ``Exact``).

    Args:
        name: The object's name.
        wanted: The ``metadata.name`` value of the field selector.
        name_filter: ``Exact`` | ``Prefix`` | ``Contains`` (``None``: ``Exact``).

    Returns:
        Whether ``name`` matches.
    """
    if name_filter == "Prefix":
        return name.startswith(wanted)
    if name_filter == "Contains":
        return wanted in name
    return name == wanted


def _tree(paths: list[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        parts = path.split(".")
        for i, part in enumerate(parts):
            if node.get(part) is True:
                break
            if i == len(parts) - 1:
                node[part] = True
            else:
                node = node.setdefault(part, {})
    return root


def _keep(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_keep(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for key, sub in tree.items():
        if key in value:
            kept[key] = value[key] if sub is True else _keep(value[key], sub)
    return kept


def _drop(value: Any, tree: dict[str, Any]) -> None:
    if isinstance(value, list):
        for item in value:
            _drop(item, tree)
        return
    if not isinstance(value, dict):
        return
    for key, sub in tree.items():
        if key not in value:
            continue
        if sub is True:
            del value[key]
        else:
            _drop(value[key], sub)


def clean_fields(obj: Mapping[str, Any], fields: str | None, *, prefix: str = "") -> Any:
    """Argo's ``fields`` filter applied to a response object (a copy; ``obj`` is untouched).

    Args:
        obj: The response (a Workflow, a list, a watch event's object).
        fields: ``"a.b,c"`` keeps only those paths, ``"-a.b,c"`` removes them; ``None`` or
            ``""`` keeps everything.
        prefix: Stripped from each path first (``"result.object."`` for the watch, whose
            ``fields`` name paths of the stream message).

    Returns:
        The filtered object.
    """
    if not fields:
        return copy.deepcopy(dict(obj))
    exclude = fields.startswith("-")
    paths = [p.strip() for p in fields.lstrip("-").split(",") if p.strip()]
    if prefix:
        paths = [p[len(prefix) :] if p.startswith(prefix) else p for p in paths]
    tree = _tree(paths)
    if exclude:
        result = copy.deepcopy(dict(obj))
        _drop(result, tree)
        return result
    return copy.deepcopy(_keep(dict(obj), tree))
