"""Retries and failure handling: sync a package index from a primary or a backup mirror.

``retry=Retry(...)`` sets a template's ``retryStrategy`` (limit, policy, backoff); ``.retry()``
retries one task only (through a copy of its template: Argo keeps retries on templates).
``.continue_on(failed=True)`` lets the DAG go on past a failure; ``.after(a.failed)`` and
``.after(a.succeeded | b.succeeded)`` run a task on a status expression (enhanced ``depends``).
"""

from tiphys import Retry, Workflow, container, dag, script


@script(
    image="python:3.12-slim",
    retry=Retry(limit=3, policy="OnFailure", backoff="5s", factor=2, max_backoff="1m"),
)
def fetch_index(url: str) -> int:
    """Download the index; retried up to 3 times, 5s, 10s then 20s apart."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return len(response.read())


@container(image="busybox:1.36", command=["echo"])
def notify(message: str):
    """Say what happened."""
    return [message]


@dag
def mirror_sync(
    primary: str = "https://mirror-a.example.com/simple/index.json",
    backup: str = "https://mirror-b.example.com/simple/index.json",
):
    """Try the primary mirror; fall back to the backup only if the primary failed."""
    first = fetch_index(url=primary).named("from-primary").continue_on(failed=True)
    second = (
        fetch_index(url=backup)
        .named("from-backup")
        .after(first.failed)
        .retry(Retry(limit=5, policy="Always", backoff="30s"))
    )
    notify(message="index synced").after(first.succeeded | second.succeeded)


workflow = Workflow(entrypoint=mirror_sync)
