"""Checks of metrics, memoize keys, executor tokens, exit-only variables and hook expressions
(codes ``V181``-``V187``).

* ``V181``: a metric name or label key Argo refuses (``[a-zA-Z_][a-zA-Z0-9_]*``, no ``:``).
* ``V182``: a metric Argo cannot emit: an empty help text or value, no type or several
  (``counter``, ``gauge``, ``histogram``), an unknown gauge operation, a real-time gauge whose
  value is not exactly ``{{duration}}`` (template) or ``{{workflow.duration}}`` (workflow),
  histogram buckets that do not increase.
* ``V183``: two metrics of one name with different help texts or types (the controller keeps one
  instrument per name and refuses the second).
* ``V184``: a template whose pod Argo refuses to create: ``automountServiceAccountToken: false``
  applies to it and no ``executor.serviceAccountName`` does.
* ``V185``: an exit variable in a template run from the entrypoint (task and step hooks
  included): ``workflow.failures`` (an error: Argo refuses it there) or ``workflow.status`` (a
  warning: it is the running workflow's phase there, never the outcome). Both belong to the
  exit handler and workflow-level hooks.
* ``V186``: a ``memoize.key`` whose text outside ``{{...}}`` tags has characters Argo's cache
  key rule (``[a-zA-Z0-9][-a-zA-Z0-9]*``) refuses: the node fails when it runs.
* ``V187``: a DAG task's or step's hook expression reading a value of its own task other than
  ``.status`` (``tasks.build.outputs.result``): Argo evaluates it over the task's ``.status``
  and the values of the tasks it depends on only, so the hook errors.

The rules live in :mod:`tiphys.argo.metrics`, :mod:`tiphys.argo.pods` and
:mod:`tiphys.argo.lifecycle`, shared with the compiler.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from tiphys.argo.lifecycle import misplaced_exit_variables
from tiphys.argo.metrics import (
    GAUGE_OPERATIONS,
    METRIC_TYPES,
    buckets_problem,
    metric_conflicts,
    metric_name_fix,
    metric_name_problem,
    realtime_problems,
)
from tiphys.argo.names import memoize_key_problem
from tiphys.argo.paths import join
from tiphys.argo.pods import lacks_executor_token
from tiphys.errors import choices_hint
from tiphys.validate.references import Add

__all__ = ["check_spec_operations"]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _name(value: object, path: str, what: str, add: Add) -> None:
    if not isinstance(value, str):
        return  # the schema's job
    problem = metric_name_problem(value)
    if problem is not None:
        fixed = metric_name_fix(value)
        hint = f". Did you mean '{fixed}'?" if fixed and fixed != value else ""
        add("V181", f"invalid {what}: {problem}{hint}", path, "error")


def _metric(metric: Mapping[str, Any], path: str, add: Add) -> None:
    name = metric.get("name")
    _name(name, join(path, "name"), "metric name", add)
    for index, label in enumerate(metric.get("labels") or []):
        key = _mapping(label).get("key")
        _name(key, join(join(join(path, "labels"), index), "key"), "metric label key", add)
    role = f"metric '{name}'" if isinstance(name, str) else "this metric"
    if isinstance(metric.get("help"), str) and not metric["help"].strip():
        add(
            "V182", f"{role} has an empty help text, which Argo refuses: describe it", path, "error"
        )
    kinds = [k for k in METRIC_TYPES if metric.get(k) is not None]
    if len(kinds) != 1:
        what = "no type" if not kinds else f"{len(kinds)} types ({', '.join(kinds)})"
        add(
            "V182",
            f"{role} has {what}: give exactly one of {', '.join(METRIC_TYPES)}",
            path,
            "error",
        )
        return
    kind = kinds[0]
    body = _mapping(metric[kind])
    value = body.get("value")
    if isinstance(value, str) and not value.strip():
        add(
            "V182",
            f"{role} has an empty {kind}.value: give a number or a tag such as '{{{{duration}}}}'",
            join(join(path, kind), "value"),
            "error",
        )
    if kind == "gauge":
        operation = body.get("operation")
        if isinstance(operation, str) and operation not in GAUGE_OPERATIONS:
            add(
                "V182",
                f"gauge operation '{operation}' of {role} is unknown"
                + choices_hint(operation, GAUGE_OPERATIONS, "operations"),
                join(join(path, kind), "operation"),
                "error",
            )
    if kind == "histogram":
        buckets = body.get("buckets")
        if isinstance(buckets, list) and all(
            isinstance(b, int | float) and not isinstance(b, bool) for b in buckets
        ):
            problem = buckets_problem(buckets)
            if problem:
                add("V182", f"{role}: {problem}", join(join(path, kind), "buckets"), "error")


def _metrics(holder: Mapping[str, Any], path: str, add: Add) -> None:
    prometheus = _mapping(holder.get("metrics")).get("prometheus")
    base = join(join(path, "metrics"), "prometheus")
    for index, metric in enumerate(prometheus if isinstance(prometheus, list) else []):
        if isinstance(metric, Mapping):
            _metric(metric, join(base, index), add)


def _memoize(template: Mapping[str, Any], path: str, add: Add) -> None:
    key = _mapping(template.get("memoize")).get("key")
    problem = memoize_key_problem(key) if isinstance(key, str) else None
    if problem:
        add("V186", f"memoize key '{key}' {problem}", join(join(path, "memoize"), "key"), "error")


def _own_value_read(expression: str, prefix: str, name: str) -> str | None:
    """The first ``<prefix>.<name>.<field>`` (or ``<prefix>['<name>'].<field>``) in an expr
    text whose field is not ``status``, or ``None``."""
    quoted = re.escape(name)
    pattern = (
        rf"\b{prefix}(?:\.{quoted}\b|\[\s*['\"]{quoted}['\"]\s*\])\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)"
    )
    for match in re.finditer(pattern, expression):
        if match.group(1) != "status":
            return match.group(0)
    return None


def _calls(template: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    """``(prefix, call, path)`` for each DAG task (``tasks``) or step (``steps``)."""
    tasks = _mapping(template.get("dag")).get("tasks")
    for index, task in enumerate(tasks if isinstance(tasks, list) else []):
        if isinstance(task, Mapping):
            yield "tasks", task, join(join(join(path, "dag"), "tasks"), index)
    groups = template.get("steps")
    for g, group in enumerate(groups if isinstance(groups, list) else []):
        for s, step in enumerate(group if isinstance(group, list) else []):
            if isinstance(step, Mapping):
                yield "steps", step, join(join(join(path, "steps"), g), s)


def _hook_expressions(template: Mapping[str, Any], path: str, add: Add) -> None:
    for prefix, call, call_path in _calls(template, path):
        name = call.get("name")
        if not isinstance(name, str):
            continue
        for hook_name, hook in _mapping(call.get("hooks")).items():
            expression = _mapping(hook).get("expression")
            if hook_name == "exit" or not isinstance(expression, str):
                continue
            read = _own_value_read(expression, prefix, name)
            if read is not None:
                add(
                    "V187",
                    f"hook '{hook_name}' of '{name}' reads '{read}', a value of its own task, "
                    "but Argo evaluates a hook expression over the task's .status and the "
                    "values of the tasks it depends on only, so the hook errors at run time: "
                    f"test {prefix}.{name}.status or a dependency's value, or pass the value "
                    "to the hook template as an argument",
                    join(join(join(call_path, "hooks"), hook_name), "expression"),
                    "error",
                )


def check_spec_operations(spec: Mapping[str, Any], path: str, add: Add) -> None:
    """Run the ``V181``-``V187`` checks on a workflow spec.

    Args:
        spec: The workflow spec (a CronWorkflow's ``spec.workflowSpec``).
        path: Its path.
        add: Records a finding: ``add(code, message, path, severity)``.
    """
    _metrics(spec, path, add)
    defaults = _mapping(spec.get("templateDefaults"))
    for index, template in enumerate(spec.get("templates") or []):
        if not isinstance(template, Mapping):
            continue
        template_path = join(join(path, "templates"), index)
        _metrics(template, template_path, add)
        _memoize(template, template_path, add)
        _hook_expressions(template, template_path, add)
        if lacks_executor_token(template, defaults, spec):
            name = template.get("name")
            add(
                "V184",
                f"template '{name}' runs with automountServiceAccountToken: false, so the "
                "executor has no token for the Kubernetes API and Argo refuses to create its "
                "pod: set executor.serviceAccountName (on the template or the workflow) to a "
                "service account the executor may use",
                template_path,
                "error",
            )
    for value_path, _, message in realtime_problems(spec, path):
        add("V182", message, value_path, "error")
    for conflict in metric_conflicts(spec, path):
        add("V183", conflict.message, conflict.path, "error")
    for use in misplaced_exit_variables(spec, path):
        route = " -> ".join(use.route)
        if use.variable == "workflow.failures":
            message = (
                f"template '{use.template}' uses workflow.failures, which Argo sets only for the "
                "workflow's exit handler (onExit, hooks.exit) and workflow-level hooks, but it "
                f"also runs from the entrypoint: {route}. Argo refuses it there: move the use to "
                "a template run by the exit handler"
            )
        else:
            message = (
                f"template '{use.template}' uses workflow.status, but it runs from the "
                f"entrypoint: {route}. There it is the phase of the running workflow at best, "
                "never its outcome, which only the exit handler (onExit, hooks.exit) and "
                "workflow-level hooks see: for a task's outcome pass {{tasks.<name>.status}}"
            )
        add(
            "V185", message, use.path, "error" if use.variable == "workflow.failures" else "warning"
        )
