"""CronWorkflows on the local server: Argo's cron controller, ticking over a :class:`StateStore`.

:func:`cron_to_workflow` builds the Workflow a CronWorkflow submits, as Argo's
``ConvertCronWorkflowToWorkflowWithProperties`` (``workflow/common/convert.go``) does.
:class:`CronScheduler` follows the rules of ``workflow/cron/operator.go``:

* **Schedules.** Each entry of ``spec.schedules`` (``spec.schedule`` when set, as
  ``getSchedules`` still reads it) runs on its own, on the wall clock of ``spec.timezone``
  (robfig's ``CRON_TZ=``), else of the clock given to the scheduler. A due time is run once, even
  when ticks were missed (robfig runs an entry once and computes its next time from now). Two
  schedules due at the same second make the same Workflow name: the second is refused as
  "already exists" and, as in Argo, silently dropped.
* **Missed runs** (``shouldOutstandingWorkflowsBeRun``): when the scheduler first sees a
  CronWorkflow that has a ``status.lastScheduledTime``, the latest run missed since then is
  run if ``startingDeadlineSeconds`` is set and that run is less than that many seconds old, and
  the schedule is the one last used (annotation ``cronworkflows.argoproj.io/last-used-schedule``).
* **Each run** (``run``): record the schedule in that annotation; evaluate ``stopStrategy``
  (expr-lang, on ``cronworkflow.failed``/``succeeded``...: when true the CronWorkflow gets
  ``status.phase: Stopped`` and the label ``cronworkflows.argoproj.io/completed: "true"``); then
  skip when ``spec.suspend``, when Stopped, when ``when`` is false (``{{...}}`` substituted with
  ``cronworkflow.*``, then govaluate), when ``concurrencyPolicy: Forbid`` and a run is active;
  with ``Replace`` the active runs are stopped first. A submitted run is added to
  ``status.active``; ``status.phase`` becomes ``Active`` and ``lastScheduledTime`` the scheduled
  time. A failed submission or ``when`` sets a ``SubmissionError`` condition and counts in
  ``status.failed``.
* **Every tick** (``reconcileActiveWfs``, ``enforceHistoryLimit``): finished Workflows leave
  ``status.active`` and count in ``status.succeeded`` (Succeeded) or ``status.failed``
  (Failed, Error); unfinished Workflows of the CronWorkflow missing from it are added; finished
  ones beyond ``successfulJobsHistoryLimit`` (default 3) and ``failedJobsHistoryLimit``
  (default 1) are deleted, oldest ``finishedAt`` first.

The status is written back as Argo's merge patch is: only ``status`` and the labels and
annotations the controller sets change, so an edit made meanwhile (``suspend``) is kept.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from tiphys.local.state import AlreadyExists, Conflict, StateStore, rfc3339

__all__ = [
    "COMPLETED_LABEL",
    "CRON_LABEL",
    "LAST_USED_SCHEDULE",
    "SCHEDULED_TIME",
    "CronScheduler",
    "cron_to_workflow",
    "go_rfc3339",
]

_log = logging.getLogger(__name__)

CRON_LABEL = "workflows.argoproj.io/cron-workflow"
"""Label of a Workflow naming the CronWorkflow that made it."""
SCHEDULED_TIME = "workflows.argoproj.io/scheduled-time"
"""Annotation of a Workflow holding the time it was scheduled (RFC3339, schedule's zone)."""
COMPLETED_LABEL = "cronworkflows.argoproj.io/completed"
"""Label set to ``"true"`` on a CronWorkflow whose ``stopStrategy`` was met."""
LAST_USED_SCHEDULE = "cronworkflows.argoproj.io/last-used-schedule"
"""Annotation of a CronWorkflow holding the schedules (with ``CRON_TZ=``) it last ran with."""

_INSTANCE_ID = "workflows.argoproj.io/controller-instanceid"
# convert.go labelsToPropagate
_PROPAGATED = (
    "workflows.argoproj.io/creator",
    "workflows.argoproj.io/creator-email",
    "workflows.argoproj.io/creator-preferred-username",
)
_API_VERSION = "argoproj.io/v1alpha1"
_DONE = frozenset({"Succeeded", "Failed", "Error"})
_PATCH_ATTEMPTS = 5
_MISSED_BATCH = 256


def _utcnow() -> datetime:
    return datetime.now(UTC)


def go_rfc3339(when: datetime) -> str:
    """Go's ``time.Format(time.RFC3339)``: seconds, ``Z`` for UTC, else ``+hh:mm``.

    Args:
        when: A timezone-aware time, written in its own zone.

    Returns:
        Text such as ``"2026-11-30T01:00:00Z"`` or ``"2026-11-30T02:00:00+01:00"``.
    """
    offset = when.utcoffset() or timedelta(0)
    base = when.strftime("%Y-%m-%dT%H:%M:%S")
    if not offset:
        return base + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{base}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def cron_to_workflow(cron: Mapping[str, Any], scheduled: datetime) -> dict[str, Any]:
    """The Workflow a CronWorkflow submits for one scheduled time.

    As Argo's ``ConvertCronWorkflowToWorkflowWithProperties`` with the controller's child name:
    ``metadata.name`` is ``<cron>-<unix seconds of scheduled>``; labels: the creator labels of
    the CronWorkflow, its controller instance id, ``workflows.argoproj.io/cron-workflow: <cron>``
    and ``spec.workflowMetadata.labels``; annotations: ``workflows.argoproj.io/scheduled-time``
    and ``spec.workflowMetadata.annotations``; ``spec.workflowMetadata.finalizers``; an owner
    reference to the CronWorkflow (controller). ``metadata.namespace`` is the CronWorkflow's
    (Argo's submit sets it).

    Args:
        cron: A CronWorkflow manifest (``metadata.name`` set; ``uid`` when stored).
        scheduled: The scheduled time, aware, in the schedule's zone (it is written in that
            zone, as Go's ``Format(time.RFC3339)`` does).

    Returns:
        A new Workflow manifest whose ``spec`` is a deep copy of ``spec.workflowSpec``.
    """
    metadata = cron.get("metadata") or {}
    spec = cron.get("spec") or {}
    name = str(metadata.get("name", ""))
    cron_labels = metadata.get("labels") or {}
    labels: dict[str, str] = {k: cron_labels[k] for k in _PROPAGATED if k in cron_labels}
    annotations: dict[str, str] = {SCHEDULED_TIME: go_rfc3339(scheduled)}
    if _INSTANCE_ID in cron_labels:
        labels[_INSTANCE_ID] = cron_labels[_INSTANCE_ID]
    labels[CRON_LABEL] = name
    wf_meta: dict[str, Any] = {"name": f"{name}-{int(scheduled.timestamp())}"}
    if metadata.get("namespace"):
        wf_meta["namespace"] = metadata["namespace"]
    finalizers: list[str] = []
    extra = spec.get("workflowMetadata")
    if isinstance(extra, Mapping):
        labels.update(extra.get("labels") or {})
        annotations.update(extra.get("annotations") or {})
        finalizers += extra.get("finalizers") or []
    wf_meta["labels"] = labels
    wf_meta["annotations"] = annotations
    if finalizers:
        wf_meta["finalizers"] = finalizers
    owner: dict[str, Any] = {
        "apiVersion": _API_VERSION,
        "kind": "CronWorkflow",
        "name": name,
        "uid": str(metadata.get("uid", "")),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    wf_meta["ownerReferences"] = [owner]
    workflow: dict[str, Any] = {"kind": "Workflow"}
    if cron.get("apiVersion"):
        workflow["apiVersion"] = cron["apiVersion"]
    workflow["metadata"] = wf_meta
    workflow["spec"] = copy.deepcopy(dict(spec.get("workflowSpec") or {}))
    return workflow


# -- helpers over plain dicts -------------------------------------------------------------------


def _schedules(spec: Mapping[str, Any]) -> list[str]:
    """``getSchedules``: ``schedule`` when set, else ``schedules``."""
    if spec.get("schedule"):
        return [str(spec["schedule"])]
    return [str(s) for s in spec.get("schedules") or []]


def _schedule_string(spec: Mapping[str, Any]) -> str:
    """``GetScheduleString``: the schedules with ``CRON_TZ=`` prefixes, comma-joined."""
    tz = spec.get("timezone") or ""
    return ",".join(f"CRON_TZ={tz} {s}" if tz else s for s in _schedules(spec))


def _status(cron: Mapping[str, Any]) -> dict[str, Any]:
    """The status in the shape Go writes it (every field present)."""
    given = cron.get("status") or {}
    return {
        "active": copy.deepcopy(given.get("active")) or None,
        "lastScheduledTime": given.get("lastScheduledTime"),
        "conditions": copy.deepcopy(given.get("conditions")) or None,
        "succeeded": int(given.get("succeeded") or 0),
        "failed": int(given.get("failed") or 0),
        "phase": given.get("phase") or "",
    }


def _upsert_condition(status: dict[str, Any], kind: str, message: str) -> bool:
    """Argo's ``UpsertCondition``; True when the conditions changed."""
    condition = {"type": kind, "status": "True", "message": message}
    if condition in (status["conditions"] or []):
        return False
    kept = [c for c in status["conditions"] or [] if c.get("type") != kind]
    status["conditions"] = [*kept, condition]
    return True


def _remove_condition(status: dict[str, Any], kind: str) -> None:
    kept = [c for c in status["conditions"] or [] if c.get("type") != kind]
    status["conditions"] = kept or None


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _zone(name: str, default: tzinfo) -> tzinfo:
    if name in ("", "Local"):
        return default
    if name == "UTC":
        return UTC
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def _go_s(value: Any) -> str:
    """Go's ``fmt`` ``%s`` of an expr-lang result (``%!s(int64=0)`` for a number)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, bool):
        return f"%!s(bool={'true' if value else 'false'})"
    if isinstance(value, int):
        return f"%!s(int64={value})"
    if isinstance(value, float):
        from tiphys.argo.exprlang import go_string

        return f"%!s(float64={go_string(value)})"
    return json.dumps(value, separators=(",", ":"))


class _Run:
    """One CronWorkflow being operated on in one tick (Argo's ``cronWfOperationCtx``)."""

    def __init__(self, cron: dict[str, Any]) -> None:
        self.cron = cron
        self.metadata: dict[str, Any] = cron.setdefault("metadata", {})
        self.spec: Mapping[str, Any] = cron.get("spec") or {}
        self.name: str = self.metadata.get("name", "")
        self.namespace: str = self.metadata.get("namespace", "")
        self.status = _status(cron)
        self.labels: dict[str, str] = {}  # labels set by the controller
        self.annotations: dict[str, str] = {}  # annotations set by the controller
        self.changed = False

    def env(self) -> dict[str, Any]:
        """``expressionEnv``: the ``cronworkflow.*`` variables (unprefixed)."""
        labels = self.metadata.get("labels")
        annotations = self.metadata.get("annotations")
        return {
            "name": self.name,
            "namespace": self.namespace,
            "labels": labels,
            # operator.go sets "annotations" to the labels (sic); the JSON text is right.
            "annotations": labels,
            "failed": self.status["failed"],
            "succeeded": self.status["succeeded"],
            "annotations.json": json.dumps(annotations, separators=(",", ":")),
            "labels.json": json.dumps(labels, separators=(",", ":")),
            # a *time.Time in Argo; tiphys's expr-lang has no time values, so RFC3339 text.
            "lastScheduledTime": self.status["lastScheduledTime"],
        }

    def stopping(self) -> bool:
        """``checkStopingCondition``; raises ValueError with Argo's message."""
        strategy = self.spec.get("stopStrategy")
        if not isinstance(strategy, Mapping):
            return False
        expression = str(strategy.get("expression") or strategy.get("condition") or "")
        from tiphys.argo.exprlang import ExprError, evaluate

        # util/expr/argoexpr EvalBool (compile errors come unprefixed there; tiphys's expr-lang
        # does not tell them apart, so every error gets the runtime prefix)
        try:
            value = evaluate(expression, {"cronworkflow": self.env()})
        except ExprError as error:
            raise ValueError(
                f"failed to evaluate stop expression: unable to evaluate expression "
                f"'{expression}': {error}"
            ) from None
        if not isinstance(value, bool):
            raise ValueError(
                f"failed to evaluate stop expression: unable to cast expression result "
                f"'{_go_s(value)}' to bool"
            )
        return value

    def set_completed(self) -> None:
        self.status["phase"] = "Stopped"
        self.labels[COMPLETED_LABEL] = "true"
        self.changed = True

    def check_stopping(self) -> bool:
        """Evaluate stopStrategy; mark Stopped when met. False (and a condition) on error."""
        try:
            if self.stopping():
                self.set_completed()
        except ValueError as error:
            _upsert_condition(
                self.status,
                "SpecError",
                f"failed to check CronWorkflow '{self.name}' stopping condition: {error}",
            )
            self.changed = True
            return False
        return True

    def when(self) -> bool:
        """``evalWhen``; raises ValueError with the substitution or govaluate message."""
        text = str(self.spec.get("when") or "")
        if not text:
            return True
        from tiphys.argo.govaluate import WhenError, evaluate_when
        from tiphys.argo.substitute import SubstitutionError, substitute

        env = {f"cronworkflow.{k}": v for k, v in self.env().items()}
        try:
            return evaluate_when(substitute(text, {}, expr_env=env))
        except (SubstitutionError, WhenError) as error:
            raise ValueError(str(error)) from None

    def submission_error(self, message: str) -> None:
        """``reportCronWorkflowError`` with ``SubmissionError`` (counts as failed)."""
        _upsert_condition(self.status, "SubmissionError", message)
        self.status["failed"] += 1
        self.changed = True


class CronScheduler:
    """Runs the CronWorkflows of a :class:`StateStore` on their schedules.

    Args:
        state: Where CronWorkflows are read and their status written, and where the
            Workflows they made are read (and deleted beyond the history limits).
        submit: Starts one Workflow: called with the manifest :func:`cron_to_workflow` made. It
            may store it (the scheduler then reads its ``uid`` back for ``status.active``).
            Raising :class:`~tiphys.local.state.AlreadyExists` drops the run silently; any
            other exception becomes a ``SubmissionError`` condition
            (``Failed to submit Workflow: <message>``).
        stop: Ends one running Workflow, called with its namespace and name for
            ``concurrencyPolicy: Replace`` (Argo terminates them); its exceptions become a
            ``SubmissionError`` condition (``run policy error: ...``).
        now: The clock (aware datetimes); default the current UTC time. A CronWorkflow without
            ``spec.timezone`` runs on this clock's zone, as Argo's on the controller's.
        delete: Removes one Workflow beyond a history limit (namespace, name); default
            ``state.delete("Workflow", ...)``.
        interval: Seconds between ticks of the thread :meth:`start` starts; default 1.
    """

    def __init__(
        self,
        *,
        state: StateStore,
        submit: Callable[[dict[str, Any]], None],
        stop: Callable[[str, str], None],
        now: Callable[[], datetime] = _utcnow,
        delete: Callable[[str, str], None] | None = None,
        interval: float = 1.0,
    ) -> None:
        self._state = state
        self._submit = submit
        self._stop_workflow = stop
        self._now = now
        self._delete = delete or self._delete_from_state
        self._interval = interval
        self._lock = threading.Lock()
        # (namespace, name, uid) -> time of the last tick that looked at its schedules
        self._cursors: dict[tuple[str, str, str], datetime] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._epoch: datetime | None = None  # the time of the first tick

    def _delete_from_state(self, namespace: str, name: str) -> None:
        self._state.delete("Workflow", namespace, name)

    # -- the ticking thread ---------------------------------------------------------------------

    def start(self) -> None:
        """Tick now and then every ``interval`` seconds on a daemon thread, until :meth:`close`.

        Calling it twice starts one thread.
        """
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="tiphys-cron", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it (at most ``timeout`` seconds; default 5)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the ticking thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:  # a bad object must not stop the scheduler
                _log.exception("cron tick failed")
            if self._stopping.wait(self._interval):
                break

    # -- one tick -------------------------------------------------------------------------------

    def tick(self) -> list[str]:
        """Do one pass over every CronWorkflow (thread-safe; ticks never overlap).

        Returns:
            The names of the Workflows submitted, in order.
        """
        with self._lock:
            now = self._now()
            if self._epoch is None:
                self._epoch = now
            submitted: list[str] = []
            seen: set[tuple[str, str, str]] = set()
            for cron in self._state.list("CronWorkflow"):
                meta = cron.get("metadata") or {}
                key = (meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", ""))
                seen.add(key)
                try:
                    submitted += self._tick_one(cron, key, now)
                except Exception:  # one broken CronWorkflow must not stop the others
                    _log.exception("CronWorkflow %s/%s: tick failed", key[0], key[1])
            for key in set(self._cursors) - seen:
                del self._cursors[key]
            return submitted

    def _tick_one(
        self, cron: dict[str, Any], key: tuple[str, str, str], now: datetime
    ) -> list[str]:
        run = _Run(cron)
        workflows = self._state.list("Workflow", run.namespace, labels={CRON_LABEL: run.name})
        self._reconcile(run, workflows)
        self._history(run, workflows)
        submitted: list[str] = []
        cursor = self._cursors.get(key)
        self._cursors[key] = now
        if cursor is None:
            # Argo adds a cron entry when the CronWorkflow appears (or the controller starts):
            # runs are due from then; a run missed before that is the outstanding check's.
            cursor = self._first_cursor(run, now)
            missed = self._missed(run, now)
            if missed is not None:
                submitted += self._run(run, missed)
                cursor = now
        if cursor < now:
            due: list[datetime] = []
            for schedule in _schedules(run.spec):
                try:
                    due += self._next_times(run, schedule, cursor, now)
                except ValueError as error:
                    if _upsert_condition(run.status, "SpecError", str(error)):
                        run.changed = True
            for scheduled in sorted(due):
                submitted += self._run(run, scheduled)
        if run.changed:
            self._persist(run)
        return submitted

    def _first_cursor(self, run: _Run, now: datetime) -> datetime:
        epoch = self._epoch or now
        created = run.metadata.get("creationTimestamp")
        try:
            since = _parse_time(str(created)) if created else epoch
        except ValueError:
            since = epoch
        return min(max(since, epoch), now)

    def _zone_of(self, run: _Run, now: datetime) -> tzinfo:
        return _zone(str(run.spec.get("timezone") or ""), now.tzinfo or UTC)

    def _next_times(
        self, run: _Run, schedule: str, cursor: datetime, now: datetime
    ) -> list[datetime]:
        """The run due in (cursor, now], at most one (robfig runs a late entry once)."""
        from tiphys.argo.cron import next_times

        tz = run.spec.get("timezone") or None
        times = next_times(schedule, tz, cursor, 1)
        if times and times[0] <= now:
            return [times[0].astimezone(self._zone_of(run, now))]
        return []

    def _missed(self, run: _Run, now: datetime) -> datetime | None:
        """``shouldOutstandingWorkflowsBeRun``: the latest missed run within the deadline."""
        from tiphys.argo.cron import next_times

        last = run.status["lastScheduledTime"]
        deadline = run.spec.get("startingDeadlineSeconds")
        annotations = run.metadata.get("annotations") or {}
        if annotations.get(LAST_USED_SCHEDULE) != _schedule_string(run.spec) or not last:
            return None
        tz = run.spec.get("timezone") or None
        for schedule in _schedules(run.spec):
            try:
                after = _parse_time(str(last)).astimezone(now.tzinfo)
                missed: datetime | None = None
                while True:
                    batch = [t for t in next_times(schedule, tz, after, _MISSED_BATCH) if t < now]
                    if not batch:
                        break
                    missed = after = batch[-1]
                    if len(batch) < _MISSED_BATCH:
                        break
            except ValueError:
                continue
            if (
                missed is not None
                and deadline is not None
                and now < missed + timedelta(seconds=int(deadline))
            ):
                return missed.astimezone(self._zone_of(run, now))
        return None

    def _reconcile(self, run: _Run, workflows: list[dict[str, Any]]) -> None:
        """``reconcileActiveWfs``: drop finished or vanished runs, count them, re-add lost ones."""
        active: list[dict[str, Any]] = list(run.status["active"] or [])
        phases: dict[str, str] = {}
        for wf in workflows:
            meta = wf.get("metadata") or {}
            phase = (wf.get("status") or {}).get("phase") or ""
            ident = meta.get("uid") or meta.get("name", "")
            phases[ident] = phase
            if not any(_ref_id(ref) == ident for ref in active) and phase not in _DONE:
                active.append(_reference(wf))
                run.changed = True
        kept: list[dict[str, Any]] = []
        for ref in active:
            phase = phases.get(_ref_id(ref))
            if phase is not None and phase not in _DONE:
                kept.append(ref)
                continue
            run.changed = True
            if phase == "Succeeded":
                run.status["succeeded"] += 1
            elif phase in ("Failed", "Error"):
                run.status["failed"] += 1
            if phase is not None:
                run.check_stopping()
        run.status["active"] = kept or None

    def _history(self, run: _Run, workflows: list[dict[str, Any]]) -> None:
        """``enforceHistoryLimit``: delete the oldest finished runs beyond the limits."""
        done = [wf for wf in workflows if (wf.get("status") or {}).get("phase") in _DONE]
        succeeded = [wf for wf in done if wf["status"]["phase"] == "Succeeded"]
        failed = [wf for wf in done if wf["status"]["phase"] != "Succeeded"]
        for group, field, default in (
            (succeeded, "successfulJobsHistoryLimit", 3),
            (failed, "failedJobsHistoryLimit", 1),
        ):
            limit = run.spec.get(field)
            keep = int(limit) if limit is not None and int(limit) >= 0 else default
            if keep >= len(group):
                continue
            group.sort(key=lambda wf: str(wf["status"].get("finishedAt") or ""), reverse=True)
            for wf in group[keep:]:
                self._delete(run.namespace, wf["metadata"]["name"])

    def _run(self, run: _Run, scheduled: datetime) -> list[str]:
        """``run``: one scheduled time. Returns the name submitted, if any."""
        schedule = _schedule_string(run.spec)
        if (run.metadata.get("annotations") or {}).get(LAST_USED_SCHEDULE) != schedule:
            run.annotations[LAST_USED_SCHEDULE] = schedule
            run.metadata.setdefault("annotations", {})[LAST_USED_SCHEDULE] = schedule
            run.changed = True
        if not run.check_stopping():
            return []
        try:
            if not self._proceed(run):
                return []
        except ValueError as error:
            run.submission_error(f"run policy error: {error}")
            return []
        workflow = cron_to_workflow(run.cron, scheduled)
        name = workflow["metadata"]["name"]
        if self._state.get("Workflow", run.namespace, name) is not None:
            return []  # a duplicate submission: IsAlreadyExists is not reported
        try:
            self._submit(workflow)
        except AlreadyExists:
            return []
        except Exception as error:
            run.submission_error(f"Failed to submit Workflow: {error}")
            return []
        stored = self._state.get("Workflow", run.namespace, name) or workflow
        run.status["active"] = [*(run.status["active"] or []), _reference(stored)]
        run.status["phase"] = "Active"
        run.status["lastScheduledTime"] = rfc3339(scheduled)
        _remove_condition(run.status, "SubmissionError")
        run.changed = True
        return [name]

    def _proceed(self, run: _Run) -> bool:
        """``enforceRuntimePolicy``; ValueError for a bad ``when`` or policy, or a failed stop."""
        if run.spec.get("suspend"):
            return False
        if run.status["phase"] == "Stopped":
            return False
        if not run.when():
            return False
        policy = run.spec.get("concurrencyPolicy") or "Allow"
        active = run.status["active"] or []
        if policy == "Allow":
            return True
        if policy == "Forbid":
            return not active
        if policy == "Replace":
            for ref in active:
                try:
                    self._stop_workflow(ref.get("namespace") or run.namespace, ref["name"])
                except Exception as error:
                    raise ValueError(f"error stopping workflow {ref['name']}: {error}") from None
            return True
        raise ValueError(f"invalid ConcurrencyPolicy: {policy}")

    def _persist(self, run: _Run) -> None:
        """Write the status and the controller's labels/annotations (a merge patch)."""
        for _ in range(_PATCH_ATTEMPTS):
            current = self._state.get("CronWorkflow", run.namespace, run.name)
            if current is None:
                return
            if (current.get("metadata") or {}).get("uid") != run.metadata.get("uid"):
                return
            meta = current.setdefault("metadata", {})
            if run.labels:
                meta.setdefault("labels", {}).update(run.labels)
            if run.annotations:
                meta.setdefault("annotations", {}).update(run.annotations)
            current["status"] = run.status
            try:
                self._state.put("CronWorkflow", current, expect_version=meta.get("resourceVersion"))
            except Conflict:
                continue
            return


def _ref_id(ref: Mapping[str, Any]) -> str:
    return str(ref.get("uid") or ref.get("name", ""))


def _reference(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """``getWorkflowObjectReference``: a Kubernetes ObjectReference (empty fields omitted)."""
    meta = workflow.get("metadata") or {}
    ref = {
        "kind": "Workflow",
        "namespace": meta.get("namespace", ""),
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "apiVersion": workflow.get("apiVersion", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    return {k: v for k, v in ref.items() if v}
