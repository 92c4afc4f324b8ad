"""Locks and caches: keep runs from stepping on each other, and skip work already done.

* ``synchronization=[Mutex("name")]``: at most one holder at a time; names may use tags, so
  ``Mutex("deploy-{{inputs.parameters.env}}")`` is one lock per environment. ``database=True``
  keeps the lock in the controller's database, shared by every controller of the cluster.
* ``Semaphore(config_map="ci-limits", key="integration")``: at most N holders, N read from the
  ConfigMap key (``integration: "2"``); ``Semaphore(database_key=...)`` reads it from the
  database.
* Locks go on a template (held while its node runs) or on the workflow (held for the whole
  run: here at most ``pipelines`` runs of the template at once). tiphys emits Argo v4's
  plural ``mutexes``/``semaphores``; the singular forms are gone.
* ``memoize=Memoize(key, config_map, max_age)``: a node whose key is in the cache (younger than
  ``max_age``) is not run; its outputs come from the ConfigMap. ``max_age`` is written as a Go
  duration (``"1d"`` becomes ``"24h"``).
"""

from tiphys import Memoize, Mutex, Output, Semaphore, WorkflowTemplate, container, dag

ci_slots = Semaphore(config_map="ci-limits", key="integration")


@container(
    image="golang:1.22",
    command=["sh", "-c"],
    outputs=[Output("binary", path="/tmp/binary-digest")],
    memoize=Memoize("build-{{inputs.parameters.commit}}", config_map="build-cache", max_age="1d"),
)
def build(commit: str):
    """Build once per commit; later runs of the same commit reuse the digest."""
    return [
        f"git checkout {commit} && go build -o /out/app ./... "
        "&& sha256sum /out/app > /tmp/binary-digest"
    ]


@container(image="golang:1.22", command=["go", "test"], synchronization=[ci_slots])
def integration_tests(binary: str):
    """Integration tests share a small test cluster: a few at a time."""
    return ["-tags=integration", "./...", "-args", f"-binary={binary}"]


@container(
    image="bitnami/kubectl:1.30",
    command=["kubectl", "apply", "-k"],
    synchronization=[Mutex("deploy-{{inputs.parameters.env}}", database=True)],
)
def deploy(env: str, binary: str):
    """One deployment per environment at a time, across every controller."""
    return [f"overlays/{env}", f"--field-manager=ci-{binary}"]


@dag
def pipeline(commit: str, env: str = "staging"):
    """Build, test, deploy."""
    built = build(commit=commit)
    tested = integration_tests(binary=built.outputs.binary)
    deploy(env=env, binary=built.outputs.binary).after(tested)


template = WorkflowTemplate(
    "ci-pipeline",
    entrypoint=pipeline,
    synchronization=[Semaphore(config_map="ci-limits", key="pipelines")],
)
