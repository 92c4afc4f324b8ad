"""Steps: calls run one after the other; calls inside ``with parallel():`` run together.

A ``@steps`` body is a list of step groups: each call outside a ``parallel()`` block is a group
of its own, and the calls inside one block form a single group. A step may use the values of
steps in earlier groups (``{{steps.<name>.outputs.result}}``).
"""

from tiphys import Workflow, container, parallel, script, steps


@script(image="python:3.12-slim")
def make_version(build: int) -> str:
    """Compute the version string of this build."""
    import datetime

    return f"{datetime.date.today():%Y.%m.%d}-{build}"


@container(image="busybox:1.36", command=["echo"])
def check(name: str, version: str):
    """Run one pre-release check (here: only say so)."""
    return ["checking", name, "of", version]


@container(image="busybox:1.36", command=["echo"])
def publish(version: str):
    """Announce the release once every check passed."""
    return [f"publishing {version}"]


@steps
def release(build: int = 1):
    """One step, three parallel checks, one step."""
    version = make_version(build=build)
    with parallel():
        check(name="licenses", version=version.result).named("licenses")
        check(name="changelog", version=version.result).named("changelog")
        check(name="docs", version=version.result).named("docs")
    publish(version=version.result)


workflow = Workflow(entrypoint=release)
