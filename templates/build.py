"""Build a container image from a Git repository with kaniko, and push it.

Installed as the ``build-image`` WorkflowTemplate; run it on its own or call its
``build-image`` template from another workflow (``templateRef``). No Docker daemon and no
privileged pod: kaniko reads the sources straight from Git and pushes with the credentials in
the ``registry-push`` Secret (a docker ``config.json``). The image digest is an output.

    tiphys compile templates/build.py -p repo=github.com/acme/app.git \\
        -p git_ref=refs/tags/v1.2 -p image=registry.example.com/acme/app -p tag=v1.2
"""

from typing import Annotated

from tiphys import Param, Resources, Secret, Volume, WorkflowTemplate, container

registry_auth = Volume("registry-auth", secret="registry-push", mount="/kaniko/.docker")


@container(
    image="gcr.io/kaniko-project/executor:v1.23.2",
    outputs={"digest": "/tmp/image-digest"},
    volumes=[registry_auth],
    env={"GIT_PASSWORD": Secret("git-credentials", "token", optional=True)},
    resources=Resources(cpu="2", memory="4Gi", ephemeral_storage="20Gi"),
    timeout="1h",
)
def build_image(
    repo: Annotated[str, Param(description="repository without scheme: github.com/acme/app.git")],
    image: Annotated[str, Param(description="image name without tag: registry/org/app")],
    tag: Annotated[str, Param(description="image tag to push")],
    git_ref: Annotated[str, Param(description="branch or tag ref to build")] = "refs/heads/main",
    context_path: Annotated[str, Param(description="directory of the build context")] = ".",
    dockerfile: Annotated[str, Param(description="path of the Dockerfile")] = "Dockerfile",
):
    """Build ``image:tag`` from ``repo`` at ``git_ref``; write the pushed digest to a file."""
    return [
        f"--context=git://{repo}#{git_ref}",
        f"--context-sub-path={context_path}",
        f"--dockerfile={dockerfile}",
        f"--destination={image}:{tag}",
        "--cache=true",
        f"--cache-repo={image}/cache",
        "--digest-file=/tmp/image-digest",
    ]


build = WorkflowTemplate(
    "build-image",
    entrypoint=build_image,
    labels={"app.kubernetes.io/part-of": "tiphys-templates"},
    ttl="1d",
    pod_gc="OnPodSuccess",
)
