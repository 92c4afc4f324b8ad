"""Coinflip: a conditional task, like Argo's own ``coinflip`` example.

A ``@script`` returns ``"heads"`` or ``"tails"``; ``.when(flip.result == "heads")`` runs a task
only for heads. The comparison is built, not evaluated in Python: it compiles to an expr
``when`` (``{{=tasks.flip.outputs.result == 'heads'}}``) and adds the dependency on ``flip``.
"""

from tiphys import Workflow, container, dag, script


@script(image="python:3.12-slim")
def flip_coin() -> str:
    """Toss a fair coin."""
    import random

    return "heads" if random.randint(0, 1) == 0 else "tails"


@container(image="busybox:1.36", command=["echo"])
def heads():
    """Runs when the coin shows heads."""
    return ["it was heads"]


@container(image="busybox:1.36", command=["echo"])
def tails():
    """Runs when the coin shows tails."""
    return ["it was tails"]


@dag
def coinflip():
    """Flip, then take one of two branches."""
    flip = flip_coin()
    heads().when(flip.result == "heads")
    tails().when(flip.result == "tails")


workflow = Workflow(entrypoint=coinflip)
