"""Suspend templates: wait for a person's approval, or for a while.

The parameters of a ``@suspend`` function are what the person is asked when resuming (the Argo
UI shows the choices, the default and the description). Each one is also an output with
``valueFrom.supplied``, so the answer reaches later tasks as ``approval.outputs.approve``; a
default also lets a plain ``argo resume`` go on with it. ``duration`` resumes by itself: the
approval below goes on with its default, ``NO``, when nobody answers within a day (a suspend
template takes no ``timeout``; Argo refuses it there).
"""

from typing import Annotated, Literal

from tiphys import Param, Workflow, container, steps, suspend


@container(image="busybox:1.36", command=["echo"])
def deploy(env: str):
    """Stand-in for a deployment."""
    return ["deploying to", env]


@suspend(duration="24h")
def approval(
    approve: Annotated[
        Literal["YES", "NO"], Param(description="Choose YES to deploy to production")
    ] = "NO",
):
    """Wait for someone to approve the production deployment."""


@suspend(duration="10m")
def soak():
    """Let the pre-production deployment run for ten minutes first."""


@steps
def cicd():
    """Deploy to pre-production, soak, ask, then deploy to production if approved."""
    deploy(env="pre-prod")
    soak()
    answer = approval()
    deploy(env="prod").when(answer.outputs.approve == "YES")


workflow = Workflow(entrypoint=cicd)
