"""Parameters: the entrypoint's signature is the workflow's parameters.

``str``/``int``/``bool`` parameters are passed as strings (``True`` -> ``"true"``) and arrive in
a ``@script`` converted back to their type; ``Literal`` adds an ``enum``; ``Annotated[T,
Param(...)]`` adds a description (or another Argo name); ``list``/``dict`` travel as compact
JSON. A default makes a parameter optional; ``arguments=`` sets the workflow's values.
"""

from typing import Annotated, Literal

from tiphys import Param, Workflow, container, dag, script


@script(image="python:3.12-slim")
def plan(
    dataset: str, limit: int, dry_run: bool, region: str, columns: list[str], labels: dict[str, str]
) -> str:
    """Describe the export; every argument arrives as its declared Python type."""
    mode = "dry run" if dry_run else "export"
    kept = ", ".join(columns[:limit])
    tags = ", ".join(f"{key}={value}" for key, value in sorted(labels.items()))
    return f"{mode} of {dataset} ({region}): columns {kept}; labels {tags}"


@container(image="busybox:1.36", command=["echo"])
def announce(message: str):
    """Print the plan."""
    return [message]


@dag
def export(
    dataset: Annotated[str, Param(description="table to export, as project.dataset.table")],
    columns: Annotated[list[str], Param(description="columns to export, a JSON list")],
    labels: Annotated[
        dict[str, str], Param(name="labels-json", description="labels, a JSON object")
    ],
    limit: Annotated[int, Param(description="how many of the columns to keep")] = 3,
    dry_run: bool = True,
    region: Literal["eu-west-1", "us-east-1"] = "eu-west-1",
):
    """Plan the export, then print the plan."""
    summary = plan(
        dataset=dataset,
        limit=limit,
        dry_run=dry_run,
        region=region,
        columns=columns,
        labels=labels,
    )
    announce(message=summary.result)


workflow = Workflow(
    entrypoint=export,
    arguments={
        "dataset": "analytics.events.page_views",
        "columns": ["id", "url", "referrer", "viewed_at"],
        "labels": {"team": "data", "tier": "batch"},
    },
)
