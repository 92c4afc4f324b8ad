"""Where the exit variables ``workflow.status`` and ``workflow.failures`` have their value.

Argo v4.1.2 (``workflow/controller/operator.go``, ``operate``) sets them after the entrypoint's
node has been processed, just before it runs the workflow-level hooks (``spec.hooks``) and the
exit handler (``spec.onExit`` or ``spec.hooks.exit``): there ``workflow.status`` is
``Succeeded``, ``Failed`` or ``Error`` and ``workflow.failures`` the JSON list of failed nodes.
Templates run from the entrypoint, including those of task- and step-level hooks (which run
beside their node), do not get them: ``workflow.failures`` is refused by Argo's validator there
("failed to resolve") and missing at run time, and ``workflow.status`` is at best the phase of a
running workflow, never the outcome.

:func:`misplaced_exit_variables` walks a workflow spec from its entrypoint and reports every
template reached that way which uses one of them: in a simple tag (``{{workflow.status}}``), in an
expression tag (``{{=workflow.status == 'Failed'}}``) or in an expression field (a hook's
``expression``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tiphys.argo.paths import join
from tiphys.argo.tags import simple_tags

__all__ = ["EXIT_VARIABLES", "ExitVariableUse", "exit_variables", "misplaced_exit_variables"]

EXIT_VARIABLES: tuple[str, ...] = ("workflow.status", "workflow.failures")
"""The variables Argo sets for workflow-level hooks and the exit handler."""

_EXPR_USE = re.compile(
    r"(?<![\w.])workflow\s*(?:\.\s*(status|failures)\b|\[\s*(['\"])(status|failures)\2\s*\])"
)


def _expression_uses(text: str) -> list[str]:
    return [f"workflow.{m.group(1) or m.group(3)}" for m in _EXPR_USE.finditer(text)]


def exit_variables(text: str, *, expression: bool = False) -> list[str]:
    """The exit variables a string uses, in order (repeats kept).

    Args:
        text: A string of a manifest.
        expression: The whole string is an expr-lang expression (a hook's ``expression``);
            otherwise only its ``{{...}}`` and ``{{=...}}`` tags count.

    Returns:
        ``"workflow.status"`` / ``"workflow.failures"`` for each use.
    """
    if expression:
        return _expression_uses(text)
    found = [tag for tag in simple_tags(text) if tag in EXIT_VARIABLES]
    start = text.find("{{=")
    while start != -1:
        end = text.find("}}", start + 3)
        if end == -1:
            break
        found += _expression_uses(text[start + 3 : end])
        start = text.find("{{=", end + 2)
    return found


@dataclass(frozen=True)
class ExitVariableUse:
    """A template run from the entrypoint that uses an exit variable.

    Attributes:
        template: The template's name.
        variable: ``workflow.status`` or ``workflow.failures``.
        path: Where the first use is (below the spec path given).
        route: How the entrypoint reaches the template, e.g. ``("main", "notify (exit hook of
            task 'a')")``.
    """

    template: str
    variable: str
    path: str
    route: tuple[str, ...]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _calls(template: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The templates a DAG or steps template runs: ``(name, how)`` for tasks, steps and their
    hooks (inline templates belong to their caller)."""
    nodes: list[Any] = list(_mapping(template.get("dag")).get("tasks") or [])
    steps = template.get("steps")
    if isinstance(steps, list):
        nodes += [s for group in steps if isinstance(group, list) for s in group]
    for node in nodes:
        node = _mapping(node)
        noun = "task" if "dag" in template else "step"
        if isinstance(node.get("template"), str):
            yield node["template"], ""
        if isinstance(node.get("onExit"), str):
            yield node["onExit"], f" (exit handler of {noun} '{node.get('name')}')"
        for hook_name, hook in _mapping(node.get("hooks")).items():
            name = _mapping(hook).get("template")
            if isinstance(name, str):
                yield name, f" ({hook_name} hook of {noun} '{node.get('name')}')"
        if isinstance(node.get("inline"), Mapping):
            yield from _calls(node["inline"])


def _strings(value: object, path: str, expression: bool = False) -> Iterator[tuple[str, str, bool]]:
    """Every string below ``value`` with its path; ``expression`` fields are marked."""
    if isinstance(value, str):
        yield value, path, expression
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, join(path, str(key)), key == "expression")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, join(path, index))


def _first_uses(template: Mapping[str, Any], path: str) -> dict[str, str]:
    """The path of the first use of each exit variable in a template."""
    first: dict[str, str] = {}
    if "workflow" not in json.dumps(template, default=str):  # one C pass; most templates
        return first
    for text, where, expression in _strings(template, path):
        if "workflow" in text:
            for variable in exit_variables(text, expression=expression):
                first.setdefault(variable, where)
    return first


def misplaced_exit_variables(
    spec: Mapping[str, Any], spec_path: str = "spec"
) -> list[ExitVariableUse]:
    """Templates run from the entrypoint that use ``workflow.status`` or ``workflow.failures``.

    Args:
        spec: A workflow spec (a CronWorkflow's ``spec.workflowSpec``).
        spec_path: Its path, for the reported paths.

    Returns:
        One finding per template and variable (its first use), in the order the templates are
        reached (breadth first); empty when the spec has no local entrypoint.
    """
    templates: dict[str, tuple[Mapping[str, Any], str]] = {}
    for index, template in enumerate(spec.get("templates") or []):
        if isinstance(template, Mapping) and isinstance(template.get("name"), str):
            templates.setdefault(
                template["name"], (template, join(join(spec_path, "templates"), index))
            )
    entrypoint = spec.get("entrypoint")
    if not isinstance(entrypoint, str) or entrypoint not in templates:
        return []
    routes: dict[str, tuple[str, ...]] = {entrypoint: (entrypoint,)}
    queue = [entrypoint]
    found: list[ExitVariableUse] = []
    while queue:
        name = queue.pop(0)
        template, path = templates[name]
        for variable, where in _first_uses(template, path).items():
            found.append(ExitVariableUse(name, variable, where, routes[name]))
        for callee, how in _calls(template):
            if callee in templates and callee not in routes:
                routes[callee] = (*routes[name], callee + how)
                queue.append(callee)
    return found
