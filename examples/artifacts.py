"""Artifacts: files and directories passed between tasks through the artifact repository.

* An input is a parameter annotated ``Artifact``; in a ``@container`` body it is the path where
  Argo places the file (``{{inputs.artifacts.<name>.path}}``). ``Annotated[Artifact,
  Artifact(path=..., location=...)]`` sets the path and where the input comes from: here a git
  checkout. A Python ``@script`` gets the path as a ``Path`` and opens the file itself.
* Outputs are listed in ``outputs=`` next to output parameters; ``archive="none"`` stores the
  file as it is instead of as a ``.tgz``, and a location (``S3(...)``) says where it goes.
* ``task.outputs.artifacts.<name>`` passed to an artifact input gives ``from`` and the
  dependency; ``RawArtifact(text)`` gives text as a file (the text may use parameters).

Outputs and ``from`` need an artifact repository (``artifact_repository_ref=`` names one of the
namespace's ``artifact-repositories`` ConfigMap); the git and raw inputs need none.
"""

from pathlib import Path
from typing import Annotated

from tiphys import (
    S3,
    Artifact,
    ArtifactGC,
    ArtifactRepositoryRef,
    Git,
    RawArtifact,
    Workflow,
    container,
    dag,
    script,
)

SOURCE = Git("https://github.com/argoproj/argo-workflows.git", revision="v4.1.2", depth=1)


@container(
    image="alpine/git:2.45.2",
    command=["sh", "-c"],
    outputs=[Artifact("listing", path="/tmp/listing.txt", archive="none")],
)
def list_examples(src: Annotated[Artifact, Artifact(path="/src", location=SOURCE)]):
    """List the upstream examples of a git checkout into a file."""
    return [f"ls {src}/examples > /tmp/listing.txt"]


@script(
    image="python:3.12-slim",
    outputs=[
        Artifact(
            "report",
            path="/tmp/report.json",
            archive="none",
            location=S3("reports/{{workflow.name}}/report.json"),
        )
    ],
)
def summarise(listing: Annotated[Path, Artifact()], pattern: str = "artifact") -> int:
    """Count the examples whose name has ``pattern``; write the names to a JSON report."""
    import json

    names = [n for n in listing.read_text().split() if pattern in n]
    with open("/tmp/report.json", "w") as report:
        json.dump({"pattern": pattern, "examples": names}, report)
    return len(names)


@container(image="busybox:1.36", command=["cat"])
def show(text: Artifact):
    """Print a file."""
    return [f"{text}"]


@dag
def artifact_tour(pattern: str = "artifact"):
    """Clone, list, summarise, and print a note written from a parameter."""
    listing = list_examples()
    summary = summarise(listing=listing.outputs.artifacts.listing, pattern=pattern)
    show(text=listing.outputs.artifacts.listing).named("show-listing")
    show(text=RawArtifact(f"looking for {pattern}\n")).named("show-note")
    return summary.outputs.artifacts.report


workflow = Workflow(
    entrypoint=artifact_tour,
    artifact_repository_ref=ArtifactRepositoryRef(key="my-key"),
    artifact_gc=ArtifactGC("OnWorkflowDeletion"),
)
