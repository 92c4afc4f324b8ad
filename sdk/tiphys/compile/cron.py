"""Compiling a ``CronWorkflow``: the cron fields around its ``workflowSpec``."""

from __future__ import annotations

from typing import Any

from tiphys.dsl._location import fail
from tiphys.dsl.cron import CronWorkflow


def cron_spec(wf: CronWorkflow, workflow_spec: dict[str, Any]) -> dict[str, Any]:
    """Build ``CronWorkflow.spec`` around the compiled workflow spec.

    Args:
        wf: The CronWorkflow.
        workflow_spec: Its workflow, compiled as a Workflow's ``spec``.

    Returns:
        ``{"schedules": [...], <cron fields set>, "workflowSpec": workflow_spec}``, in the order
        of Argo's examples; the singular ``schedule`` (removed in v4) is never written.

    Raises:
        CompileError: An entrypoint input that has no value (``C151``): nobody can give one to
            a CronWorkflow, whose runs are started by the controller.
    """
    params = workflow_spec.get("arguments", {}).get("parameters", [])
    missing = [p["name"] for p in params if "value" not in p and "valueFrom" not in p]
    if missing:
        raise fail(
            "C151",
            f"CronWorkflow {wf.name!r} runs entrypoint {workflow_spec.get('entrypoint')!r}, whose "
            f"input(s) {', '.join(repr(m) for m in missing)} have no default, and a "
            "CronWorkflow is started by its schedule, so nobody can give them: set them in "
            "arguments= or give the inputs defaults",
            wf.location,
        )
    o = wf.cron
    spec: dict[str, Any] = {"schedules": list(o.schedules)}
    fields: tuple[tuple[str, object], ...] = (
        ("timezone", o.timezone),
        ("concurrencyPolicy", o.concurrency_policy),
        ("startingDeadlineSeconds", o.starting_deadline),
        ("successfulJobsHistoryLimit", o.successful_history),
        ("failedJobsHistoryLimit", o.failed_history),
        ("suspend", o.suspend),
        ("stopStrategy", {"expression": o.stop_strategy} if o.stop_strategy else None),
        ("when", o.when),
        ("workflowMetadata", dict(o.workflow_metadata) or None),
    )
    spec.update((key, value) for key, value in fields if value is not None)
    spec["workflowSpec"] = workflow_spec
    return spec
