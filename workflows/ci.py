"""Continuous integration: check out a commit, lint and test it in parallel, build its image.

Submitted by the Git server's webhook for every push (``tiphys submit`` comes with the Argo
Server client; until then, compile it and create it with kubectl)::

    tiphys compile workflows/ci.py -p revision=$GIT_SHA | kubectl create -f -

Lint and the unit tests (split in three groups that run side by side) start together once the
sources are checked out; the image is built only when all of them passed. Everything shares one
volume claimed for the run, deleted with the workflow; it is ReadWriteMany because the lint and
test pods use it at the same time and may land on different nodes (the cluster needs a storage
class that offers it).
"""

from tiphys import TTL, Resources, Retry, Volume, Workflow, container, dag, script

src = Volume("src", size="2Gi", mount="/src", access_modes=("ReadWriteMany",))
# A docker config.json with push rights to the registry, as kaniko expects it.
registry_auth = Volume("registry-auth", secret="registry-push", mount="/kaniko/.docker")


@script(language="sh", image="alpine/git:2.45.2", volumes=[src], retry=Retry(limit=2))
def checkout(repo: str, revision: str):
    """Fetch exactly one commit (a SHA, a branch or a tag) into /src/app."""
    return f"""\
set -eu
git init --quiet /src/app
cd /src/app
# a retry runs on the same volume: the remote may exist already
git remote add origin "{repo}" 2>/dev/null || git remote set-url origin "{repo}"
git fetch --quiet --depth 1 origin "{revision}"
git checkout --quiet FETCH_HEAD
git rev-parse --short=12 HEAD
"""


@container(image="ghcr.io/astral-sh/ruff:0.6.9", volumes=[src], working_dir="/src/app")
def lint():
    """Lint and check formatting with ruff."""
    return ["check", "--output-format=github", "."]


@script(
    language="sh",
    image="python:3.12-slim",
    volumes=[src],
    resources=Resources(cpu="1", memory="1Gi"),
)
def unit_tests(group: int, groups: int = 3):
    """Run one group of the unit tests (pytest-split keeps the groups equally long)."""
    return f"""\
set -eu
cd /src/app
pip install --quiet --no-cache-dir -e ".[test]" pytest-split
pytest -q -p no:cacheprovider --splits "{groups}" --group "{group}"
"""


@container(
    image="gcr.io/kaniko-project/executor:v1.23.2",
    volumes=[src, registry_auth],
    resources=Resources(cpu="2", memory="4Gi"),
)
def build_image(image: str, tag: str):
    """Build the image from the checked-out sources and push it."""
    return [
        "--context=dir:///src/app",
        "--dockerfile=Dockerfile",
        f"--destination={image}:{tag}",
        "--cache=true",
        f"--cache-repo={image}/cache",
    ]


@dag
def ci(
    revision: str = "main",
    repo: str = "https://github.com/acme/app.git",
    image: str = "registry.example.com/acme/app",
):
    """Checkout, then lint and three test groups in parallel, then build."""
    commit = checkout(repo=repo, revision=revision)
    checks = lint().after(commit)
    tests = unit_tests.map(over=range(1, 4), group=lambda it: it).after(commit)
    build_image(image=image, tag=commit.result).after(checks, tests)


workflow = Workflow(
    generate_name="ci-",
    entrypoint=ci,
    labels={"app.kubernetes.io/part-of": "acme-ci"},
    ttl=TTL(success="2h", failure="2d"),
    pod_gc="OnWorkflowSuccess",
    active_deadline="45m",
    parallelism=4,
)
