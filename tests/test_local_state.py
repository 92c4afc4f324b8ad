"""tiphys.local.state: the local server's object store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tiphys.local.state import (
    AlreadyExists,
    Conflict,
    NotFound,
    StateError,
    StateStore,
    rfc3339,
)

T0 = datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC)


def _store(path: Path | None = None) -> StateStore:
    return StateStore(path, now=lambda: T0)


def _uid(obj: dict[str, Any]) -> str:
    uid = obj["metadata"]["uid"]
    assert isinstance(uid, str) and len(uid) == 36
    return uid


def test_create_sets_metadata() -> None:
    store = _store()
    tmpl = {"metadata": {"name": "x", "namespace": "argo"}, "spec": {"entrypoint": "main"}}
    got = store.create("WorkflowTemplate", tmpl)
    assert got == {
        "metadata": {
            "name": "x",
            "namespace": "argo",
            "uid": _uid(got),
            "creationTimestamp": "2026-11-30T01:02:03Z",
            "resourceVersion": "1",
        },
        "spec": {"entrypoint": "main"},
    }
    assert tmpl == {"metadata": {"name": "x", "namespace": "argo"}, "spec": {"entrypoint": "main"}}
    assert store.get("WorkflowTemplate", "argo", "x") == got
    assert store.get("WorkflowTemplate", "default", "x") is None
    assert store.get("CronWorkflow", "argo", "x") is None


def test_create_keeps_given_uid_and_timestamp_and_defaults_namespace() -> None:
    store = _store()
    got = store.create(
        "Workflow",
        {"metadata": {"name": "w", "uid": "u-1", "creationTimestamp": "2020-01-01T00:00:00Z"}},
    )
    assert got == {
        "metadata": {
            "name": "w",
            "namespace": "default",
            "uid": "u-1",
            "creationTimestamp": "2020-01-01T00:00:00Z",
            "resourceVersion": "1",
        }
    }


def test_create_refuses_a_taken_name() -> None:
    store = _store()
    store.create("WorkflowTemplate", {"metadata": {"name": "x", "namespace": "argo"}})
    with pytest.raises(AlreadyExists) as caught:
        store.create("WorkflowTemplate", {"metadata": {"name": "x", "namespace": "argo"}})
    assert str(caught.value) == 'workflowtemplates.argoproj.io "x" already exists'
    assert (caught.value.kind, caught.value.name, caught.value.reason) == (
        "WorkflowTemplate",
        "x",
        "AlreadyExists",
    )
    # the same name in another namespace or kind is free
    store.create("WorkflowTemplate", {"metadata": {"name": "x", "namespace": "other"}})
    store.create("CronWorkflow", {"metadata": {"name": "x", "namespace": "argo"}})


def test_resource_version_is_one_global_counter() -> None:
    store = _store()
    a = store.create("Workflow", {"metadata": {"name": "a"}})
    b = store.put("CronWorkflow", {"metadata": {"name": "b"}})
    a2 = store.put("Workflow", {"metadata": {"name": "a"}, "spec": {"x": 1}})
    assert [o["metadata"]["resourceVersion"] for o in (a, b, a2)] == ["1", "2", "3"]
    # an update keeps uid and creationTimestamp of the stored object
    assert a2["metadata"]["uid"] == a["metadata"]["uid"]
    assert store.get("Workflow", "default", "a") == a2


def test_put_with_expect_version() -> None:
    store = _store()
    first = store.create("WorkflowTemplate", {"metadata": {"name": "x"}, "spec": {"n": 1}})
    update = {"metadata": {"name": "x"}, "spec": {"n": 2}}
    second = store.put("WorkflowTemplate", update, expect_version="1")
    assert second == {
        "metadata": {
            "name": "x",
            "namespace": "default",
            "uid": first["metadata"]["uid"],
            "creationTimestamp": "2026-11-30T01:02:03Z",
            "resourceVersion": "2",
        },
        "spec": {"n": 2},
    }
    with pytest.raises(Conflict) as caught:
        store.put(
            "WorkflowTemplate", {"metadata": {"name": "x"}, "spec": {"n": 3}}, expect_version="1"
        )
    assert str(caught.value) == (
        'Operation cannot be fulfilled on workflowtemplates.argoproj.io "x": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    assert caught.value.reason == "Conflict"
    assert store.get("WorkflowTemplate", "default", "x") == second
    with pytest.raises(NotFound) as missing:
        store.put("WorkflowTemplate", {"metadata": {"name": "y"}}, expect_version="1")
    assert str(missing.value) == 'workflowtemplates.argoproj.io "y" not found'


def test_cluster_kinds_have_no_namespace() -> None:
    store = _store()
    got = store.create("ClusterWorkflowTemplate", {"metadata": {"name": "c", "namespace": "argo"}})
    assert got["metadata"] == {
        "name": "c",
        "uid": _uid(got),
        "creationTimestamp": "2026-11-30T01:02:03Z",
        "resourceVersion": "1",
    }
    assert store.get("ClusterWorkflowTemplate", "anything", "c") == got
    assert store.list("ClusterWorkflowTemplate", "argo") == [got]
    with pytest.raises(AlreadyExists) as caught:
        store.create("ClusterWorkflowTemplate", {"metadata": {"name": "c"}})
    assert str(caught.value) == 'clusterworkflowtemplates.argoproj.io "c" already exists'
    assert store.delete("ClusterWorkflowTemplate", "x", "c") is True
    assert store.list("ClusterWorkflowTemplate") == []


def test_list_and_delete() -> None:
    store = _store()
    for ns, name in (("b", "z"), ("a", "y"), ("b", "a"), ("a", "x")):
        store.create("Workflow", {"metadata": {"name": name, "namespace": ns}})
    store.create("CronWorkflow", {"metadata": {"name": "c", "namespace": "a"}})
    names = [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in store.list("Workflow")]
    assert names == [("a", "x"), ("a", "y"), ("b", "a"), ("b", "z")]
    assert [o["metadata"]["name"] for o in store.list("Workflow", "b")] == ["a", "z"]
    assert store.list("Workflow", "none") == []
    assert store.delete("Workflow", "b", "a") is True
    assert store.delete("Workflow", "b", "a") is False
    assert [o["metadata"]["name"] for o in store.list("Workflow", "b")] == ["z"]


def test_refuses_unknown_kind_and_nameless_objects() -> None:
    store = _store()
    with pytest.raises(StateError) as kind:
        store.put("Pod", {"metadata": {"name": "p"}})
    assert str(kind.value) == (
        "kind 'Pod' is not one the local server stores: use one of Workflow, WorkflowTemplate, "
        "ClusterWorkflowTemplate, CronWorkflow"
    )
    with pytest.raises(StateError) as name:
        store.create("Workflow", {"metadata": {"generateName": "p-"}})
    assert str(name.value) == "a Workflow needs metadata.name"


def test_returned_objects_are_copies() -> None:
    store = _store()
    got = store.create("Workflow", {"metadata": {"name": "a"}, "spec": {"l": [1]}})
    got["spec"]["l"].append(2)
    fetched = store.get("Workflow", "default", "a")
    assert fetched is not None and fetched["spec"] == {"l": [1]}


def test_file_store_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.sqlite"
    store = _store(path)
    a = store.create("Workflow", {"metadata": {"name": "a"}})
    store.close()
    again = _store(path)
    assert again.get("Workflow", "default", "a") == a
    b = again.create("Workflow", {"metadata": {"name": "b"}})
    assert b["metadata"]["resourceVersion"] == "2"
    again.close()
    import sqlite3

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_mark_interrupted() -> None:
    store = _store()
    running = {
        "metadata": {"name": "run", "labels": {"workflows.argoproj.io/phase": "Running"}},
        "status": {
            "phase": "Running",
            "startedAt": "2026-11-30T00:00:00Z",
            "finishedAt": None,
            "nodes": {
                "run": {"id": "run", "phase": "Running", "startedAt": "2026-11-30T00:00:00Z"},
                "run-1": {
                    "id": "run-1",
                    "phase": "Succeeded",
                    "finishedAt": "2026-11-30T00:00:05Z",
                },
                "run-2": {"id": "run-2", "phase": "Pending"},
            },
        },
    }
    store.create("Workflow", running)
    store.create("Workflow", {"metadata": {"name": "new", "namespace": "argo"}})
    done = {"metadata": {"name": "done"}, "status": {"phase": "Failed"}}
    stored_done = store.create("Workflow", done)
    later = datetime(2026, 11, 30, 2, 0, 0, tzinfo=UTC)
    assert store.mark_interrupted(later) == ["new", "run"]
    got = store.get("Workflow", "default", "run")
    assert got is not None
    assert got == {
        "metadata": {
            "name": "run",
            "namespace": "default",
            "uid": got["metadata"]["uid"],
            "creationTimestamp": "2026-11-30T01:02:03Z",
            "resourceVersion": "5",
            "labels": {
                "workflows.argoproj.io/phase": "Error",
                "workflows.argoproj.io/completed": "true",
            },
        },
        "status": {
            "phase": "Error",
            "message": "the local server stopped while this workflow was running",
            "startedAt": "2026-11-30T00:00:00Z",
            "finishedAt": "2026-11-30T02:00:00Z",
            "nodes": {
                "run": {
                    "id": "run",
                    "phase": "Error",
                    "startedAt": "2026-11-30T00:00:00Z",
                    "finishedAt": "2026-11-30T02:00:00Z",
                },
                "run-1": {
                    "id": "run-1",
                    "phase": "Succeeded",
                    "finishedAt": "2026-11-30T00:00:05Z",
                },
                "run-2": {"id": "run-2", "phase": "Error", "finishedAt": "2026-11-30T02:00:00Z"},
            },
        },
    }
    new = store.get("Workflow", "argo", "new")
    assert new is not None and new["status"] == {
        "phase": "Error",
        "message": "the local server stopped while this workflow was running",
        "finishedAt": "2026-11-30T02:00:00Z",
    }
    assert store.get("Workflow", "default", "done") == stored_done
    assert store.mark_interrupted(later) == []


def test_threads_get_distinct_versions() -> None:
    store = _store()
    versions: list[str] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        for i in range(25):
            obj = store.put("Workflow", {"metadata": {"name": f"w{k}-{i}"}})
            with lock:
                versions.append(obj["metadata"]["resourceVersion"])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(versions, key=int) == [str(n) for n in range(1, 101)]
    assert len(store.list("Workflow")) == 100


def test_rfc3339() -> None:
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 999)) == "2026-01-02T03:04:05Z"
    from zoneinfo import ZoneInfo

    paris = datetime(2026, 7, 1, 12, 0, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert rfc3339(paris) == "2026-07-01T10:00:00Z"


def test_subscribe_sees_every_change() -> None:
    store = _store()
    events: list[tuple[str, str, str, str]] = []

    def listener(event: str, kind: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        events.append((event, kind, meta["name"], meta["resourceVersion"]))
        obj["metadata"]["name"] = "changed by the listener"

    def broken(event: str, kind: str, obj: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    store.subscribe(broken)
    unsubscribe = store.subscribe(listener)
    store.create("Workflow", {"metadata": {"name": "a"}})
    store.put("Workflow", {"metadata": {"name": "a"}, "status": {"phase": "Running"}})
    store.put("CronWorkflow", {"metadata": {"name": "c"}})
    store.mark_interrupted(T0)
    assert store.delete("CronWorkflow", "default", "c") is True
    assert store.delete("CronWorkflow", "default", "c") is False
    unsubscribe()
    unsubscribe()
    store.delete("Workflow", "default", "a")
    assert events == [
        ("ADDED", "Workflow", "a", "1"),
        ("MODIFIED", "Workflow", "a", "2"),
        ("ADDED", "CronWorkflow", "c", "3"),
        ("MODIFIED", "Workflow", "a", "4"),
        ("DELETED", "CronWorkflow", "c", "3"),
    ]
    assert store.list("Workflow") == []


def test_list_by_labels() -> None:
    store = _store()
    label = "workflows.argoproj.io/cron-workflow"
    store.create("Workflow", {"metadata": {"name": "a", "labels": {label: "c", "x": "1"}}})
    store.create("Workflow", {"metadata": {"name": "b", "labels": {label: "d", "x": "1"}}})
    store.create("Workflow", {"metadata": {"name": "c"}})
    store.create("Workflow", {"metadata": {"name": "d", "namespace": "o", "labels": {label: "c"}}})

    def names(**kw: Any) -> list[str]:
        return [o["metadata"]["name"] for o in store.list("Workflow", **kw)]

    assert names(labels={label: "c"}) == ["a", "d"]
    assert names(namespace="default", labels={label: "c"}) == ["a"]
    assert names(labels={label: "c", "x": "1"}) == ["a"]
    assert names(labels={"x": "1"}) == ["a", "b"]
    assert names(labels={"x": "2"}) == []
    assert names(labels={}) == ["a", "b", "c", "d"]
    assert names(labels={'we"ird': "1"}) == []
