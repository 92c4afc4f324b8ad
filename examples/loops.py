"""Loops: ``template.map(over=..., arg=lambda it: ...)`` fans a task out over items.

``over=`` a list of constants gives ``withItems``, a task's JSON list result gives
``withParam``, and ``range(...)`` gives ``withSequence``. The lambda picks each argument out of
the loop item (``it["name"]`` -> ``{{item.name}}``). A looped task's ``result`` is the JSON
list of every iteration's result, which a downstream task can take whole.
"""

from tiphys import Workflow, container, dag, script

REGIONS = [
    {"name": "eu-west-1", "replicas": 3},
    {"name": "us-east-1", "replicas": 5},
    {"name": "ap-south-1", "replicas": 2},
]


@container(image="busybox:1.36", command=["echo"])
def warm_cache(region: str, replicas: int):
    """Warm the cache of one region (withItems over dicts)."""
    return ["warming", replicas, "replicas in", region]


@script(image="python:3.12-slim")
def list_shards(count: int) -> list[str]:
    """Name the shards to process, as a JSON list."""
    shards = []
    for index in range(count):
        shards.append(f"shard-{index:03d}")
    return shards


@script(image="python:3.12-slim")
def process_shard(shard: str, attempt: int) -> int:
    """Process one shard (withParam over the list above); return how many rows it had."""
    import zlib

    return zlib.crc32(f"{shard}/{attempt}".encode()) % 1000


@container(image="busybox:1.36", command=["echo"])
def probe(index: str):
    """Probe one numbered worker (withSequence)."""
    return ["probing worker", index]


@script(image="python:3.12-slim")
def total(counts: list[int]) -> int:
    """Add up the aggregated results of every shard."""
    return sum(counts)


@dag
def loops(shard_count: int = 4):
    """Three kinds of loop, and one task that reads a loop's aggregated result."""
    warm_cache.map(
        over=REGIONS,
        region=lambda it: it["name"],
        replicas=lambda it: it["replicas"],
    )
    shards = list_shards(count=shard_count)
    rows = process_shard.map(over=shards.result, shard=lambda it: it, attempt=1)
    probe.map(over=range(3), index=lambda it: it)
    total(counts=rows.result)


workflow = Workflow(entrypoint=loops)
