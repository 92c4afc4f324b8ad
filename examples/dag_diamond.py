"""DAG diamond: A -> (B, C) -> D, with the edges read from the data flow.

Passing a task's value (``sample.result``) to another task adds the ``depends`` edge: ``mean``
and ``spread`` run in parallel once ``sample`` is done, and ``report`` waits for both. No
``.after()`` is needed; a ``list`` result travels as JSON and arrives as a list.
"""

from tiphys import Workflow, dag, script


@script(image="python:3.12-slim")
def sample(size: int, seed: int) -> list[float]:
    """A: draw a reproducible sample."""
    import random

    rng = random.Random(seed)
    values = []
    for _ in range(size):
        values.append(round(rng.gauss(100, 15), 2))
    return values


@script(image="python:3.12-slim")
def mean(values: list[float]) -> float:
    """B: the sample mean."""
    import statistics

    return statistics.fmean(values)


@script(image="python:3.12-slim")
def spread(values: list[float]) -> float:
    """C: the sample standard deviation."""
    import statistics

    return statistics.stdev(values)


@script(image="python:3.12-slim")
def report(mean: float, spread: float) -> str:
    """D: combine both statistics."""
    return f"mean {mean:.2f}, standard deviation {spread:.2f}"


@dag
def diamond(size: int = 1000, seed: int = 42):
    """Sample once, compute two statistics in parallel, then report."""
    values = sample(size=size, seed=seed)
    average = mean(values=values.result)
    deviation = spread(values=values.result)
    report(mean=average.result, spread=deviation.result)


workflow = Workflow(entrypoint=diamond)
