"""Locks and caches: ``synchronization`` (:class:`Mutex`, :class:`Semaphore`) and ``memoize``
(:class:`Memoize`), on templates and (locks) on workflows.

Each object checks its values when it is created, so an error names the user's line:

======  ======================================================================================
C155    a bad :class:`Mutex` or :class:`Semaphore` (empty name, a semaphore with neither or both
        of a ConfigMap key and a database key), or one lock listed twice in ``synchronization=``
C156    a bad :class:`Memoize` (empty key or ConfigMap name, a ``max_age`` that is no duration),
        or a memoize key naming ``{{inputs.parameters.X}}`` that is no input of the template
======  ======================================================================================

Argo v4 reads only the plural forms ``synchronization.mutexes`` and ``.semaphores`` (the singular
``mutex``/``semaphore`` were removed); ``memoize.maxAge`` is a Go duration and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tiphys.argo.durations import DurationError, to_go_duration
from tiphys.argo.names import memoize_key_problem
from tiphys.dsl._keywords import checked_init, kubernetes_name
from tiphys.dsl._location import fail, user_location
from tiphys.errors import Location

__all__ = ["Lock", "Memoize", "Mutex", "Semaphore", "synchronization_argo"]


def _text(value: object, what: str, code: str, location: Location) -> None:
    if not isinstance(value, str) or not value:
        raise fail(code, f"{what} must be a non-empty string, not {value!r}", location)


@checked_init
@dataclass(frozen=True)
class Mutex:
    """A mutex: at most one holder (workflow or template node) at a time
    (``synchronization.mutexes[]``).

    Attributes:
        name: The mutex's name; holders that name the same mutex (in the same namespace)
            exclude each other. May use ``{{...}}`` tags (``"deploy-{{workflow.parameters.env}}"``).
        namespace: Namespace the mutex lives in (``namespace``); default: the workflow's.
        database: Keep the lock in the controller's database, shared by every controller of
            the cluster (``database: true``, Argo v3.7+); default: in the controller's memory.

    Raises:
        CompileError: ``C155``, an empty name or namespace.
    """

    name: str
    namespace: str | None = None
    database: bool = False
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        _text(self.name, "Mutex name", "C155", self.location)
        if self.namespace is not None:
            _text(self.namespace, "Mutex namespace", "C155", self.location)

    def to_argo(self) -> dict[str, Any]:
        """Return the ``mutexes[]`` entry: ``{"name", "namespace"?, "database"?}``."""
        out: dict[str, Any] = {"name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        if self.database:
            out["database"] = True
        return out


@checked_init
@dataclass(frozen=True)
class Semaphore:
    """A semaphore: at most N holders at a time (``synchronization.semaphores[]``).

    The limit N is read from a ConfigMap key (``Semaphore(config_map="locks", key="deploy")``,
    the ConfigMap holding ``deploy: "2"``) or from the controller's database
    (``Semaphore(database_key="deploy")``, Argo v3.7+).

    Attributes:
        config_map: Name of the ConfigMap holding the limit (``configMapKeyRef.name``).
        key: Its key (``configMapKeyRef.key``).
        namespace: Namespace of the ConfigMap or lock (``namespace``); default: the workflow's.
        database_key: Key of the limit in the controller's database (``database.key``).

    Raises:
        CompileError: ``C155``, neither or both of ``config_map``/``key`` and ``database_key``,
            ``config_map`` without ``key`` (or the reverse), or empty strings.
    """

    config_map: str | None = None
    key: str | None = None
    namespace: str | None = None
    database_key: str | None = None
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_map = self.config_map is not None or self.key is not None
        if by_map == (self.database_key is not None):
            raise fail(
                "C155",
                "a Semaphore reads its limit from a ConfigMap or from the database: give "
                "config_map= and key=, or database_key=, not " + ("both" if by_map else "neither"),
                self.location,
            )
        if by_map:
            _text(self.config_map, "Semaphore config_map", "C155", self.location)
            kubernetes_name(self.config_map, "Semaphore config_map", "C155", self.location)
            _text(self.key, "Semaphore key", "C155", self.location)
        else:
            _text(self.database_key, "Semaphore database_key", "C155", self.location)
        if self.namespace is not None:
            _text(self.namespace, "Semaphore namespace", "C155", self.location)

    def to_argo(self) -> dict[str, Any]:
        """Return the ``semaphores[]`` entry: ``{"configMapKeyRef": {"name", "key"}}`` or
        ``{"database": {"key"}}``, with ``namespace`` when given."""
        out: dict[str, Any] = (
            {"configMapKeyRef": {"name": self.config_map, "key": self.key}}
            if self.database_key is None
            else {"database": {"key": self.database_key}}
        )
        if self.namespace:
            out["namespace"] = self.namespace
        return out


Lock = Mutex | Semaphore
"""One entry of ``synchronization=``."""


def synchronization_argo(locks: Sequence[Lock], location: Location) -> dict[str, Any]:
    """Render ``synchronization=[...]`` as the v4 ``synchronization`` dict.

    Args:
        locks: :class:`Mutex` and :class:`Semaphore` objects, in the user's order.
        location: Where the list was given (for errors).

    Returns:
        ``{"mutexes": [...], "semaphores": [...]}`` (each key only when used).

    Raises:
        CompileError: ``C155``, an item that is not a lock, or a lock listed twice (the holder
            would wait for itself).
    """
    out: dict[str, list[dict[str, Any]]] = {}
    seen: list[Lock] = []
    for lock in locks:
        if not isinstance(lock, Mutex | Semaphore):
            raise fail(
                "C155",
                f"synchronization= takes Mutex(...) and Semaphore(...) objects, not {lock!r}",
                location,
            )
        if lock in seen:
            raise fail("C155", f"{lock!r} is listed twice in synchronization=", lock.location)
        seen.append(lock)
        key = "mutexes" if isinstance(lock, Mutex) else "semaphores"
        out.setdefault(key, []).append(lock.to_argo())
    return {k: out[k] for k in ("mutexes", "semaphores") if k in out}


@checked_init
@dataclass(frozen=True)
class Memoize:
    """Cache a template's outputs in a ConfigMap and reuse them (``memoize``).

    A node whose key is found in the cache, and is younger than ``max_age``, is not run: its
    outputs come from the cache.

    Attributes:
        key: The cache key; use input tags so that different inputs get different entries
            (``"build-{{inputs.parameters.commit}}"``). Once its tags are replaced it must match
            ``[a-zA-Z0-9][-a-zA-Z0-9]*`` (letters, digits, ``-``), or the node fails: its own
            text is checked here, the values of its tags must fit too (a commit hash does, a
            branch name with ``/`` or ``.`` does not).
        config_map: Name of the ConfigMap holding the cache (``cache.configMap.name``); Argo
            creates it when missing.
        max_age: How old an entry may be to be reused: seconds or ``"10m"``, ``"1d"``...
            (``maxAge``, emitted as a Go duration such as ``"24h"``).

    Raises:
        CompileError: ``C156``, an empty key or ConfigMap name, a key whose text Argo's cache
            key rule refuses, or a ``max_age`` that is no duration.
    """

    key: str
    config_map: str
    max_age: int | float | str
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        _text(self.key, "Memoize key", "C156", self.location)
        problem = memoize_key_problem(self.key)
        if problem:
            raise fail("C156", f"Memoize key {self.key!r} {problem}", self.location)
        _text(self.config_map, "Memoize config_map", "C156", self.location)
        kubernetes_name(self.config_map, "Memoize config_map", "C156", self.location)
        self.max_age_go()

    def max_age_go(self) -> str:
        """``max_age`` as a Go duration (``"1d"`` -> ``"24h"``).

        Raises:
            CompileError: ``C156``, not a duration.
        """
        try:
            return to_go_duration(self.max_age)
        except DurationError as exc:
            raise fail("C156", f"Memoize max_age: {exc}", self.location) from None

    def to_argo(self) -> dict[str, Any]:
        """Return the ``memoize`` dict: ``{"key", "maxAge", "cache": {"configMap": {"name"}}}``."""
        return {
            "key": self.key,
            "maxAge": self.max_age_go(),
            "cache": {"configMap": {"name": self.config_map}},
        }
