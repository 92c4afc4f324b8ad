"""Dependency cycles in a graph of named things (DAG tasks, container-set containers).

One depth-first search serves the DSL checks, which stop at the first cycle, and the YAML checks,
which report every distinct one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def find_cycles(roots: Iterable[K], edges: Callable[[K], Iterable[K]]) -> Iterator[list[K]]:
    """Yield each dependency cycle once, as ``[a, b, ..., a]``.

    The search is iterative (deep graphs do not hit Python's recursion limit), visits ``roots``
    in order and each node's edges in order, so the cycles come in a stable order. A cycle is
    reported once whatever node it is entered from.

    Args:
        roots: Every node, in the order to search from.
        edges: The nodes a node depends on (nodes it names that are not roots are followed too).

    Yields:
        Each cycle as the list of its nodes, the first repeated at the end.
    """
    done: set[K] = set()
    reported: set[frozenset[K]] = set()
    for root in roots:
        if root in done:
            continue
        path, on_path = [root], {root}
        pending: list[Iterator[K]] = [iter(edges(root))]
        while pending:
            dep = next(pending[-1], None)
            if dep is None:
                on_path.discard(path[-1])
                done.add(path.pop())
                pending.pop()
            elif dep in on_path:
                cycle = [*path[path.index(dep) :], dep]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield cycle
            elif dep not in done:
                path.append(dep)
                on_path.add(dep)
                pending.append(iter(edges(dep)))
