"""tiphys.local.cron: CronWorkflows run by the local server's scheduler (injected clock)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tiphys.local.cron import CronScheduler, cron_to_workflow, go_rfc3339
from tiphys.local.state import AlreadyExists, StateStore

T0 = datetime(2026, 11, 30, 0, 0, 30, tzinfo=UTC)
SPEC = {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine"}}]}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Server:
    """The server's side: stores what is submitted; records stops."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        self.submitted: list[dict[str, Any]] = []
        self.stopped: list[tuple[str, str]] = []
        self.fail: Exception | None = None

    def submit(self, workflow: dict[str, Any]) -> None:
        if self.fail is not None:
            raise self.fail
        self.submitted.append(workflow)
        self.state.create("Workflow", workflow)

    def stop(self, namespace: str, name: str) -> None:
        self.stopped.append((namespace, name))


def _setup(
    spec: dict[str, Any] | None = None, **status: Any
) -> tuple[StateStore, Server, Clock, CronScheduler]:
    clock = Clock(T0)
    state = StateStore(None, now=clock)
    server = Server(state)
    cron: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "c", "namespace": "argo"},
        "spec": {"schedules": ["* * * * *"], "workflowSpec": SPEC, **(spec or {})},
    }
    if status:
        cron["status"] = status
    state.create("CronWorkflow", cron)
    scheduler = CronScheduler(state=state, submit=server.submit, stop=server.stop, now=clock)
    return state, server, clock, scheduler


def _cron(state: StateStore) -> dict[str, Any]:
    cron = state.get("CronWorkflow", "argo", "c")
    assert cron is not None
    return cron


def _finish(state: StateStore, name: str, phase: str, finished: str) -> None:
    wf = state.get("Workflow", "argo", name)
    assert wf is not None
    wf["status"] = {"phase": phase, "finishedAt": finished}
    state.put("Workflow", wf)


def _ref(state: StateStore, name: str) -> dict[str, Any]:
    wf = state.get("Workflow", "argo", name)
    assert wf is not None
    return {
        "kind": "Workflow",
        "namespace": "argo",
        "name": name,
        "uid": wf["metadata"]["uid"],
        "apiVersion": "argoproj.io/v1alpha1",
        "resourceVersion": wf["metadata"]["resourceVersion"],
    }


def _status(**given: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "active": None,
        "lastScheduledTime": None,
        "conditions": None,
        "succeeded": 0,
        "failed": 0,
        "phase": "",
    }
    status.update(given)
    return status


M1 = int(datetime(2026, 11, 30, 0, 1, tzinfo=UTC).timestamp())
M2 = M1 + 60


def test_go_rfc3339() -> None:
    assert go_rfc3339(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    paris = datetime(2026, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("Europe/Paris"))
    assert go_rfc3339(paris) == "2026-01-02T03:04:05+01:00"
    ny = datetime(2026, 7, 2, 3, 4, 5, tzinfo=ZoneInfo("America/New_York"))
    assert go_rfc3339(ny) == "2026-07-02T03:04:05-04:00"


def test_cron_to_workflow() -> None:
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {
            "name": "nightly",
            "namespace": "argo",
            "uid": "u-1",
            "labels": {
                "workflows.argoproj.io/creator": "me",
                "workflows.argoproj.io/controller-instanceid": "i1",
                "team": "not-propagated",
            },
        },
        "spec": {
            "schedules": ["0 2 * * *"],
            "timezone": "Europe/Paris",
            "workflowMetadata": {
                "labels": {"a": "1"},
                "annotations": {"b": "2"},
                "finalizers": ["f"],
            },
            "workflowSpec": SPEC,
        },
    }
    scheduled = datetime(2026, 11, 30, 2, 0, tzinfo=ZoneInfo("Europe/Paris"))
    wf = cron_to_workflow(cron, scheduled)
    assert wf == {
        "kind": "Workflow",
        "apiVersion": "argoproj.io/v1alpha1",
        "metadata": {
            "name": f"nightly-{int(scheduled.timestamp())}",
            "namespace": "argo",
            "labels": {
                "workflows.argoproj.io/creator": "me",
                "workflows.argoproj.io/controller-instanceid": "i1",
                "workflows.argoproj.io/cron-workflow": "nightly",
                "a": "1",
            },
            "annotations": {
                "workflows.argoproj.io/scheduled-time": "2026-11-30T02:00:00+01:00",
                "b": "2",
            },
            "finalizers": ["f"],
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "CronWorkflow",
                    "name": "nightly",
                    "uid": "u-1",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": SPEC,
    }
    assert wf["metadata"]["name"] == "nightly-1796000400"
    wf["spec"]["templates"].append({})
    assert len(SPEC["templates"]) == 1  # a deep copy


def test_schedules_a_run_and_reconciles_it() -> None:
    state, server, clock, scheduler = _setup()
    assert scheduler.tick() == []  # the entry is added: nothing due yet
    clock.now = T0 + timedelta(seconds=20)
    assert scheduler.tick() == []
    clock.now = datetime(2026, 11, 30, 0, 1, 0, 400000, tzinfo=UTC)
    assert scheduler.tick() == [f"c-{M1}"]
    uid = _cron(state)["metadata"]["uid"]
    assert server.submitted == [
        {
            "kind": "Workflow",
            "apiVersion": "argoproj.io/v1alpha1",
            "metadata": {
                "name": f"c-{M1}",
                "namespace": "argo",
                "labels": {"workflows.argoproj.io/cron-workflow": "c"},
                "annotations": {"workflows.argoproj.io/scheduled-time": "2026-11-30T00:01:00Z"},
                "ownerReferences": [
                    {
                        "apiVersion": "argoproj.io/v1alpha1",
                        "kind": "CronWorkflow",
                        "name": "c",
                        "uid": uid,
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": SPEC,
        }
    ]
    cron = _cron(state)
    assert cron["metadata"]["annotations"] == {
        "cronworkflows.argoproj.io/last-used-schedule": "* * * * *"
    }
    assert cron["status"] == _status(
        active=[_ref(state, f"c-{M1}")],
        lastScheduledTime="2026-11-30T00:01:00Z",
        phase="Active",
    )
    clock.now += timedelta(seconds=1)
    version = cron["metadata"]["resourceVersion"]
    assert scheduler.tick() == []
    assert _cron(state)["metadata"]["resourceVersion"] == version  # nothing written
    _finish(state, f"c-{M1}", "Succeeded", "2026-11-30T00:01:30Z")
    assert scheduler.tick() == []
    assert _cron(state)["status"] == _status(
        lastScheduledTime="2026-11-30T00:01:00Z", phase="Active", succeeded=1
    )


def test_missed_ticks_run_once() -> None:
    _state, _server, clock, scheduler = _setup()
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=5)  # four runs were due: robfig runs the entry once
    assert scheduler.tick() == [f"c-{M1}"]
    clock.now += timedelta(seconds=10)
    assert scheduler.tick() == []


def test_two_schedules() -> None:
    state, server, clock, scheduler = _setup({"schedules": ["* * * * *", "*/2 * * * *"]})
    scheduler.tick()
    clock.now = datetime(2026, 11, 30, 0, 1, 1, tzinfo=UTC)
    assert scheduler.tick() == [f"c-{M1}"]
    clock.now = datetime(2026, 11, 30, 0, 2, 1, tzinfo=UTC)
    # both are due at 00:02: the second makes the same name and is dropped
    assert scheduler.tick() == [f"c-{M2}"]
    assert [wf["metadata"]["name"] for wf in server.submitted] == [f"c-{M1}", f"c-{M2}"]
    assert _cron(state)["metadata"]["annotations"] == {
        "cronworkflows.argoproj.io/last-used-schedule": "* * * * *,*/2 * * * *"
    }


def test_timezone() -> None:
    state, server, clock, scheduler = _setup(
        {"schedules": ["0 2 * * *"], "timezone": "Europe/Paris"}
    )
    scheduler.tick()
    clock.now = datetime(2026, 11, 30, 1, 0, 0, tzinfo=UTC)  # 02:00 in Paris
    assert scheduler.tick() == ["c-1796000400"]
    wf = server.submitted[0]
    assert wf["metadata"]["annotations"] == {
        "workflows.argoproj.io/scheduled-time": "2026-11-30T02:00:00+01:00"
    }
    status = _cron(state)["status"]
    assert status["lastScheduledTime"] == "2026-11-30T01:00:00Z"
    assert _cron(state)["metadata"]["annotations"] == {
        "cronworkflows.argoproj.io/last-used-schedule": "CRON_TZ=Europe/Paris 0 2 * * *"
    }


def test_suspend() -> None:
    state, server, clock, scheduler = _setup({"suspend": True})
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == []
    assert server.submitted == []
    assert _cron(state)["status"] == _status()


def test_forbid() -> None:
    state, _server, clock, scheduler = _setup({"concurrencyPolicy": "Forbid"})
    scheduler.tick()
    clock.now = datetime(2026, 11, 30, 0, 1, 1, tzinfo=UTC)
    assert scheduler.tick() == [f"c-{M1}"]
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == []  # the first is still running
    _finish(state, f"c-{M1}", "Failed", "2026-11-30T00:02:30Z")
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == [f"c-{M2 + 60}"]
    assert _cron(state)["status"] == _status(
        active=[_ref(state, f"c-{M2 + 60}")],
        lastScheduledTime="2026-11-30T00:03:00Z",
        phase="Active",
        failed=1,
    )


def test_replace_and_allow() -> None:
    state, server, clock, scheduler = _setup({"concurrencyPolicy": "Replace"})
    scheduler.tick()
    clock.now = datetime(2026, 11, 30, 0, 1, 1, tzinfo=UTC)
    scheduler.tick()
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == [f"c-{M2}"]
    assert server.stopped == [("argo", f"c-{M1}")]
    # the stopped run stays active until it finishes
    assert _cron(state)["status"]["active"] == [_ref(state, f"c-{M1}"), _ref(state, f"c-{M2}")]

    state, server, clock, scheduler = _setup()
    scheduler.tick()
    for minute in (1, 2):
        clock.now = datetime(2026, 11, 30, 0, minute, 1, tzinfo=UTC)
        scheduler.tick()
    assert server.stopped == []
    assert _cron(state)["status"]["active"] == [_ref(state, f"c-{M1}"), _ref(state, f"c-{M2}")]


def test_invalid_concurrency_policy() -> None:
    state, _server, clock, scheduler = _setup({"concurrencyPolicy": "Sometimes"})
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == []
    assert _cron(state)["status"] == _status(
        conditions=[
            {
                "type": "SubmissionError",
                "status": "True",
                "message": "run policy error: invalid ConcurrencyPolicy: Sometimes",
            }
        ],
        failed=1,
    )


@pytest.mark.parametrize(
    ("when", "runs"),
    [
        ("'{{cronworkflow.name}}' == 'c'", True),
        ("'{{cronworkflow.namespace}}' != 'argo'", False),
        ("{{=cronworkflow.failed == 0 && cronworkflow.lastScheduledTime == nil}}", True),
        ("{{= cronworkflow.succeeded > 0 }}", False),
    ],
)
def test_when(when: str, runs: bool) -> None:
    _state, _server, clock, scheduler = _setup({"when": when})
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == ([f"c-{M1}"] if runs else [])


def test_when_error() -> None:
    state, _server, clock, scheduler = _setup({"when": "{{cronworkflow.failed}} == 0"})
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == []
    assert _cron(state)["status"] == _status(
        conditions=[
            {
                "type": "SubmissionError",
                "status": "True",
                "message": "run policy error: failed to resolve {{cronworkflow.failed}} to string",
            }
        ],
        failed=1,
    )


def test_stop_strategy() -> None:
    state, _server, clock, scheduler = _setup(
        {"stopStrategy": {"expression": "cronworkflow.succeeded >= 1"}}
    )
    scheduler.tick()
    clock.now = datetime(2026, 11, 30, 0, 1, 1, tzinfo=UTC)
    assert scheduler.tick() == [f"c-{M1}"]
    _finish(state, f"c-{M1}", "Succeeded", "2026-11-30T00:01:20Z")
    clock.now += timedelta(seconds=30)
    assert scheduler.tick() == []
    cron = _cron(state)
    assert cron["metadata"]["labels"] == {"cronworkflows.argoproj.io/completed": "true"}
    assert cron["status"] == _status(
        lastScheduledTime="2026-11-30T00:01:00Z", phase="Stopped", succeeded=1
    )
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == []


def test_stop_strategy_error() -> None:
    state, _server, clock, scheduler = _setup(
        {"stopStrategy": {"expression": "cronworkflow.failed"}}
    )
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == []
    assert _cron(state)["status"]["conditions"] == [
        {
            "type": "SpecError",
            "status": "True",
            "message": "failed to check CronWorkflow 'c' stopping condition: failed to evaluate "
            "stop expression: unable to cast expression result '%!s(int64=0)' to bool",
        }
    ]


def test_history_limits() -> None:
    state, _server, clock, scheduler = _setup(
        {"successfulJobsHistoryLimit": 1, "failedJobsHistoryLimit": 0}
    )
    scheduler.tick()
    names = []
    for minute in range(1, 5):
        clock.now = datetime(2026, 11, 30, 0, minute, 1, tzinfo=UTC)
        names += scheduler.tick()
    phases = ["Succeeded", "Succeeded", "Failed", "Succeeded"]
    finished = ["00:03:50", "00:04:10", "00:04:20", "00:04:05"]
    for name, phase, at in zip(names, phases, finished, strict=True):
        _finish(state, name, phase, f"2026-11-30T{at}Z")
    other = {"metadata": {"name": "manual", "namespace": "argo"}, "status": {"phase": "Failed"}}
    state.create("Workflow", other)
    assert scheduler.tick() == []
    left = [wf["metadata"]["name"] for wf in state.list("Workflow", "argo")]
    assert left == [names[1], "manual"]  # the newest Succeeded by finishedAt; no Failed
    assert _cron(state)["status"] == _status(
        lastScheduledTime="2026-11-30T00:04:00Z", phase="Active", succeeded=3, failed=1
    )


def test_reconcile_readds_and_drops() -> None:
    state, _server, _clock, scheduler = _setup(
        active=[{"kind": "Workflow", "namespace": "argo", "name": "gone", "uid": "x"}]
    )
    running = {
        "metadata": {
            "name": "c-1",
            "namespace": "argo",
            "labels": {"workflows.argoproj.io/cron-workflow": "c"},
        },
        "status": {"phase": "Running"},
    }
    state.create("Workflow", running)
    assert scheduler.tick() == []
    stored = state.get("Workflow", "argo", "c-1")
    assert stored is not None
    assert _cron(state)["status"] == _status(
        active=[
            {
                "kind": "Workflow",
                "namespace": "argo",
                "name": "c-1",
                "uid": stored["metadata"]["uid"],
                "resourceVersion": stored["metadata"]["resourceVersion"],
            }
        ]
    )


def test_missed_run_within_starting_deadline() -> None:
    last = "2026-11-30T00:00:00Z"
    annotations = {"cronworkflows.argoproj.io/last-used-schedule": "* * * * *"}
    for deadline, expected in ((120, [f"c-{M2 + 180}"]), (30, []), (None, [])):
        extra: dict[str, Any] = {}
        if deadline is not None:
            extra["startingDeadlineSeconds"] = deadline
        state, _server, clock, scheduler = _setup(extra, lastScheduledTime=last)
        cron = _cron(state)
        cron["metadata"]["annotations"] = annotations
        state.put("CronWorkflow", cron)
        clock.now = datetime(2026, 11, 30, 0, 5, 40, tzinfo=UTC)  # 00:01..00:05 were missed
        assert scheduler.tick() == expected, deadline
        clock.now += timedelta(seconds=10)
        assert scheduler.tick() == [], deadline
        clock.now += timedelta(seconds=20)  # 00:06 comes as usual
        assert scheduler.tick() == [f"c-{M2 + 240}"], deadline


def test_no_missed_run_after_a_schedule_change() -> None:
    state, _server, clock, scheduler = _setup(
        {"startingDeadlineSeconds": 600}, lastScheduledTime="2026-11-30T00:00:00Z"
    )
    cron = _cron(state)
    cron["metadata"]["annotations"] = {"cronworkflows.argoproj.io/last-used-schedule": "0 * * * *"}
    state.put("CronWorkflow", cron)
    clock.now = datetime(2026, 11, 30, 0, 5, 40, tzinfo=UTC)
    assert scheduler.tick() == []


def test_submission_errors() -> None:
    state, server, clock, scheduler = _setup()
    scheduler.tick()
    server.fail = RuntimeError("no backend")
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == []
    assert _cron(state)["status"] == _status(
        conditions=[
            {
                "type": "SubmissionError",
                "status": "True",
                "message": "Failed to submit Workflow: no backend",
            }
        ],
        failed=1,
    )
    server.fail = AlreadyExists("taken")
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == []
    assert _cron(state)["status"]["failed"] == 1
    server.fail = None
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == [f"c-{M2 + 60}"]
    assert _cron(state)["status"]["conditions"] is None


def test_an_edit_during_a_tick_is_kept() -> None:
    state, server, clock, scheduler = _setup()
    submit = server.submit

    def submit_and_edit(workflow: dict[str, Any]) -> None:
        submit(workflow)
        cron = _cron(state)
        cron["spec"]["suspend"] = True
        state.put("CronWorkflow", cron)

    scheduler._submit = submit_and_edit
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == [f"c-{M1}"]
    cron = _cron(state)
    assert cron["spec"]["suspend"] is True
    assert cron["status"]["lastScheduledTime"] == "2026-11-30T00:01:00Z"


def test_bad_schedule_sets_one_condition() -> None:
    state, _server, clock, scheduler = _setup({"schedules": ["61 * * * *"]})
    scheduler.tick()
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == []
    cron = _cron(state)
    [condition] = cron["status"]["conditions"]
    assert condition["type"] == "SpecError"
    assert condition["message"].startswith("schedule '61 * * * *': ")
    clock.now += timedelta(minutes=1)
    scheduler.tick()
    assert _cron(state)["metadata"]["resourceVersion"] == cron["metadata"]["resourceVersion"]


def test_deleted_cron_is_forgotten() -> None:
    state, _server, clock, scheduler = _setup()
    scheduler.tick()
    assert state.delete("CronWorkflow", "argo", "c")
    clock.now += timedelta(minutes=1)
    assert scheduler.tick() == []
    assert scheduler._cursors == {}


def test_thread_ticks_and_stops() -> None:
    clock = Clock(T0)
    state = StateStore(None, now=clock)
    fired = threading.Event()
    ticks: list[datetime] = []

    def now() -> datetime:
        ticks.append(clock.now)
        if len(ticks) == 3:
            clock.now = T0 + timedelta(minutes=1)
        return clock.now

    def submit(workflow: dict[str, Any]) -> None:
        state.create("Workflow", workflow)
        fired.set()

    state.create(
        "CronWorkflow",
        {
            "metadata": {"name": "c", "namespace": "argo"},
            "spec": {"schedules": ["* * * * *"], "workflowSpec": SPEC},
        },
    )
    scheduler = CronScheduler(
        state=state, submit=submit, stop=lambda ns, name: None, now=now, interval=0.01
    )
    scheduler.start()
    scheduler.start()  # a second start does not add a thread
    try:
        assert fired.wait(timeout=10)
        assert scheduler.running
    finally:
        scheduler.close(timeout=5)
    assert not scheduler.running
    count = len(ticks)
    threading.Event().wait(0.05)  # five intervals: a live thread would tick again
    assert len(ticks) == count
    assert [wf["metadata"]["name"] for wf in state.list("Workflow")] == [f"c-{M1}"]


def test_a_broken_cron_does_not_stop_the_others() -> None:
    state, server, clock, scheduler = _setup()
    state.create(
        "CronWorkflow",
        {"metadata": {"name": "broken", "namespace": "argo"}, "spec": {"schedules": 5}},
    )
    scheduler.tick()
    clock.now = T0 + timedelta(minutes=1)
    assert scheduler.tick() == [f"c-{M1}"]
    assert [wf["metadata"]["name"] for wf in server.submitted] == [f"c-{M1}"]
