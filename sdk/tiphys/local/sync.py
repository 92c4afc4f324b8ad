"""Local mutexes and semaphores (``synchronization``), shared by the runs of one event loop.

Argo keys a lock by ``<namespace>/Mutex/<name>`` or ``<namespace>/ConfigMap/<configmap>/<key>``
(``workflow/sync``); a semaphore's limit is the integer value of that ConfigMap key, read here
from the local store. Waiters are served first come, first served.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from tiphys.errors import TiphysError

__all__ = ["SyncError", "SyncManager"]


class SyncError(TiphysError):
    """A semaphore's limit cannot be read (missing ConfigMap key, not an integer)."""


class _Lock:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.waiters: list[asyncio.Future[None]] = []


class SyncManager:
    """Mutexes and semaphores of one event loop (use :meth:`for_loop`)."""

    _by_loop: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SyncManager]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self) -> None:
        self._locks: dict[str, _Lock] = {}

    @classmethod
    def for_loop(cls, loop: asyncio.AbstractEventLoop) -> SyncManager:
        """The manager shared by every run on ``loop``."""
        manager = cls._by_loop.get(loop)
        if manager is None:
            manager = cls._by_loop[loop] = cls()
        return manager

    def keys(self, sync: Mapping[str, Any], namespace: str, store: Any) -> list[tuple[str, int]]:
        """The locks a ``synchronization`` block takes, with their limits.

        Args:
            sync: ``{"mutex": {...}}``, ``{"mutexes": [...]}``, ``{"semaphore": {...}}`` or
                ``{"semaphores": [...]}`` (``configMapKeyRef: {name, key}``; ``namespace``
                optional).
            namespace: The workflow's namespace.
            store: The :class:`tiphys.local.store.LocalStore` holding the limits.

        Returns:
            ``(key, limit)`` pairs, sorted by key (so two holders never deadlock).

        Raises:
            SyncError: A semaphore's limit is missing or not an integer.
        """
        out: dict[str, int] = {}
        mutexes = list(sync.get("mutexes") or ())
        if sync.get("mutex"):
            mutexes.append(sync["mutex"])
        for mutex in mutexes:
            ns = mutex.get("namespace") or namespace
            out[f"{ns}/Mutex/{mutex.get('name')}"] = 1
        semaphores = list(sync.get("semaphores") or ())
        if sync.get("semaphore"):
            semaphores.append(sync["semaphore"])
        for sem in semaphores:
            ref = sem.get("configMapKeyRef") or {}
            ns = sem.get("namespace") or namespace
            name, key = str(ref.get("name") or ""), str(ref.get("key") or "")
            try:
                text = store.configmap(name, key)
            except TiphysError as exc:
                raise SyncError(f"failed to get semaphore limit: {exc}") from None
            try:
                limit = int(str(text).strip())
            except ValueError:
                raise SyncError(
                    f"semaphore limit in configmap '{name}' key '{key}' is not an integer: {text!r}"
                ) from None
            out[f"{ns}/ConfigMap/{name}/{key}"] = limit
        return sorted(out.items())

    def waiting_message(self, keys: list[tuple[str, int]]) -> str:
        """Argo's message for a node waiting on a held lock, or ``""`` when all are free."""
        for key, limit in keys:
            lock = self._locks.get(key)
            if lock is not None and lock.held >= limit:
                return f"Waiting for {key} lock. Lock status: {limit - lock.held}/{limit}"
        return ""

    async def acquire(self, keys: list[tuple[str, int]]) -> Callable[[], None]:
        """Take every lock (in key order), waiting as needed.

        Returns:
            A function releasing them (call it once).
        """
        taken: list[_Lock] = []
        try:
            for key, limit in keys:
                lock = self._locks.get(key)
                if lock is None:
                    lock = self._locks[key] = _Lock(limit)
                lock.limit = limit
                if lock.held >= lock.limit or lock.waiters:
                    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                    lock.waiters.append(waiter)
                    try:
                        await waiter
                    except BaseException:
                        if waiter in lock.waiters:
                            lock.waiters.remove(waiter)
                        elif waiter.done() and not waiter.cancelled():
                            lock.held -= 1
                            self._wake(lock)
                        raise
                else:
                    lock.held += 1
                taken.append(lock)
        except BaseException:
            for lock in taken:
                lock.held -= 1
                self._wake(lock)
            raise

        def release() -> None:
            for lock in taken:
                lock.held -= 1
                self._wake(lock)
            taken.clear()

        return release

    def _wake(self, lock: _Lock) -> None:
        while lock.waiters and lock.held < lock.limit:
            waiter = lock.waiters.pop(0)
            if not waiter.done():
                lock.held += 1
                waiter.set_result(None)
