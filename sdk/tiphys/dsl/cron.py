"""``CronWorkflow``: a workflow Argo starts on a schedule.

Error codes of this module: ``C146`` (a schedule), ``C147`` (a time zone), ``C148`` (another
CronWorkflow option), ``C151`` (an entrypoint input nobody can give: a CronWorkflow is started by
its schedule, so every required input needs a value in ``arguments=``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tiphys.argo.cron import cron_problem, timezone_problem
from tiphys.argo.expr_check import expression_problem, template_problem
from tiphys.dsl._keywords import checked_init, unknown_option
from tiphys.dsl._location import fail
from tiphys.dsl.options import Duration, Raw, seconds
from tiphys.dsl.pod_fields import WorkflowMetadata, labels_problem
from tiphys.dsl.workflow import Appliable, WorkflowBase
from tiphys.dsl.workflow_ops import WorkflowOperationsKw
from tiphys.errors import Location, did_you_mean

ConcurrencyPolicy = Literal["Allow", "Forbid", "Replace"]
_POLICIES: tuple[str, ...] = ConcurrencyPolicy.__args__  # type: ignore[attr-defined]
_INT32_MAX = 2**31 - 1
_CRON_OPTIONS = (
    "schedules",
    "timezone",
    "concurrency_policy",
    "starting_deadline",
    "successful_history",
    "failed_history",
    "suspend",
    "stop_strategy",
    "when",
    "workflow_metadata",
)

_HINTS = {
    "schedule": "Write schedules=[...], a list of schedules: Argo v4 removed the singular schedule."
}


@dataclass(frozen=True)
class CronOptions:
    """The ``CronWorkflow.spec`` fields beside ``workflowSpec``; see :class:`CronWorkflow`."""

    schedules: tuple[str, ...]
    timezone: str | None = None
    concurrency_policy: ConcurrencyPolicy | None = None
    starting_deadline: int | None = None
    successful_history: int | None = None
    failed_history: int | None = None
    suspend: bool | None = None
    stop_strategy: str | None = None
    when: str | None = None
    workflow_metadata: Mapping[str, Any] = field(default_factory=dict)


@functools.cache
def _workflow_options() -> tuple[str, ...]:
    """The keyword arguments of :class:`WorkflowBase` (every Workflow option): its named
    parameters and the keys of ``**operations``."""
    named = inspect.signature(WorkflowBase.__init__).parameters
    explicit = [
        p for p, v in named.items() if p not in ("self", "name") and v.kind != v.VAR_KEYWORD
    ]
    return (*explicit, *WorkflowOperationsKw.__annotations__)


@checked_init(code="C148", hints=_HINTS)
class CronWorkflow(Appliable, WorkflowBase):
    """An Argo ``CronWorkflow``: runs its workflow on one or more schedules.

    Every :class:`~tiphys.Workflow` option (``entrypoint``, ``arguments``, ``ttl``, ``pod_gc``,
    ``from_template``...) is accepted and goes into ``spec.workflowSpec``; the cron options go
    beside it in ``spec``. The name is at most 52 characters (children are named
    ``<name>-<unix time>``).
    """

    kind = "CronWorkflow"

    def __init__(
        self,
        name: str,
        *,
        schedules: str | Sequence[str],
        timezone: str | None = None,
        concurrency_policy: ConcurrencyPolicy | None = None,
        starting_deadline: Duration | None = None,
        successful_history: int | None = None,
        failed_history: int | None = None,
        suspend: bool | None = None,
        stop_strategy: str | None = None,
        when: str | None = None,
        workflow_metadata: WorkflowMetadata | Raw | None = None,
        **options: Any,
    ) -> None:
        """Create a CronWorkflow.

        Args:
            name: ``metadata.name`` (DNS-1123, at most 52 characters).
            schedules: ``spec.schedules``: one or more robfig/cron schedules (five fields
                ``minute hour day-of-month month day-of-week``, ``@daily``-style descriptors,
                ``@every <Go duration>``, an optional ``CRON_TZ=<zone>`` prefix); a single
                string is one schedule. Argo v4 has no singular ``schedule``.
            timezone: ``spec.timezone``: the IANA zone the schedules are read in
                (``"Europe/Paris"``); default: the controller's zone (usually UTC).
            concurrency_policy: ``spec.concurrencyPolicy``: ``"Allow"`` (Argo's default: runs
                may overlap), ``"Forbid"`` (skip a run while one is active) or ``"Replace"``
                (stop the active run, start the new one).
            starting_deadline: ``spec.startingDeadlineSeconds``: a run missed (controller
                down) may still start this long after its time; seconds or ``"5m"``. Argo's
                default 0 drops missed runs.
            successful_history: ``spec.successfulJobsHistoryLimit``: finished successful
                workflows kept (Argo's default 3).
            failed_history: ``spec.failedJobsHistoryLimit``: failed workflows kept (default 1).
            suspend: ``spec.suspend``: stop scheduling (``argo cron suspend``) while true.
            stop_strategy: ``spec.stopStrategy.expression``: an expr-lang condition over
                ``cronworkflow.failed``/``cronworkflow.succeeded`` that stops scheduling for
                good when true (``"cronworkflow.failed >= 3"``).
            when: ``spec.when``: a condition checked at each scheduled time; the run is
                skipped when false (govaluate, or ``{{= ...}}`` expr-lang, e.g.
                ``"{{= cronworkflow.lastScheduledTime == nil }}"``).
            workflow_metadata: ``spec.workflowMetadata``: labels and annotations given to each
                workflow it starts: :class:`~tiphys.WorkflowMetadata` (without ``labels_from``)
                or a dict (``{"labels": {...}, "annotations": {...}}``). (The Workflow option
                of the same name, ``spec.workflowSpec.workflowMetadata``, is reached with
                ``patch=``.)
            **options: Every Workflow option (see :class:`~tiphys.Workflow`), emitted in
                ``spec.workflowSpec``.

        Raises:
            CompileError: An invalid schedule (``C146``), time zone (``C147``), other cron
                option or unknown option (``C148``), or a bad Workflow option, located here.
        """
        if "schedule" in options:
            raise unknown_option("schedule", [], "CronWorkflow", code="C148", hints=_HINTS)
        known = _workflow_options()
        for key in options:
            if key not in known:
                choices = [*known, *_CRON_OPTIONS]
                raise unknown_option(key, choices, "CronWorkflow", code="C148")
        super().__init__(name, **options)
        where = self.location
        if not isinstance(name, str) or not name:
            raise fail("C148", "CronWorkflow needs a name (its first argument)", where)
        if timezone is not None:
            problem = (
                timezone_problem(timezone)
                if isinstance(timezone, str)
                else f"{timezone!r} is not a string"
            )
            if problem:
                raise fail("C147", f"timezone: {problem}", where)
        self.cron = CronOptions(
            schedules=_schedules(schedules, timezone, where),
            timezone=timezone,
            concurrency_policy=_policy(concurrency_policy, where),
            starting_deadline=(
                None
                if starting_deadline is None
                else seconds(starting_deadline, "starting_deadline", where)
            ),
            successful_history=_count(successful_history, "successful_history", where),
            failed_history=_count(failed_history, "failed_history", where),
            suspend=_flag(suspend, where),
            stop_strategy=_text(stop_strategy, "stop_strategy", where),
            when=_text(when, "when", where),
            workflow_metadata=_metadata(workflow_metadata, where),
        )


def _schedules(value: object, timezone: str | None, where: Location) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence):
        raise fail("C146", f"schedules must be a list of strings, not {value!r}", where)
    if not items:
        raise fail(
            "C146",
            "schedules= needs at least one schedule, e.g. schedules=['0 2 * * *'] (02:00 daily)",
            where,
        )
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise fail("C146", f"schedule {item!r} is not a string", where)
        problem = cron_problem(item, timezone=timezone)
        if problem:
            raise fail("C146", f"schedule {item!r}: {problem}", where)
        if item in seen:
            raise fail(
                "C146",
                f"schedule {item!r} is listed twice; Argo starts one run for both: remove one",
                where,
            )
        seen.add(item)
    return tuple(items)


def _policy(value: object, where: Location) -> ConcurrencyPolicy | None:
    if value is None or value in _POLICIES:
        return value  # type: ignore[return-value]
    hint = did_you_mean(str(value), _POLICIES)
    raise fail(
        "C148",
        f"concurrency_policy {value!r} is not one of {', '.join(_POLICIES)}.{hint}",
        where,
    )


def _count(value: object, what: str, where: Location) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _INT32_MAX:
        raise fail("C148", f"{what} must be a whole number, 0 or more, not {value!r}", where)
    return value


def _flag(value: object, where: Location) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise fail("C148", f"suspend must be True or False, not {value!r}", where)


def _text(value: object, what: str, where: Location) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail("C148", f"{what} must be a non-empty expression string, not {value!r}", where)
    if what == "stop_strategy":
        problem = expression_problem(value)
    elif "{{=" in value:
        problem = template_problem(value)
    else:
        problem = expression_problem(value, "govaluate")
    if problem:
        raise fail("C148", f"{what} {value!r}: {problem}", where)
    return value


def _metadata(value: object, where: Location) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, WorkflowMetadata):
        if value.labels_from:
            raise fail(
                "C148",
                "workflow_metadata of a CronWorkflow sets the labels and annotations of the "
                "workflows it starts and has no labels_from: give labels_from in "
                "WorkflowMetadata through patch={'spec': {'workflowSpec': ...}} instead",
                where,
            )
        return value.to_argo()
    if not isinstance(value, Mapping):
        raise fail(
            "C148",
            "workflow_metadata must be WorkflowMetadata(labels=..., annotations=...) or a dict "
            f"such as {{'labels': {{...}}}}, not {value!r}",
            where,
        )
    labels, annotations = value.get("labels") or {}, value.get("annotations") or {}
    if isinstance(labels, Mapping) and isinstance(annotations, Mapping):
        problem = labels_problem(labels, annotations)
        if problem:
            raise fail("C148", f"workflow_metadata {problem}", where)
    return dict(value)
