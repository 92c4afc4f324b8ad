"""Rules of Argo's custom Prometheus metrics (``metrics.prometheus[]``), shared by the DSL and
the validator.

Argo v4.1.2 (``workflow/metrics/util.go``, ``workflow/validate/validate.go``) checks a metric's
name and label keys with Prometheus' legacy name rule minus ``:`` (``[a-zA-Z_][a-zA-Z0-9_]*``),
requires a ``help`` text and a ``value``, and refuses a real-time gauge whose value reads
``resourcesDuration.*`` (known only when the node ends). The controller keeps one instrument per
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
    "MetricConflict",
    "buckets_problem",
    "metric_conflicts",
    "metric_name_fix",
    "metric_name_problem",
    "realtime_problem",
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


def realtime_problem(value: str) -> str | None:
    """Say why ``value`` cannot be the value of a real-time gauge, or return ``None``.

    Args:
        value: The gauge's ``value`` text.

    Returns:
        The reason, or ``None``.
    """
    if "resourcesDuration." in value:
        return (
            "a real-time gauge cannot use resourcesDuration.*, which Argo knows only when the "
            "node ends: make the gauge not real-time"
        )
    return None


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
