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

The examples run concurrently on one event loop from a module fixture (about 250 s in all,
mostly one example that queues ten 20 s steps on a mutex); the test command's
``--dist loadscope`` keeps the module on one worker, so they run once.

``test_corpus_counts`` prints the count per category (``pytest -s`` shows it) and requires at
least 60 runnable examples.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from corpus_categories import category, expected_phase
from schema_oracle import SHARED_ARGO, shared_argo

pytestmark = pytest.mark.slow

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
    """One example to its end (the final Workflow, its run directory holding the logs), or a
    text saying why it did not end in time."""
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
        return task.result(), run_dir


async def _run_all(root: Path) -> dict[str, Any]:
    limit = asyncio.Semaphore(CONCURRENCY)  # taken in the order the runs start (FIFO)
    ids = _ids(RUNNABLE)
    # Workflows that queue on a lock (synchronization) are the slow ones (mutex-tmpl-level: ten
    # 20 s steps under one mutex): they start first, so the others run beside them.
    order = sorted(range(len(RUNNABLE)), key=lambda n: "synchronization" not in str(RUNNABLE[n][2]))
    results = await asyncio.gather(
        *(_run(RUNNABLE[n][2], root / f"run{n}", limit) for n in order),
        return_exceptions=True,
    )
    return {ids[n]: result for n, result in zip(order, results, strict=True)}


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


def _exit_code(code: int) -> str:
    """The message the runner gives a pod whose main container exits with ``code``."""
    return f"main: Error (exit code {code})"


DEADLINE = "Step exceeded its deadline"  # operator.go, a node past its template/workflow deadline


class Outcome(NamedTuple):
    """What an example gives when, by design, it does not end Succeeded (or its label misleads)."""

    phases: frozenset[str]  # the workflow phases it may end in
    reason: str  # read from the manifest
    messages: frozenset[str]  # every Failed/Error pod node's message is one of these


def _outcome(phases: set[str], reason: str, messages: set[str]) -> Outcome:
    return Outcome(frozenset(phases), reason, frozenset(messages))


# Examples whose manifest makes them end otherwise than upstream's label says (most are labelled
# `no-test: environment`, so upstream's test run never runs them; the issue runs them here).
OUTCOMES: dict[str, Outcome] = {
    "timeouts-workflow.yaml": _outcome(
        {"Failed"}, "activeDeadlineSeconds: 30 while each step sleeps 1d", {DEADLINE}
    ),
    "step-level-timeout.yaml": _outcome(
        {"Failed"},
        "timeout: 10s while sleeping 30s; sleep1 continues only on Error, and a deadline ends a "
        "node Failed",
        {DEADLINE},
    ),
    "retry-conditional.yaml": _outcome(
        {"Failed"},
        "the script exits 1 or 2 at random, never 0; retries stop at exit 1 or after 10",
        {_exit_code(1), _exit_code(2)},
    ),
    "loops-arbitrary-sequential-steps.yaml": _outcome(
        {"Failed"}, "its 4th item is exit_code 1 ('will fail and stop here')", {_exit_code(1)}
    ),
    "pod-gc-strategy-with-label-selector.yaml": _outcome(
        {"Failed"}, "step 'fail' runs `exit 1`", {_exit_code(1)}
    ),
    "resubmit.yaml": _outcome(
        {"Succeeded", "Failed"},
        "random-fail exits random.choice([0, 0, 1])",
        {_exit_code(1)},
    ),
    **{
        file: _outcome(
            {"Succeeded", "Failed"},
            "exits random.choice([0, 1, 1]) under retryStrategy limit 10: it fails (after 11 "
            "attempts exit 1, 1.2% of runs) only by chance",
            {_exit_code(1)},
        )
        for file in ("retry-container.yaml", "retry-script.yaml")
    },
    "template-defaults.yaml": _outcome(
        {"Succeeded", "Failed"},
        "labelled expected-failure, but retry-backoff exits random.choice([0, 1, 1]) under "
        "templateDefaults.retryStrategy limit 2: it fails only when all 3 attempts exit 1",
        {_exit_code(1)},
    ),
    "continue-on-fail.yaml": _outcome(
        {"Succeeded"},
        "labelled expected-failure for its failing step C, but C has continueOn.failed, so the "
        "step group and the workflow succeed (steps.go)",
        {_exit_code(1)},
    ),
}


def _logs(run_dir: Path, node: Mapping[str, Any]) -> list[str]:
    """The main container's output lines of a pod node (timestamps dropped)."""
    suffix = node["id"].rsplit("-", 1)[-1]
    found = sorted(run_dir.glob(f"logs/*-{suffix}/main.log"))
    if not found:
        return []
    return [line.split(" ", 1)[1] for line in found[0].read_text().splitlines()]


def _with_path(name: str, value: str, path: str) -> dict[str, Any]:
    return {"name": name, "value": value, "valueFrom": {"path": path}}


# What the examples say they output: node display name -> the node's outputs, whole ("" names
# the workflow's root node).
OUTPUTS: dict[str, dict[str, Any]] = {
    "output-parameter.yaml": {
        "generate-parameter": {
            "exitCode": "0",
            "parameters": [
                {
                    "name": "hello-param",
                    "value": "hello world",
                    "valueFrom": {"default": "Foobar", "path": "/tmp/hello_world.txt"},
                }
            ],
        }
    },
    "exit-handler-with-param.yaml": {
        "step-1": {
            "exitCode": "0",
            "parameters": [
                {
                    "name": "result",
                    "value": "hello world",
                    "valueFrom": {"default": "Foobar", "path": "/tmp/hello_world.txt"},
                }
            ],
        }
    },
    "parameter-aggregation-dag.yaml": {
        **{
            f"odd-or-even({i}:{n})": {
                "exitCode": "0",
                "parameters": [
                    _with_path("num", str(n), "/tmp/num"),
                    _with_path("evenness", "odd" if n % 2 else "even", "/tmp/even"),
                ],
            }
            for i, n in enumerate([1, 2, 3, 4])
        },
        "divide-by-2(1:evenness:even,num:2)": {"result": "1", "exitCode": "0"},
        "divide-by-2(3:evenness:even,num:4)": {"result": "2", "exitCode": "0"},
    },
    "parameter-aggregation-script.yaml": {
        f"odd-or-even({i}:{n})": {
            "result": f'{{"num": {n}, "evenness": "{"odd" if n % 2 else "even"}"}}',
            "exitCode": "0",
        }
        for i, n in enumerate([1, 2, 3, 4])
    },
    "exit-code-output-variable.yaml": {"failing-container": {"exitCode": "123"}},
    "container-set-template/outputs-result-workflow.yaml": {"a": {"result": "hi", "exitCode": "0"}},
    "skipped-output-defaults/expression-fallback.yaml": {
        "": {"parameters": [{"name": "result", "value": "expr-fallback"}]}
    },
    "fibonacci-seq-conditional-param.yaml": {
        "fibonaccimain": {"parameters": [{"name": "fib", "value": "5"}]}
    },
}


def _showcase_globals(final: Mapping[str, Any]) -> dict[str, Any]:
    """variables-showcase.yaml's global outputs (globalName on step prepare's outputs), the
    artifact in the local store under Argo's key ``<workflow>/<pod>/<artifact>.tgz``."""
    from tiphys.argo.nodes import pod_name

    pod = pod_name(final, _by_name(final)["prepare"])
    key = f"{final['metadata']['name']}/{pod}/prepared.tgz"
    return {
        "parameters": [{"name": "prepared-param", "value": "greeting=hello target=world"}],
        "artifacts": [
            {
                "name": "prepared",
                "path": "/tmp/payload.txt",
                "s3": {"key": key},
                "globalName": "prepared",
            }
        ],
    }


# The workflow's status.outputs, whole, computed from the final Workflow.
GLOBAL_OUTPUTS = {"variables-showcase.yaml": _showcase_globals}


def _tag_template_outputs(final: Mapping[str, Any]) -> dict[str, Any]:
    """expression-tag-template-workflow.yaml: ``hello {{=asInt(foo) * 10}} @ {{=sprig.date('2006',
    workflow.creationTimestamp)}}`` with foo 3; sprig's date of a text value is now's year."""
    year = final["status"]["finishedAt"][:4]
    return {
        "task-0(0:3)": {
            "exitCode": "0",
            "parameters": [
                {"name": "output", "value": f"hello 30 @ {year}", "valueFrom": {"path": "/output"}}
            ],
        }
    }


# Node outputs, whole, that depend on the run (names, times).
RUN_OUTPUTS = {"expression-tag-template-workflow.yaml": _tag_template_outputs}

# What the examples say they print: node display name -> the main container's lines.
LOGS: dict[str, dict[str, list[str]]] = {
    "expression-destructure-json.yaml": {"": ["123"]},
    "expression-destructure-json-complex.yaml": {
        "": ['[43][43][{"age":43,"name":"Baris"}]["Baris","Mo","Jai"]']
    },
    "expression-reusing-verbose-snippets.yaml": {
        "": ["The week's average temperature was 35.8 with a minimum of 15 and a maximum of 57."]
    },
    "skipped-output-defaults/producer-output-default.yaml": {
        "consumer": ["consumer got: [hello-from-producer]"]
    },
    "exit-code-output-variable.yaml": {"echo-container": ["Exit code was: 123"]},
    "output-parameter.yaml": {"consume-parameter": ["hello world"]},
    "parameter-aggregation-dag.yaml": {
        "print-nums": ['["1","2","3","4"]'],
        "print-evenness": ['["odd","even","odd","even"]'],
    },
}


def _by_name(final: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    root = final["metadata"]["name"]
    return {
        ("" if n["name"] == root else n["displayName"]): n
        for n in final["status"]["nodes"].values()
    }


@pytest.mark.parametrize(("file", "index", "doc"), RUNNABLE, ids=_ids(RUNNABLE))
def test_example_runs(file: str, index: int, doc: dict[str, Any], finals: dict[str, Any]) -> None:
    result = finals[f"{file}#{index}"]
    if isinstance(result, BaseException):
        raise result
    if isinstance(result, str):
        pytest.fail(result)
    final, run_dir = result
    status = final["status"]
    failed = {
        n["displayName"]: (n["phase"], n.get("message", ""))
        for n in status["nodes"].values()
        if n["phase"] in ("Failed", "Error")
    }
    outcome = OUTCOMES.get(file)
    if outcome is None:
        assert status["phase"] == expected_phase(doc), (status.get("message"), failed)
    else:
        assert status["phase"] in outcome.phases, (outcome.reason, status.get("message"), failed)
        pods = {
            n["displayName"]: n["message"]
            for n in status["nodes"].values()
            if n["type"] == "Pod" and n["phase"] in ("Failed", "Error")
        }
        assert all(m in outcome.messages for m in pods.values()), (outcome.reason, pods)
        assert pods or status["phase"] == "Succeeded", outcome.reason
    nodes = _by_name(final)
    for name, outputs in OUTPUTS.get(file, {}).items():
        assert nodes[name].get("outputs") == outputs, name
    for name, outputs in (RUN_OUTPUTS[file](final) if file in RUN_OUTPUTS else {}).items():
        assert nodes[name].get("outputs") == outputs, name
    if file in GLOBAL_OUTPUTS:
        assert status.get("outputs") == GLOBAL_OUTPUTS[file](final)
    for name, lines in LOGS.get(file, {}).items():
        assert _logs(run_dir, nodes[name]) == lines, name


def test_coin_flips_choose_their_branch(finals: dict[str, Any]) -> None:
    """conditional-parameters.yaml / dag-conditional-parameters.yaml: the template's output
    ``stepresult`` is the branch the coin chose (heads or tails), whole."""
    checked = 0
    for file in ("conditional-parameters.yaml", "dag-conditional-parameters.yaml"):
        result = finals.get(f"{file}#0")
        if not isinstance(result, tuple):
            continue
        nodes = _by_name(result[0])
        side = nodes["flip-coin"]["outputs"]["result"]
        assert side in ("heads", "tails")
        assert nodes[side]["outputs"] == {"result": side, "exitCode": "0"}
        assert nodes[""]["outputs"] == {"parameters": [{"name": "stepresult", "value": side}]}
        checked += 1
    assert checked == 2
