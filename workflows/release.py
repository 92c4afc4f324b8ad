"""The release pipeline: clone the repository at a tag, run its tests, deploy when they pass.

Installed once as the ``release`` WorkflowTemplate and started by CI with the tag to release.
``tiphys apply`` and ``tiphys submit --from wftmpl/release -p tag=v1.2 --wait`` come with the
Argo Server client; today::

    tiphys compile workflows/release.py | kubectl apply -f -     # install the template
    tiphys compile workflows/release.py -p tag=v1.2              # the Workflow that would run

Clone and test share a volume claimed for the run. The deploy is an HTTP template (run by
Argo's agent); its Authorization header comes whole from the ``deploy-api`` Secret, so the spec
never holds the token.
"""

from typing import Annotated, Literal

from tiphys import (
    Param,
    Resources,
    Retry,
    Secret,
    Volume,
    WorkflowTemplate,
    container,
    dag,
    http,
    response,
    script,
)

DEPLOY_API = "https://deploy.example.com/api/releases"

work = Volume("work", size="2Gi", mount="/workspace")  # a claim template shared by the pods


@container(image="alpine/git:2.45.2", volumes=[work])
def clone(repo: str, tag: str):
    """Clone the repository at the release tag into the shared volume."""
    return ["clone", "--branch", tag, "--depth", "1", repo, "/workspace/src"]  # args; no shell


@script(
    image="python:3.12-slim",
    volumes=[work],
    resources=Resources(cpu="500m", memory="512Mi"),
    retry=Retry(limit=2, backoff="10s"),
)
def run_tests() -> int:
    """Run the test suite; the result is pytest's exit code (0 when every test passed)."""
    import subprocess

    subprocess.run(["pip", "install", "-q", "pytest"], check=True)
    return subprocess.call(["pytest", "-q"], cwd="/workspace/src")


@http(
    url=DEPLOY_API,
    method="POST",
    headers={
        "Authorization": Secret("deploy-api", "authorization")
    },  # the Secret holds "Bearer ..."
    success=response.status_code == 201,
    timeout=30,
)
def deploy(tag: str, env: str):
    """Ask the deploy API to roll the tag out to the environment (expects 201 Created)."""
    return {"tag": tag, "env": env}  # a JSON body; quotes and newlines in values stay valid


@dag
def release(
    tag: Annotated[str, Param(description="git tag to release")],
    env: Literal["staging", "prod"] = "staging",
    repo: str = "https://github.com/acme/app",
):
    """Clone, test, and deploy only when the tests passed."""
    src = clone(repo=repo, tag=tag)
    tests = run_tests().after(src)
    deploy(tag=tag, env=env).when(tests.result == 0)  # `when` adds the dependency


release_template = WorkflowTemplate(
    "release",
    entrypoint=release,
    volumes=[work],
    ttl="1d",
    pod_gc="OnPodSuccess",
    active_deadline="2h",
)
