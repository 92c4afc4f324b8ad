"""Property: random DAGs compile to schema-valid manifests whose dependency graph is the one
built, whether edges come from data flow (arguments, f-strings) or from ``.after()``."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from schema_oracle import oracle_errors
from tiphys import Workflow, container, dag
from tiphys.validate import validate_document


@container(image="alpine:3.20", command=["echo"])
def node(msg: str = "") -> list[str]:
    return [msg]


@st.composite
def dag_shapes(draw: st.DrawFn) -> list[dict[int, str]]:
    """For each task, its earlier dependencies and how each edge is made."""
    n = draw(st.integers(min_value=1, max_value=25))
    shape: list[dict[int, str]] = []
    for i in range(n):
        deps = draw(st.sets(st.integers(min_value=0, max_value=max(i - 1, 0)), max_size=4))
        edges = {d: draw(st.sampled_from(["arg", "fstring", "after"])) for d in deps if d < i}
        shape.append(edges)
    return shape


def build(shape: list[dict[int, str]]) -> Workflow:
    @dag
    def graph() -> None:
        tasks: list[Any] = []
        for i, edges in enumerate(shape):
            direct = [d for d, how in edges.items() if how == "arg"]
            formatted = [d for d, how in edges.items() if how == "fstring"]
            after = [tasks[d] for d, how in edges.items() if how == "after"]
            if direct and not formatted:
                msg: Any = tasks[direct[0]].result
                formatted = direct[1:]
            else:
                msg = ""
                formatted += direct
            if formatted:
                msg = f"{msg}" + "-".join(f"{tasks[d].result}" for d in formatted)
            task = node(msg=msg).named(f"t{i}")
            if after:
                task.after(*after)
            tasks.append(task)

    return Workflow("random-dag", entrypoint=graph)


@given(dag_shapes())
def test_random_dags_compile_to_the_graph_built(shape: list[dict[int, str]]) -> None:
    manifest = build(shape).to_dict()
    assert oracle_errors(manifest) == []
    tasks = manifest["spec"]["templates"][0]["dag"]["tasks"]
    assert [t["name"] for t in tasks] == [f"t{i}" for i in range(len(shape))]
    got = {t["name"]: set(t["depends"].split(" && ")) if "depends" in t else set() for t in tasks}
    want = {f"t{i}": {f"t{d}" for d in edges} for i, edges in enumerate(shape)}
    assert got == want


def test_a_large_random_dag_also_passes_the_validator() -> None:
    shape = [{j: "arg" for j in range(max(0, i - 3), i)} for i in range(60)]
    manifest = build(shape).to_dict()
    assert [d.format() for d in validate_document(manifest)] == []
