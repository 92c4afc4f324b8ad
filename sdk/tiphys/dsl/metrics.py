"""Custom Prometheus metrics of templates and workflows (``metrics.prometheus[]``):
:class:`Counter`, :class:`Gauge` and :class:`Histogram`.

Argo emits a template's metrics when its node ends (or continuously, for a real-time gauge), and
a workflow's when the workflow ends. Values and labels are text that may use Argo's metric
variables: ``{{duration}}``, ``{{status}}``, ``{{exitCode}}``, ``{{inputs.parameters.x}}``,
``{{outputs.parameters.x}}``, ``{{resourcesDuration.cpu}}``, ``{{retries}}`` in a template;
``{{workflow.duration}}``, ``{{workflow.status}}`` in a workflow. ``when`` is a raw Argo
condition evaluated like a step's ``when`` (``"{{status}} == Succeeded"``).

======  ======================================================================================
C157    a bad metric: a name or label key Prometheus refuses (``[a-zA-Z_][a-zA-Z0-9_]*``), an
        empty help text or value, an unknown gauge operation, a real-time gauge over
        ``resourcesDuration.*``, histogram buckets that do not increase, an item of
        ``metrics=`` that is no metric, or two metrics of one name with different help texts
        or types (the controller keeps one instrument per name and refuses the second)
======  ======================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from tiphys.argo.metrics import (
    GAUGE_OPERATIONS,
    buckets_problem,
    metric_name_fix,
    metric_name_problem,
    realtime_problem,
)
from tiphys.dsl._keywords import checked_init, list_of, mapping_of
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.params import param_value
from tiphys.errors import Location, did_you_mean

__all__ = ["Counter", "Gauge", "Histogram", "Metric", "metrics_argo"]

Number = int | float | str
GaugeOperation = Literal["Set", "Add", "Sub"]


def _value_text(value: object, what: str, location: Location) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise fail("C157", f"{what} must be a number or a text, not {value!r}", location)
    text = param_value(value)
    if not text:
        raise fail(
            "C157", f"{what} is empty: give a number or a tag such as '{{{{duration}}}}'", location
        )
    return text


@dataclass(frozen=True)
class _MetricBase:
    """Fields and checks every metric type shares."""

    kind: ClassVar[str] = ""

    name: str
    help: str
    value: Number = "1"
    labels: Mapping[str, str] = field(default_factory=dict)
    when: str | None = None
    location: Location = field(
        default_factory=user_location, compare=False, repr=False, kw_only=True
    )

    def __post_init__(self) -> None:
        what = f"{type(self).__name__} {self.name!r}"
        if not isinstance(self.name, str):
            raise fail("C157", f"metric name must be a string, not {self.name!r}", self.location)
        mapping_of(self.labels, f"labels of {what}", "label name -> value", self.location)
        problem = metric_name_problem(self.name)
        if problem:
            fixed = metric_name_fix(self.name) if isinstance(self.name, str) else ""
            hint = f" Did you mean {fixed!r}?" if fixed else ""
            raise fail("C157", f"metric name {problem}.{hint}", self.location)
        if not isinstance(self.help, str) or not self.help.strip():
            raise fail(
                "C157",
                f"{what} needs a help text (help=...): Argo refuses a metric without one",
                self.location,
            )
        for key, label in self.labels.items():
            problem = metric_name_problem(key)
            if problem:
                fixed = metric_name_fix(key)
                hint = f" Did you mean {fixed!r}?" if fixed else ""
                raise fail("C157", f"label key of {what} {problem}.{hint}", self.location)
            if not isinstance(label, str):
                raise fail(
                    "C157",
                    f"label {key!r} of {what} must be a text (a tag such as '{{{{status}}}}' is "
                    f"fine), not {label!r}",
                    self.location,
                )
        if self.when is not None and not isinstance(self.when, str):
            raise fail(
                "C157",
                f'when= of {what} is a raw Argo condition such as "{{{{status}}}} == Succeeded", '
                f"not {self.when!r}",
                self.location,
            )
        _value_text(self.value, f"value of {what}", self.location)

    def _body(self) -> dict[str, Any]:
        return {"value": _value_text(self.value, "value", self.location)}

    def to_argo(self) -> dict[str, Any]:
        """Return the ``prometheus[]`` entry: ``{"name", "help", "labels"?, "when"?, <type>}``."""
        out: dict[str, Any] = {"name": self.name, "help": self.help}
        if self.labels:
            out["labels"] = [{"key": k, "value": v} for k, v in self.labels.items()]
        if self.when is not None:
            out["when"] = self.when
        out[self.kind] = self._body()
        return out


@checked_init
@dataclass(frozen=True)
class Counter(_MetricBase):
    """A counter: each emission adds ``value`` (``counter.value``).

    Attributes:
        name: Metric name, ``[a-zA-Z_][a-zA-Z0-9_]*``.
        help: Description shown by Prometheus (required; one text per metric name).
        value: What to add: a number or a tag (default ``"1"``, one per emission).
        labels: Label key -> value (``labels[]``); values may be tags (``"{{status}}"``).
        when: Emit only when this raw Argo condition holds (``"{{status}} == Failed"``).

    Raises:
        CompileError: ``C157``, see the module docstring.
    """

    kind: ClassVar[str] = "counter"


@checked_init
@dataclass(frozen=True)
class Gauge(_MetricBase):
    """A gauge: a value that goes up and down (``gauge``).

    Attributes:
        name: Metric name, ``[a-zA-Z_][a-zA-Z0-9_]*``.
        help: Description (required).
        value: The value, or the amount for ``operation`` (``"{{duration}}"``); required.
        labels: Label key -> value.
        when: Emit only when this raw Argo condition holds.
        realtime: Emit continuously while the node runs (``realtime``; always written, as Argo
            requires it), e.g. a duration that grows.
        operation: ``"Set"`` (Argo's default), ``"Add"`` or ``"Sub"`` (``operation``).

    Raises:
        CompileError: ``C157``, see the module docstring; also an unknown ``operation`` and a
            real-time gauge over ``resourcesDuration.*``.
    """

    kind: ClassVar[str] = "gauge"

    value: Number = ""
    realtime: bool = field(default=False, kw_only=True)
    operation: GaugeOperation | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.operation is not None and self.operation not in GAUGE_OPERATIONS:
            raise fail(
                "C157",
                f"gauge operation {self.operation!r} is not one of {', '.join(GAUGE_OPERATIONS)}."
                f"{did_you_mean(str(self.operation), GAUGE_OPERATIONS)}",
                self.location,
            )
        problem = realtime_problem(str(self.value)) if self.realtime else None
        if problem:
            raise fail("C157", f"Gauge {self.name!r}: {problem} (realtime=False)", self.location)

    def _body(self) -> dict[str, Any]:
        out = super()._body()
        out["realtime"] = self.realtime
        if self.operation is not None:
            out["operation"] = self.operation
        return out


@checked_init
@dataclass(frozen=True)
class Histogram(_MetricBase):
    """A histogram: each emission records ``value`` into buckets (``histogram``).

    Attributes:
        name: Metric name, ``[a-zA-Z_][a-zA-Z0-9_]*``.
        help: Description (required).
        value: The observed value (``"{{duration}}"``); required.
        buckets: Upper bounds of the buckets, increasing (``buckets``; numbers).
        labels: Label key -> value.
        when: Emit only when this raw Argo condition holds.

    Raises:
        CompileError: ``C157``, see the module docstring; also buckets that are missing, not
            numbers, or not increasing.
    """

    kind: ClassVar[str] = "histogram"

    value: Number = ""
    buckets: Sequence[int | float] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        what = f"buckets of Histogram {self.name!r}"
        list_of(self.buckets, what, "numbers (upper bounds, increasing)", self.location)
        super().__post_init__()
        if any(isinstance(b, bool) or not isinstance(b, int | float) for b in self.buckets):
            raise fail(
                "C157",
                f"Histogram {self.name!r}: buckets must be numbers, not {list(self.buckets)!r}",
                self.location,
            )
        problem = buckets_problem(list(self.buckets))
        if problem:
            raise fail("C157", f"Histogram {self.name!r}: {problem}", self.location)

    def _body(self) -> dict[str, Any]:
        out = super()._body()
        out["buckets"] = list(self.buckets)
        return out


Metric = Counter | Gauge | Histogram
"""One entry of ``metrics=``."""


def metrics_argo(metrics: Sequence[Metric], location: Location) -> dict[str, Any]:
    """Render ``metrics=[...]`` as Argo's ``metrics`` dict.

    Args:
        metrics: :class:`Counter`, :class:`Gauge` and :class:`Histogram` objects.
        location: Where the list was given (for errors).

    Returns:
        ``{"prometheus": [...]}`` in the given order.

    Raises:
        CompileError: ``C157``, an item that is not a metric.
    """
    out = []
    for metric in metrics:
        if not isinstance(metric, Counter | Gauge | Histogram):
            raise fail(
                "C157",
                f"metrics= takes Counter(...), Gauge(...) and Histogram(...) objects, not "
                f"{metric!r}",
                location,
            )
        out.append(metric.to_argo())
    return {"prometheus": out}
