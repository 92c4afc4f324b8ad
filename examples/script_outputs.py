"""Script outputs: return a TypedDict, dataclass or NamedTuple to get named outputs.

Each field of the return type becomes an output parameter (``task.outputs.<field>``), typed as
declared: an ``int`` field compares as a number in ``.when()``. The class travels with the
script, so the body may build and return it as usual.
"""

from dataclasses import dataclass
from typing import NamedTuple, TypedDict

from tiphys import Workflow, container, dag, script


class Split(TypedDict):
    """Where the training and test rows are, and how many there are."""

    train_path: str
    test_path: str
    rows: int


@dataclass
class Metrics:
    """Scores of a trained model."""

    accuracy: float
    model_uri: str


class Verdict(NamedTuple):
    """What to do with the model (``promote`` or ``hold``), and why."""

    action: str
    reason: str


@script(image="python:3.12-slim")
def split_dataset(source: str, test_share: float = 0.2) -> Split:
    """Split the dataset (here: compute where the parts would go)."""
    rows = 10_000
    return Split(
        train_path=f"{source}/train.parquet",
        test_path=f"{source}/test.parquet",
        rows=int(rows * (1 - test_share)),
    )


@script(image="python:3.12-slim")
def train(train_path: str, rows: int) -> Metrics:
    """Train on the training split (here: a deterministic stand-in score)."""
    accuracy = 0.80 + min(rows, 20_000) / 200_000
    return Metrics(accuracy=round(accuracy, 4), model_uri=f"{train_path}.model")


@script(image="python:3.12-slim")
def decide(accuracy: float, threshold: float = 0.82) -> Verdict:
    """Promote the model when it beats the threshold."""
    if accuracy >= threshold:
        return Verdict("promote", f"accuracy {accuracy} >= {threshold}")
    return Verdict("hold", f"accuracy {accuracy} < {threshold}")


@container(image="busybox:1.36", command=["echo"])
def promote(model_uri: str, reason: str):
    """Tag the model as the production one."""
    return ["promoting", model_uri, "because", reason]


@dag
def train_and_promote(source: str = "s3://ml-data/churn/2024-06"):
    """Split, train, decide; promote only when the decision says so."""
    split = split_dataset(source=source)
    metrics = train(train_path=split.outputs.train_path, rows=split.outputs.rows)
    verdict = decide(accuracy=metrics.outputs.accuracy)
    promote(model_uri=metrics.outputs.model_uri, reason=verdict.outputs.reason).when(
        (verdict.outputs.action == "promote") & (split.outputs.rows > 1000)
    )


workflow = Workflow(entrypoint=train_and_promote)
