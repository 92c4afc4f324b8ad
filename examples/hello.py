"""Hello world: one container template, run as a one-step workflow.

A ``@container`` function returns the container's arguments (no shell involved); its
parameters become the template's input parameters, and the entrypoint's inputs become the
workflow's arguments (``argo submit -p name=Argo``).
"""

from tiphys import Workflow, container


@container(image="busybox:1.36", command=["echo"])
def hello(name: str = "world"):
    """Print a greeting."""
    return [f"hello, {name}!"]


workflow = Workflow(entrypoint=hello)
