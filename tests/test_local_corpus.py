"""Issue 5's proof on real input: upstream's example workflows run on the local runner.

Every Workflow of ``../shared/argo/examples/`` runs unless :func:`corpus_categories.category`
finds, in its manifest, a reason it cannot run here (a cluster resource, an artifact
repository, the network, a non-host image, or upstream's ``duration``/``flaky`` label). Like
upstream's test run, the corpus's ConfigMaps, WorkflowTemplates and ClusterWorkflowTemplates
are loaded first. Each runnable example must end in the phase upstream's test contract expects
(Succeeded; Failed for ``no-test: expected-failure``), and where the example says what it
prints or outputs, that too is checked.

A suspend node with no duration waits for a person: like a person approving in the UI, the
test resumes it (or sets the outputs its template declares as supplied, choosing the input's
default) once it is running.

``test_corpus_counts`` prints the count per category (``pytest -s`` shows it) and requires at
least 60 runnable examples.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from corpus_categories import category, expected_phase
from schema_oracle import SHARED_ARGO, shared_argo

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("corpus")]

EXAMPLES = SHARED_ARGO / "examples" if (SHARED_ARGO / "examples").is_dir() else None
TIMEOUT = 300.0  # seconds a single example may take (bounded wait)
CONCURRENCY = 12  # examples running at once


def _documents() -> list[tuple[str, int, dict[str, Any]]]:
    if EXAMPLES is None:
        return []
    import yaml

    found = []
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        for index, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if isinstance(doc, dict):
                found.append((str(path.relative_to(EXAMPLES)), index, doc))
    return found


DOCUMENTS = _documents()
WORKFLOWS = [(f, i, d) for f, i, d in DOCUMENTS if d.get("kind") == "Workflow"]
RUNNABLE = [(f, i, d) for f, i, d in WORKFLOWS if category(d) is None]


def _ids(items: list[tuple[str, int, dict[str, Any]]]) -> list[str]:
    return [f"{f}#{i}" for f, i, _ in items]


def _templates() -> dict[tuple[str, bool], dict[str, Any]]:
    kinds = {"WorkflowTemplate": False, "ClusterWorkflowTemplate": True}
    return {
        (d["metadata"]["name"], kinds[d["kind"]]): d
        for _, _, d in DOCUMENTS
        if d.get("kind") in kinds
    }


def _commented_configmaps() -> list[dict[str, Any]]:
    """ConfigMaps an example's opening comment tells the reader to create first.

    synchronization-wf-level.yaml's semaphore reads ConfigMap ``my-config``, which exists only
    in that comment ("Eg.: apiVersion: v1 / kind: ConfigMap ..."): upstream's e2e setup
    (test/e2e/examples_test.go) applies only examples/configmaps/simple-parameters-configmap.yaml,
    and labels the example ``no-test: environment`` for that reason. Here the reader's step is
    done for them: every YAML document of kind ConfigMap in a file's leading ``#`` block is
    loaded (memoize-simple.yaml's ``cache-config`` holds an entry older than its maxAge).
    """
    if EXAMPLES is None:
        return []
    import yaml

    found = []
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        lines = []
        for line in path.read_text().splitlines():
            if not line.startswith("#"):
                break
            lines.append(line[2:] if line.startswith("# ") else line[1:])
        for chunk in "\n".join(lines).split("\n---"):
            start = chunk.find("apiVersion:")
            if start < 0:
                continue
            try:
                doc = yaml.safe_load(chunk[start:])
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and doc.get("kind") == "ConfigMap":
                found.append(doc)
    return found


COMMENTED_CONFIGMAPS = _commented_configmaps()


def _store() -> Any:
    from tiphys.local.store import LocalStore

    store = LocalStore()
    for _, _, doc in DOCUMENTS:
        if doc.get("kind") in ("ConfigMap", "Secret"):
            store.add_manifest(doc)
    for doc in COMMENTED_CONFIGMAPS:
        store.add_manifest(doc)
    return store


def _waiting_suspends(workflow: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    templates = {t["name"]: t for t in workflow["spec"].get("templates") or []}
    for node in ((workflow.get("status") or {}).get("nodes") or {}).values():
        if node.get("type") != "Suspend" or node.get("phase") != "Running":
            continue
        template = templates.get(node.get("templateName") or "", {})
        if not (template.get("suspend") or {}).get("duration"):
            yield node


def _approve(run: Any, node: Mapping[str, Any]) -> None:
    """What a person does in the UI: set supplied outputs (input default), else resume."""
    template = {t["name"]: t for t in run.workflow["spec"]["templates"]}[node["templateName"]]
    supplied = [
        p["name"]
        for p in (template.get("outputs") or {}).get("parameters") or []
        if "supplied" in (p.get("valueFrom") or {})
    ]
    selector = f"id={node['id']}"
    if supplied:
        defaults = {
            p["name"]: p.get("default", "")
            for p in (template.get("inputs") or {}).get("parameters") or []
        }
        run.set_node(
            selector,
            phase="Succeeded",
            output_parameters={name: defaults.get(name, "") for name in supplied},
        )
    else:
        run.resume(selector)


async def _run(doc: Mapping[str, Any], run_dir: Path, limit: asyncio.Semaphore) -> Any:
    """One example to its end (a dict), or a text saying why it did not end in time."""
    from tiphys.local.engine import LocalRun, RunOptions, prepare_workflow

    templates = _templates()
    options = RunOptions(
        run_dir=run_dir,
        backend="host",
        store=_store(),
        templates=lambda name, cluster: templates.get((name, cluster)),
    )
    async with limit:
        run = LocalRun(prepare_workflow(doc), options)
        task = asyncio.ensure_future(run.execute())
        approved: set[str] = set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while not task.done():
            if loop.time() > deadline:
                run.terminate()
                await asyncio.wait_for(task, 30)
                return f"still running after {TIMEOUT:.0f} s: {run.workflow['status']}"
            for node in _waiting_suspends(run.workflow):
                if node["id"] not in approved:
                    approved.add(node["id"])
                    _approve(run, node)
            await asyncio.wait([task], timeout=0.1)
        return task.result()


async def _run_all(root: Path) -> dict[str, Any]:
    limit = asyncio.Semaphore(CONCURRENCY)
    ids = _ids(RUNNABLE)
    results = await asyncio.gather(
        *(_run(doc, root / f"run{n}", limit) for n, (_, _, doc) in enumerate(RUNNABLE)),
        return_exceptions=True,
    )
    return dict(zip(ids, results, strict=True))


@pytest.fixture(scope="module")
def finals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every runnable example run once, all on one loop, at most CONCURRENCY at a time."""
    started = time.monotonic()
    results = asyncio.run(_run_all(tmp_path_factory.mktemp("corpus")))
    print(f"\ncorpus: {len(results)} examples in {time.monotonic() - started:.1f} s")
    return results


def test_corpus_counts() -> None:
    shared_argo()  # skips, or fails under CI=true, when the corpus is absent
    counts = collections.Counter(category(d) or "runs" for _, _, d in WORKFLOWS)
    print("\nupstream examples by category:")
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:4d}  {name}")
    assert counts["runs"] >= 60, counts


@pytest.mark.parametrize(("file", "index", "doc"), RUNNABLE, ids=_ids(RUNNABLE))
def test_example_runs(file: str, index: int, doc: dict[str, Any], finals: dict[str, Any]) -> None:
    final = finals[f"{file}#{index}"]
    if isinstance(final, BaseException):
        raise final
    if isinstance(final, str):
        pytest.fail(final)
    status = final["status"]
    failed = {
        n["displayName"]: (n["phase"], n.get("message", ""))
        for n in status["nodes"].values()
        if n["phase"] in ("Failed", "Error")
    }
    assert status["phase"] == expected_phase(doc), (status.get("message"), failed)
