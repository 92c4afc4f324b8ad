"""find_cycles: every dependency cycle once, in a stable order, on deep graphs too."""

from __future__ import annotations

from tiphys.argo.graphs import find_cycles


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    return list(find_cycles(graph, lambda n: graph.get(n, [])))


def test_acyclic_graph_has_none() -> None:
    assert cycles({"a": [], "b": ["a"], "c": ["a", "b"]}) == []


def test_each_cycle_once_whatever_node_it_is_entered_from() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a", "e"], "e": ["d"]}
    assert cycles(graph) == [["a", "b", "c", "a"], ["d", "e", "d"]]


def test_self_dependency_and_unknown_names() -> None:
    assert cycles({"a": ["a", "zz"]}) == [["a", "a"]]


def test_a_deep_chain_does_not_recurse() -> None:
    n = 20_000
    graph = {f"t{i}": [f"t{i + 1}"] for i in range(n)}
    graph[f"t{n}"] = ["t0"]
    (cycle,) = cycles(graph)
    assert len(cycle) == n + 2 and cycle[0] == cycle[-1] == "t0"
