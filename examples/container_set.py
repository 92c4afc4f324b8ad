"""Container sets: several containers in one pod, run in dependency order.

``@container_set`` is for short steps that share files: one pod is scheduled instead of one per
step, the containers share its volumes (``volume_mounts=``) and no artifact repository is needed
between them. The body returns :class:`ContainerNode` objects; ``dependencies`` (nodes or names)
order them, and the rest start together. The container named ``main`` gives the template its
outputs and its result (its standard output). ``retries=`` retries a failed container inside the
pod; ``retry=`` would re-run the whole pod.
"""

from tiphys import ContainerNode, Resources, Volume, Workflow, container_set, dag, script

workspace = Volume("workspace", empty_dir=True, mount="/workspace")


@container_set(
    volume_mounts=[workspace],
    outputs={"wheel": "/workspace/wheel-name"},
    retries=2,
    retry_duration="10s",
)
def build(repo: str, ref: str = "main"):
    """Clone, then lint and test at the same time, then build the wheel."""
    clone = ContainerNode(
        "clone",
        image="alpine/git:2.45.2",
        args=["clone", "--depth", "1", "--branch", ref, repo, "/workspace/src"],
    )
    lint = ContainerNode(
        "lint",
        image="ghcr.io/astral-sh/ruff:0.6.9-alpine",
        args=["check", "/workspace/src"],
        dependencies=[clone],
    )
    test = ContainerNode(
        "test",
        image="python:3.12-slim",
        command=["sh", "-c"],
        args=["pip install -q /workspace/src pytest && pytest -q /workspace/src"],
        working_dir="/workspace/src",
        resources=Resources(cpu="1", memory="1Gi"),
        dependencies=[clone],
    )
    wheel = ContainerNode(
        "main",
        image="python:3.12-slim",
        command=["sh", "-c"],
        args=[
            "pip wheel -q --no-deps -w /workspace/dist /workspace/src"
            " && ls /workspace/dist > /workspace/wheel-name"
        ],
        dependencies=[lint, test],
    )
    return [clone, lint, test, wheel]


@script(image="python:3.12-slim")
def announce(wheel: str) -> str:
    """Say which wheel was built."""
    return f"built {wheel.strip()}"


@dag
def ci(repo: str = "https://github.com/acme/app", ref: str = "main"):
    """Build in one pod, then report."""
    built = build(repo=repo, ref=ref)
    announce(wheel=built.outputs.wheel)


workflow = Workflow(entrypoint=ci, volumes=[workspace])
