"""The local server's object store: Workflows, WorkflowTemplates, ClusterWorkflowTemplates and
CronWorkflows kept as JSON in one SQLite table, as the Kubernetes API server keeps them in etcd.

Each object is stored under ``(kind, namespace, name)``; cluster kinds use the namespace ``""``.
Every write gives the object a new ``metadata.resourceVersion`` from one counter shared by all
kinds (as etcd's revision is shared), so a client can detect a concurrent change: a write that
names the version it read (``expect_version``) fails with :class:`Conflict` when the stored
version differs, with the Kubernetes API server's message. Creating a name that is taken fails
with :class:`AlreadyExists`.

The store is thread-safe (one lock around one connection). With a path it is a SQLite file in WAL
mode that survives restarts (see :meth:`StateStore.mark_interrupted`); with ``None`` it lives in
memory.
"""

from __future__ import annotations

import builtins
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tiphys.errors import TiphysError

Listener = Callable[[str, str, dict[str, Any]], None]
"""``listener(event, kind, obj)``: see :meth:`StateStore.subscribe`."""

_log = logging.getLogger(__name__)

__all__ = [
    "CLUSTER_KINDS",
    "INTERRUPTED_MESSAGE",
    "KINDS",
    "AlreadyExists",
    "Conflict",
    "Listener",
    "NotFound",
    "StateError",
    "StateStore",
    "rfc3339",
]

KINDS: dict[str, str] = {
    "Workflow": "workflows",
    "WorkflowTemplate": "workflowtemplates",
    "ClusterWorkflowTemplate": "clusterworkflowtemplates",
    "CronWorkflow": "cronworkflows",
}
"""The kinds the store holds, each with its Kubernetes resource (plural) name."""

CLUSTER_KINDS = frozenset({"ClusterWorkflowTemplate"})
"""Kinds that are not namespaced: stored under the namespace ``""``."""

INTERRUPTED_MESSAGE = "the local server stopped while this workflow was running"
"""``status.message`` of a Workflow that was running when the server stopped."""

_DONE = frozenset({"Succeeded", "Failed", "Error"})
_NODE_UNFINISHED = frozenset({"Running", "Pending"})
_GROUP = "argoproj.io"


def rfc3339(when: datetime) -> str:
    """Format a time as Argo writes times in status: RFC3339 UTC to the second.

    Args:
        when: A timezone-aware time (a naive one is taken as UTC).

    Returns:
        Text such as ``"2026-11-30T01:02:03Z"``.
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StateError(TiphysError):
    """A write was refused (base of :class:`Conflict`, :class:`AlreadyExists`, :class:`NotFound`),
    or a kind or object is not one the store holds.

    Attributes:
        kind: The object's kind (``"WorkflowTemplate"``), or ``""``.
        name: The object's ``metadata.name``, or ``""``.
        reason: The Kubernetes status reason: ``"Conflict"``, ``"AlreadyExists"``,
            ``"NotFound"``, or ``"Invalid"`` for a bad kind or object.
    """

    reason = "Invalid"

    def __init__(self, message: str, *, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class Conflict(StateError):
    """A write named a ``resourceVersion`` that is no longer the stored one (HTTP 409,
    gRPC ``Aborted`` in Argo Server)."""

    reason = "Conflict"


class AlreadyExists(StateError):
    """A create named an object that exists (HTTP 409, gRPC ``AlreadyExists``)."""

    reason = "AlreadyExists"


class NotFound(StateError):
    """A write with ``expect_version`` named an object that does not exist (HTTP 404)."""

    reason = "NotFound"


def _resource(kind: str) -> str:
    return f"{KINDS[kind]}.{_GROUP}"


def _conflict(kind: str, name: str) -> Conflict:
    # k8s.io/apimachinery/pkg/api/errors NewConflict + registry.OptimisticLockErrorMsg.
    return Conflict(
        f'Operation cannot be fulfilled on {_resource(kind)} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        kind=kind,
        name=name,
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """Workflows, templates and CronWorkflows of the local server, with resource versions.

    Args:
        path: The SQLite file (created with its parent directory when missing), or ``None`` for
            a store in memory that ends with the process.
        now: The clock used for ``creationTimestamp`` (default: the current UTC time).

    Every method may be called from any thread. Objects given are never modified; objects
    returned are fresh copies the caller may change. :meth:`subscribe` tells listeners of every
    change, as a Kubernetes watch does.
    """

    def __init__(self, path: Path | None, *, now: Callable[[], datetime] = _utcnow) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._listeners: builtins.list[Listener] = []
        if path is None:
            target = ":memory:"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            target = str(path)
        self._db = sqlite3.connect(target, check_same_thread=False)
        with self._lock:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, namespace TEXT NOT NULL,"
                " name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, namespace, name))"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 0),"
                " value INTEGER NOT NULL)"
            )
            with self._db:
                self._db.execute("INSERT OR IGNORE INTO counter (id, value) VALUES (0, 0)")

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event, kind, obj)`` after every change, on the writer's thread.

        ``event`` is ``"ADDED"``, ``"MODIFIED"`` or ``"DELETED"`` (Kubernetes watch event
        types); ``obj`` is a copy of the object as stored (as it was, for ``DELETED``). Events
        come after the change is committed, in commit order for one writer; a listener that
        raises is logged and skipped. A listener may call the store.

        Returns:
            A function that removes the listener.
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, events: builtins.list[tuple[str, str, dict[str, Any]]]) -> None:
        with self._lock:
            listeners = builtins.list(self._listeners)
        for event, kind, obj in events:
            for listener in listeners:
                try:
                    listener(event, kind, json.loads(json.dumps(obj)))
                except Exception:  # one listener must not break a write
                    _log.exception("state listener failed")

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()

    # -- helpers (called with the lock held) ----------------------------------------------------

    def _key(self, kind: str, obj: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
        if kind not in KINDS:
            raise StateError(
                f"kind {kind!r} is not one the local server stores: use one of {', '.join(KINDS)}"
            )
        body: dict[str, Any] = json.loads(json.dumps(obj))
        metadata = body.get("metadata")
        if not isinstance(metadata, dict):
            metadata = body["metadata"] = {}
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise StateError(f"a {kind} needs metadata.name", kind=kind)
        if kind in CLUSTER_KINDS:
            metadata.pop("namespace", None)
            namespace = ""
        else:
            namespace = metadata.get("namespace") or "default"
            metadata["namespace"] = namespace
        return namespace, name, body

    def _read(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT body FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
            (kind, namespace, name),
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def _write(
        self,
        kind: str,
        namespace: str,
        body: dict[str, Any],
        old: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        metadata = body["metadata"]
        old_meta = old.get("metadata", {}) if old is not None else {}
        # uid and creationTimestamp are immutable in Kubernetes: an update keeps the stored ones.
        for key in ("uid", "creationTimestamp"):
            if key in old_meta:
                metadata[key] = old_meta[key]
        if not metadata.get("uid"):
            metadata["uid"] = str(uuid.uuid4())
        if not metadata.get("creationTimestamp"):
            metadata["creationTimestamp"] = rfc3339(self._now())
        (version,) = self._db.execute(
            "UPDATE counter SET value = value + 1 WHERE id = 0 RETURNING value"
        ).fetchone()
        metadata["resourceVersion"] = str(version)
        self._db.execute(
            "INSERT OR REPLACE INTO objects (kind, namespace, name, body) VALUES (?, ?, ?, ?)",
            (kind, namespace, metadata["name"], json.dumps(body, separators=(",", ":"))),
        )
        return body

    # -- public API -----------------------------------------------------------------------------

    def put(
        self, kind: str, obj: Mapping[str, Any], *, expect_version: str | None = None
    ) -> dict[str, Any]:
        """Create or replace an object (a Kubernetes ``Update``, creating when absent).

        Args:
            kind: ``Workflow``, ``WorkflowTemplate``, ``ClusterWorkflowTemplate`` or
                ``CronWorkflow``.
            obj: The whole object; ``metadata.name`` is required; ``metadata.namespace``
                defaults to ``"default"`` (dropped for cluster kinds).
            expect_version: The ``resourceVersion`` the caller read, or ``None`` to write
                whatever is stored.

        Returns:
            The stored object, with a new ``metadata.resourceVersion`` and the ``uid`` and
            ``creationTimestamp`` it was stored with (new ones when it is new and has none).

        Raises:
            Conflict: ``expect_version`` differs from the stored version.
            NotFound: ``expect_version`` is given and the object does not exist.
            StateError: Unknown kind or no ``metadata.name``.
        """
        with self._lock:
            namespace, name, body = self._key(kind, obj)
            with self._db:
                old = self._read(kind, namespace, name)
                if expect_version is not None:
                    if old is None:
                        raise NotFound(
                            f'{_resource(kind)} "{name}" not found', kind=kind, name=name
                        )
                    if old.get("metadata", {}).get("resourceVersion") != expect_version:
                        raise _conflict(kind, name)
                stored = self._write(kind, namespace, body, old)
        self._notify([("ADDED" if old is None else "MODIFIED", kind, stored)])
        return stored

    def create(self, kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new object (a Kubernetes ``Create``).

        Args:
            kind: As for :meth:`put`.
            obj: The whole object, as for :meth:`put`; a ``resourceVersion`` in it is ignored.

        Returns:
            The stored object, with ``resourceVersion``, ``uid`` and ``creationTimestamp``.

        Raises:
            AlreadyExists: The name is taken in that namespace, e.g.
                ``workflowtemplates.argoproj.io "x" already exists``.
            StateError: Unknown kind or no ``metadata.name``.
        """
        with self._lock:
            namespace, name, body = self._key(kind, obj)
            with self._db:
                if self._read(kind, namespace, name) is not None:
                    raise AlreadyExists(
                        f'{_resource(kind)} "{name}" already exists', kind=kind, name=name
                    )
                stored = self._write(kind, namespace, body, None)
        self._notify([("ADDED", kind, stored)])
        return stored

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """One object, or ``None`` when absent. ``namespace`` is ignored for cluster kinds."""
        if kind in CLUSTER_KINDS:
            namespace = ""
        with self._lock:
            return self._read(kind, namespace, name)

    def list(
        self, kind: str, namespace: str | None = None, *, labels: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """The objects of one kind, ordered by namespace then name (as the API server lists them).

        Args:
            kind: As for :meth:`put`.
            namespace: One namespace, or ``None`` for all (ignored for cluster kinds).
            labels: Only objects with all these labels at these values (an equality label
                selector, evaluated in SQLite so that other objects are not decoded); default
                none.
        """
        query = "SELECT body FROM objects WHERE kind = ?"
        args: tuple[str, ...] = (kind,)
        if namespace is not None and kind not in CLUSTER_KINDS:
            query += " AND namespace = ?"
            args += (namespace,)
        for key, value in (labels or {}).items():
            query += " AND json_extract(body, ?) = ?"
            args += ("$.metadata.labels." + json.dumps(key), value)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY namespace, name", args).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def delete(self, kind: str, namespace: str, name: str) -> bool:
        """Remove one object; ``True`` when it existed. ``namespace`` is ignored for cluster
        kinds."""
        if kind in CLUSTER_KINDS:
            namespace = ""
        with self._lock, self._db:
            old = self._read(kind, namespace, name)
            if old is None:
                return False
            self._db.execute(
                "DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                (kind, namespace, name),
            )
        self._notify([("DELETED", kind, old)])
        return True

    def mark_interrupted(self, now: datetime) -> builtins.list[str]:
        """End the Workflows a previous server left unfinished (call once at start-up).

        Each Workflow whose ``status.phase`` is not ``Succeeded``, ``Failed`` or ``Error`` gets
        phase ``Error``, message :data:`INTERRUPTED_MESSAGE`, ``finishedAt`` ``now`` and the
        labels ``workflows.argoproj.io/phase: Error`` and ``workflows.argoproj.io/completed:
        "true"``; its ``Running`` and ``Pending`` nodes get phase ``Error`` and ``finishedAt``
        ``now`` (when they had none).

        Args:
            now: The time written as ``finishedAt``.

        Returns:
            The names of the Workflows changed, ordered by namespace then name.
        """
        stamp = rfc3339(now)
        changed: builtins.list[str] = []
        events: builtins.list[tuple[str, str, dict[str, Any]]] = []
        with self._lock, self._db:
            rows = self._db.execute(
                "SELECT namespace, body FROM objects WHERE kind = 'Workflow'"
                " ORDER BY namespace, name"
            ).fetchall()
            for namespace, text in rows:
                workflow: dict[str, Any] = json.loads(text)
                status = workflow.setdefault("status", {})
                if status.get("phase") in _DONE:
                    continue
                status["phase"] = "Error"
                status["message"] = INTERRUPTED_MESSAGE
                status["finishedAt"] = stamp
                for node in (status.get("nodes") or {}).values():
                    if node.get("phase") in _NODE_UNFINISHED:
                        node["phase"] = "Error"
                        if not node.get("finishedAt"):
                            node["finishedAt"] = stamp
                labels = workflow["metadata"].setdefault("labels", {})
                labels["workflows.argoproj.io/phase"] = "Error"
                labels["workflows.argoproj.io/completed"] = "true"
                stored = self._write("Workflow", namespace, workflow, workflow)
                events.append(("MODIFIED", "Workflow", stored))
                changed.append(workflow["metadata"]["name"])
        self._notify(events)
        return changed
