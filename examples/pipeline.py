"""A nightly report pipeline that runs anywhere: on a cluster, or on this machine with
``tiphys submit --local examples/pipeline.py --wait`` (no Kubernetes needed).

It lists the day's partitions, checks and summarises each one in parallel (a loop over a
task's JSON result), adds the summaries up, publishes the report only when asked (``when``),
and always records how the run ended (the workflow's exit handler). Every image is one the
local runner can run on the host: ``python:*`` scripts run with this machine's interpreter and
``busybox`` commands with its shell.
"""

from tiphys import Workflow, container, dag, script

PYTHON = "python:3.12-alpine"


@script(image=PYTHON)
def list_partitions(day: str, count: int) -> list[str]:
    """Name the partitions of one day, as a JSON list."""
    return [f"{day}/part-{index:02d}" for index in range(count)]


@script(image=PYTHON)
def summarise(partition: str) -> dict[str, int]:
    """Check one partition and count its rows (a stand-in computed from the name)."""
    import zlib

    rows = zlib.crc32(partition.encode()) % 1000
    return {"rows": rows, "rejected": rows % 7}


@script(image=PYTHON)
def total(summaries: list[dict[str, int]]) -> int:
    """Add up the rows of every partition that passed its checks."""
    return sum(s["rows"] - s["rejected"] for s in summaries)


@container(image="busybox:1.36", command=["echo"])
def publish(day: str, rows: str):
    """Publish the day's report (here: print it)."""
    return ["report", day, "rows", rows]


@container(image="busybox:1.36", command=["echo"])
def record():
    """The exit handler: record how the run ended (only exit handlers see the status)."""
    return ["pipeline finished:", "{{workflow.status}}"]


@dag
def nightly(day: str = "2026-11-29", partitions: int = 4, publish_report: str = "true"):
    """List, summarise in parallel, add up, then publish when asked."""
    parts = list_partitions(day=day, count=partitions)
    summaries = summarise.map(over=parts.result, partition=lambda it: it)
    rows = total(summaries=summaries.result)
    publish(day=day, rows=rows.result).when(publish_report == "true")


workflow = Workflow(
    entrypoint=nightly,
    on_exit=record,
)
