"""Checks of the template kinds beyond ``container``/``script``/``dag``/``steps``, and of output
parameters, as Argo v4.1.2 reads them (``workflow/validate/validate.go``,
``workflow/executor/agent.go``):

* ``V140`` (a warning): an ``http`` template without ``timeoutSeconds``: Argo's agent then
  applies no timeout at all and waits for an answer forever.
* ``V141``: an ``http`` ``successCondition`` that names a field ``response``/``request`` do not
  have (``response.status_code``), or whose brackets or quotes do not match.
* ``V142``: a ``resource`` ``action`` or ``mergeStrategy`` Argo does not know (errors), or a
  ``mergeStrategy`` with an action other than ``patch`` (a warning: Argo ignores it).
* ``V143``: a ``resource`` template that needs a manifest and has none, or whose ``manifest``
  is not YAML (once ``{{...}}`` tags are replaced, as Argo does).
* ``V144``: an output parameter with no value source, several, or one its template kind does
  not read (``path`` for container/script/containerSet, ``jsonPath``/``jqFilter`` for
  resource, ``parameter``/``expression`` for dag/steps).
* ``V145``: ``timeout`` on a ``suspend``, ``dag`` or ``steps`` template, or
  ``activeDeadlineSeconds`` on a ``dag`` or ``steps`` template: Argo takes them only on
  templates that run something (``validateTemplate``, ``validateNonLeaf``) and refuses the
  workflow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tiphys.argo.expr_check import expression_problem
from tiphys.argo.paths import join
from tiphys.errors import did_you_mean
from tiphys.validate.references import Add

__all__ = ["check_kind_template"]

RESPONSE_FIELDS = ("statusCode", "body", "headers")
REQUEST_FIELDS = ("method", "url", "body", "headers")
ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
MERGE_STRATEGIES = ("strategic", "merge", "json")
_SOURCES = ("path", "jqFilter", "jsonPath", "parameter", "expression", "supplied")
_READS = {
    "container": ("path",),
    "script": ("path",),
    "containerSet": ("path",),
    "resource": ("jsonPath", "jqFilter"),
    "dag": ("parameter", "expression"),
    "steps": ("parameter", "expression"),
}
_TAG_RE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_FIELD_RE = re.compile(r"\b(response|request)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _templated(value: object) -> bool:
    return isinstance(value, str) and "{{" in value


def _outside_strings(text: str) -> tuple[str, str | None]:
    """The text with string literals blanked, and a problem with brackets or quotes."""
    kept: list[str] = []
    stack: list[str] = []
    quote: str | None = None
    escaped = False
    for char in text:
        if quote is not None:
            kept.append(" ")
            if escaped:
                escaped = False
            elif char == "\\" and quote != "`":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in "'\"`":
            quote = char
            kept.append(" ")
            continue
        kept.append(char)
        if char in "([{":
            stack.append(char)
        elif char in _PAIRS and (not stack or stack.pop() != _PAIRS[char]):
            return "".join(kept), f"'{char}' closes nothing"
    if quote is not None:
        return "".join(kept), f"the string started with {quote} is not closed"
    if stack:
        return "".join(kept), f"'{stack[-1]}' is not closed"
    return "".join(kept), None


def _http(http: Mapping[str, Any], path: str, name: str, add: Add) -> None:
    if "timeoutSeconds" not in http:
        add(
            "V140",
            f"http template {name} has no timeoutSeconds, and Argo's agent then waits for the "
            "response forever: set timeoutSeconds (e.g. 30)",
            path,
            "warning",
        )
    condition = http.get("successCondition")
    if not isinstance(condition, str) or not condition:
        return
    where = join(path, "successCondition")
    text, problem = _outside_strings(_TAG_RE.sub("x", condition))
    problem = problem or expression_problem(condition)
    if problem is not None:
        add("V141", f"successCondition {condition!r} does not parse: {problem}", where, "error")
        return
    for match in _FIELD_RE.finditer(text):
        root, field = match.groups()
        fields = RESPONSE_FIELDS if root == "response" else REQUEST_FIELDS
        if field not in fields:
            add(
                "V141",
                f"successCondition uses {root}.{field}, but {root} has only "
                f"{', '.join(fields)}.{did_you_mean(field, fields)}",
                where,
                "error",
            )


def _resource(resource: Mapping[str, Any], path: str, name: str, add: Add) -> None:
    action = resource.get("action")
    if isinstance(action, str) and not _templated(action) and action not in ACTIONS:
        add(
            "V142",
            f"resource action {action!r} is not one of {', '.join(ACTIONS)}."
            f"{did_you_mean(action, ACTIONS)}",
            join(path, "action"),
            "error",
        )
    strategy = resource.get("mergeStrategy")
    if isinstance(strategy, str) and not _templated(strategy):
        if strategy not in MERGE_STRATEGIES:
            add(
                "V142",
                f"mergeStrategy {strategy!r} is not one of {', '.join(MERGE_STRATEGIES)}."
                f"{did_you_mean(strategy, MERGE_STRATEGIES)}",
                join(path, "mergeStrategy"),
                "error",
            )
        elif isinstance(action, str) and action != "patch" and not _templated(action):
            add(
                "V142",
                f"mergeStrategy is used by action 'patch' only, and Argo ignores it for "
                f"{action!r}: remove it",
                join(path, "mergeStrategy"),
                "warning",
            )
    manifest = resource.get("manifest")
    needs_manifest = isinstance(action, str) and action not in ("get", "delete")
    if needs_manifest and not manifest and not resource.get("manifestFrom"):
        add(
            "V143",
            f"resource template {name} with action {action!r} has no manifest: Argo refuses it. "
            "Give manifest (or manifestFrom)",
            path,
            "error",
        )
    elif isinstance(manifest, str) and manifest:
        problem = _yaml_problem(_TAG_RE.sub("placeholder", manifest))
        if problem is not None:
            add(
                "V143",
                f"the manifest of resource template {name} is not YAML, and Argo refuses it: "
                f"{problem}",
                join(path, "manifest"),
                "error",
            )


def _yaml_problem(text: str) -> str | None:
    import yaml

    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        return f"{what} (line {mark.line + 1} of the manifest)" if mark is not None else what
    return None


def _outputs(template: Mapping[str, Any], path: str, name: str, add: Add) -> None:
    outputs = template.get("outputs")
    params = outputs.get("parameters") if isinstance(outputs, Mapping) else None
    if not isinstance(params, list):
        return
    kind = next((k for k in _READS if template.get(k) is not None), None)
    for i, param in enumerate(params):
        if not isinstance(param, Mapping):
            continue
        where = join(join(join(path, "outputs"), "parameters"), i)
        label = f"output parameter {param.get('name')!r} of template {name}"
        value_from = param.get("valueFrom")
        if "value" in param:
            if value_from is not None:
                add("V144", f"{label} has both value and valueFrom: keep one", where, "error")
            continue
        if not isinstance(value_from, Mapping):
            add("V144", f"{label} has neither value nor valueFrom: give one", where, "error")
            continue
        given = [s for s in _SOURCES if value_from.get(s) not in (None, "")]
        reads = _READS.get(kind or "")
        if len(given) != 1:
            what = "no value source" if not given else f"{len(given)} sources ({', '.join(given)})"
            choices = ", ".join(reads or _SOURCES)
            add(
                "V144",
                f"{label} has {what} in valueFrom, and Argo needs exactly one: give one of "
                f"{choices}",
                join(where, "valueFrom"),
                "error",
            )
        elif reads is not None and given[0] not in reads:
            add(
                "V144",
                f"{label} takes its value from valueFrom.{given[0]}, which Argo does not read "
                f"for a {kind} template: use {' or '.join(reads)}",
                join(where, "valueFrom"),
                "error",
            )


_NOT_LEAF = ("suspend", "dag", "steps")
_GRAPH_HINT = (
    "set it on the templates its tasks or steps run, or activeDeadlineSeconds on the workflow"
)


def _deadlines(template: Mapping[str, Any], path: str, name: str, add: Add) -> None:
    kind = next((k for k in _NOT_LEAF if template.get(k) is not None), None)
    if kind is None:
        return
    refused = ["timeout"] if kind == "suspend" else ["timeout", "activeDeadlineSeconds"]
    for field in refused:
        if template.get(field) is None:
            continue
        hint = "use suspend.duration to resume after a while" if kind == "suspend" else _GRAPH_HINT
        add(
            "V145",
            f"template {name} is a {kind} template, and Argo refuses {field} on it (only "
            f"templates that run something take one): {hint}",
            join(path, field),
            "error",
        )


def check_kind_template(template: Mapping[str, Any], path: str, add: Add) -> None:
    """Check one template's ``http``/``resource`` field and its output parameters.

    Args:
        template: A template (of ``spec.templates`` or an ``inline`` one).
        path: Its path.
        add: Called once per finding (``V140``-``V145``).
    """
    raw_name = template.get("name")
    name = f"'{raw_name}'" if isinstance(raw_name, str) else "(unnamed)"
    http = template.get("http")
    if isinstance(http, Mapping):
        _http(http, join(path, "http"), name, add)
    resource = template.get("resource")
    if isinstance(resource, Mapping):
        _resource(resource, join(path, "resource"), name, add)
    _outputs(template, path, name, add)
    _deadlines(template, path, name, add)
