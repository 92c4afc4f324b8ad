"""Rules of Argo's custom Prometheus metrics (``metrics.prometheus[]``), shared by the DSL and
the validator.

Argo v4.1.2 (``workflow/metrics/util.go``, ``workflow/validate/validate.go``) checks a metric's
name and label keys with Prometheus' legacy name rule minus ``:`` (``[a-zA-Z_][a-zA-Z0-9_]*``),
requires a ``help`` text and a ``value``. A real-time gauge is read while its node or workflow
runs, and its value must be exactly one variable Argo can read then (``operator.go``
``computeMetrics``, its real-time scope): ``{{duration}}`` on a template, ``{{workflow.duration}}``
on the workflow; anything else is a metric emission error. The controller keeps one instrument per
metric name, so two metrics of one name with different help texts or types conflict
(``metrics_custom.go`` ``matchExistingMetric``). Histogram buckets become the instrument's bucket
boundaries, which must increase.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tiphys.argo.paths import join

__all__ = [
    "GAUGE_OPERATIONS",
    "METRIC_TYPES",
    "REALTIME_VALUES",
    "MetricConflict",
    "buckets_problem",
    "metric_conflicts",
    "metric_name_fix",
    "metric_name_problem",
    "realtime_problem",
    "realtime_problems",
]

METRIC_TYPES: tuple[str, ...] = ("counter", "gauge", "histogram")
"""The fields that make a metric's type; a metric has exactly one."""

GAUGE_OPERATIONS: tuple[str, ...] = ("Set", "Add", "Sub")
"""``gauge.operation`` values (``Set`` when absent)."""

_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def metric_name_problem(name: str) -> str | None:
    """Say why ``name`` cannot be a metric name or a metric label key, or return ``None``.

    Args:
        name: The name (``result_counter``) or label key (``status``).

    Returns:
        What is wrong, as a clause (``"'a-b' may contain only ..."``), or ``None``.
    """
    if not name:
        return "is empty"
    if _NAME_RE.match(name):
        return None
    return (
        f"{name!r} may contain only letters, digits and '_' and must not start with a digit "
        "(Prometheus' rule, without ':')"
    )


def metric_name_fix(name: str) -> str:
    """A valid name close to an invalid one (``build-time`` -> ``build_time``), or ``""``."""
    fixed = re.sub(r"[^a-zA-Z0-9_]+", "_", name).strip("_")
    if fixed[:1].isdigit():
        fixed = "_" + fixed
    return fixed


REALTIME_VALUES: dict[str, str] = {
    "template": "{{duration}}",
    "workflow": "{{workflow.duration}}",
}
"""The one value a real-time gauge may have, by where the metric is (template or workflow)."""


def realtime_problem(value: str, level: str | None = None) -> str | None:
    """Say why ``value`` cannot be the value of a real-time gauge, or return ``None``.

    Args:
        value: The gauge's ``value`` text.
        level: ``"template"`` or ``"workflow"`` (where the metric is), or ``None`` when not
            known yet (either level's value is then accepted).

    Returns:
        The reason, or ``None``.
    """
    if level is None:
        if value in REALTIME_VALUES.values():
            return None
        return (
            "a real-time gauge takes exactly '{{duration}}' (on a template) or "
            "'{{workflow.duration}}' (on a workflow) as its value (the only values Argo can read "
            f"while it runs), not {value!r}: use one, or make the gauge not real-time"
        )
    wanted = REALTIME_VALUES[level]
    if value == wanted:
        return None
    node = "node" if level == "template" else "workflow"
    return (
        f"a real-time gauge of a {level} takes exactly {wanted!r} as its value (the only value "
        f"Argo can read while the {node} runs), not {value!r}: use it, or make the gauge not "
        "real-time"
    )


def buckets_problem(buckets: Sequence[float]) -> str | None:
    """Say why ``buckets`` cannot be a histogram's bucket boundaries, or return ``None``.

    Args:
        buckets: The boundaries, as numbers.

    Returns:
        The reason (none given, or not strictly increasing), or ``None``.
    """
    if not buckets:
        return "a histogram needs at least one bucket boundary"
    for low, high in itertools.pairwise(buckets):
        if not low < high:
            return f"histogram buckets must increase, but {high!r} follows {low!r}"
    return None


@dataclass(frozen=True)
class MetricConflict:
    """A metric that reuses the name of an earlier one with another help text or type.

    Attributes:
        path: The later metric's path.
        template: Name of the template holding it, or ``None`` for the workflow's metrics.
        message: What differs, as a sentence.
    """

    path: str
    template: str | None
    message: str


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _metrics(
    spec: Mapping[str, Any], spec_path: str
) -> Iterator[tuple[Mapping[str, Any], str, str | None]]:
    """Every metric of a spec: the workflow's, then each template's, with path and template."""
    holders: list[tuple[object, str, str | None]] = [(spec, spec_path, None)]
    for index, template in enumerate(spec.get("templates") or []):
        name = _mapping(template).get("name")
        holders.append(
            (
                template,
                join(join(spec_path, "templates"), index),
                name if isinstance(name, str) else None,
            )
        )
    for holder, path, template in holders:
        prometheus = _mapping(_mapping(holder).get("metrics")).get("prometheus")
        base = join(join(path, "metrics"), "prometheus")
        for index, metric in enumerate(prometheus if isinstance(prometheus, list) else []):
            if isinstance(metric, Mapping):
                yield metric, join(base, index), template


def realtime_problems(
    spec: Mapping[str, Any], spec_path: str = "spec"
) -> list[tuple[str, str | None, str]]:
    """Real-time gauges of a workflow spec whose value is not the one their level allows.

    Args:
        spec: A workflow spec (compiled or read from YAML).
        spec_path: The spec's path, for the findings' paths.

    Returns:
        ``(path of gauge.value, template name or None for the workflow's metrics, message)``
        for each such gauge, workflow first, then template by template. The message starts
        with ``metric '<name>': ``.
    """
    found: list[tuple[str, str | None, str]] = []
    workflow_base = join(join(spec_path, "metrics"), "prometheus")
    for metric, path, template in _metrics(spec, spec_path):
        gauge = _mapping(metric.get("gauge"))
        value = gauge.get("value")
        if gauge.get("realtime") is not True or not isinstance(value, str):
            continue
        level = "workflow" if path.startswith(workflow_base + "[") else "template"
        problem = realtime_problem(value, level)
        if problem:
            name = metric.get("name")
            found.append(
                (join(join(path, "gauge"), "value"), template, f"metric {name!r}: {problem}")
            )
    return found


def metric_conflicts(spec: Mapping[str, Any], spec_path: str = "spec") -> list[MetricConflict]:
    """Metrics of a workflow spec that reuse a name with another help text or type.

    The controller keeps one instrument per metric name: the first metric of a name fixes its
    help text and type, and a later one that differs is refused when emitted.

    Args:
        spec: A workflow spec (a CronWorkflow's ``spec.workflowSpec``).
        spec_path: Its path, for the reported paths.

    Returns:
        One conflict per offending metric, in document order.
    """
    first: dict[str, tuple[object, str | None, str]] = {}
    found: list[MetricConflict] = []
    for metric, path, template in _metrics(spec, spec_path):
        name = metric.get("name")
        if not isinstance(name, str):
            continue
        kind = next((k for k in METRIC_TYPES if metric.get(k) is not None), None)
        if kind is None:
            continue
        holder = f"template {template!r}" if template is not None else "the workflow's metrics"
        seen = first.setdefault(name, (metric.get("help"), kind, holder))
        if seen[1] != kind:
            message = f"metric {name!r} is a {kind} here but a {seen[1]} in {seen[2]}"
        elif seen[0] != metric.get("help"):
            message = f"metric {name!r} has another help text here than in {seen[2]}"
        else:
            continue
        found.append(
            MetricConflict(
                path,
                template,
                f"{message}; Argo keeps one instrument per metric name and refuses this one: "
                "use the same help text and type, or another name",
            )
        )
    return found
