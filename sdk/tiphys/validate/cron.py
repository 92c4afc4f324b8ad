"""Checks of a CronWorkflow's own fields (``spec`` beside ``workflowSpec``).

The schedule and time zone rules are :mod:`tiphys.argo.cron`'s (robfig/cron ``ParseStandard``
and Go's ``time.LoadLocation``); the others follow Argo v4.1.2's ``ValidateCronWorkflow``
(``workflow/validate/validate.go``) and its cron operator (``workflow/cron/operator.go``).
The singular ``schedule`` (removed in v4) is reported by the schema check (``V002``); a name
over 52 characters by ``V109``.

======  ======================================================================================
V170    a schedule Argo's cron cannot read, or that never runs (``cron_problem``)
V171    ``timezone`` that is no time zone Go can load
V172    ``schedules`` is empty: the CronWorkflow never runs
V173    a schedule with its own ``CRON_TZ=``/``TZ=`` prefix while ``timezone`` is set: the
        controller prefixes it again and cannot read the result
V174    ``concurrencyPolicy`` other than ``Allow``, ``Forbid`` or ``Replace``
V175    ``startingDeadlineSeconds`` < 0 (an error: Argo refuses it), or a negative
        ``successfulJobsHistoryLimit``/``failedJobsHistoryLimit`` (a warning: Argo ignores it and
        keeps its default, 3 or 1)
V176    the same schedule listed twice (a warning: both name their run ``<name>-<unix time>``,
        and Argo drops the second as a duplicate submission)
======  ======================================================================================

A CronWorkflow's ``when`` is govaluate like a task's and gets the same ``V137`` check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from tiphys.argo.cron import cron_problem, timezone_problem
from tiphys.argo.paths import join
from tiphys.errors import did_you_mean
from tiphys.validate.references import Add
from tiphys.validate.values import when_problem

__all__ = ["check_cron"]

_POLICIES = ("Allow", "Forbid", "Replace")
_HISTORY_DEFAULTS = {"successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1}
_PREFIXES = ("CRON_TZ=", "TZ=")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_cron(spec: Mapping[str, Any], path: str, add: Add) -> None:
    """Check the cron fields of a CronWorkflow's ``spec`` (codes ``V170``-``V176``).

    Fields of the wrong type are skipped (the schema check reports them).

    Args:
        spec: ``CronWorkflow.spec``.
        path: Its path (``"spec"``).
        add: Called once per finding with ``(code, message, path, severity)``.
    """
    timezone = spec.get("timezone")
    if isinstance(timezone, str) and timezone:
        problem = timezone_problem(timezone)
        if problem is not None:
            add("V171", f"invalid timezone: {problem}", join(path, "timezone"), "error")
    _schedules(spec, path, add, timezone if isinstance(timezone, str) else "")
    policy = spec.get("concurrencyPolicy")
    if isinstance(policy, str) and policy and policy not in _POLICIES:
        add(
            "V174",
            f"concurrencyPolicy {policy!r} is not one of {', '.join(_POLICIES)}, and Argo "
            f"refuses the CronWorkflow.{did_you_mean(policy, _POLICIES)}",
            join(path, "concurrencyPolicy"),
            "error",
        )
    deadline = spec.get("startingDeadlineSeconds")
    if _is_int(deadline) and deadline < 0:
        add(
            "V175",
            f"startingDeadlineSeconds is {deadline}, and Argo refuses a negative deadline: set "
            "how many seconds late a missed run may still start (0 drops missed runs)",
            join(path, "startingDeadlineSeconds"),
            "error",
        )
    for key, default in _HISTORY_DEFAULTS.items():
        value = spec.get(key)
        if _is_int(value) and value < 0:
            add(
                "V175",
                f"{key} is {value}; Argo ignores a negative limit and keeps {default}: set how "
                "many finished workflows to keep (0 or more)",
                join(path, key),
                "warning",
            )
    when = spec.get("when")
    if isinstance(when, str):
        problem = when_problem(when)
        if problem is not None:
            add("V137", problem, join(path, "when"), "warning")


def _schedules(spec: Mapping[str, Any], path: str, add: Add, timezone: str) -> None:
    schedules = spec.get("schedules")
    schedules_path = join(path, "schedules")
    if not isinstance(schedules, list):
        return
    if not schedules:
        add(
            "V172",
            "schedules is empty, so the CronWorkflow never runs: list at least one schedule, "
            "e.g. schedules: ['0 2 * * *'] (02:00 every day)",
            schedules_path,
            "error",
        )
    seen: set[str] = set()
    for i, schedule in enumerate(schedules):
        if not isinstance(schedule, str):
            continue
        item_path = join(schedules_path, i)
        problem = cron_problem(schedule)
        if problem is not None:
            add("V170", f"schedule {schedule!r}: {problem}", item_path, "error")
        elif timezone and schedule.startswith(_PREFIXES):
            add(
                "V173",
                f"schedule {schedule!r} has its own time zone prefix while timezone is "
                f"{timezone!r}; Argo writes 'CRON_TZ={timezone} {schedule}', which its "
                "controller cannot read: remove the prefix or the timezone",
                item_path,
                "error",
            )
        if schedule in seen:
            add(
                "V176",
                f"schedule {schedule!r} is listed twice; Argo starts one run for both (it drops "
                "the second as a duplicate): remove one",
                item_path,
                "warning",
            )
        seen.add(schedule)
