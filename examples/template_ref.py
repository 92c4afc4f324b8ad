"""Template references: use a WorkflowTemplate's templates, or run it whole.

``library.use(template)`` refers to one template of a WorkflowTemplate from another workflow:
the task is written ``templateRef: {name, template}`` (``clusterScope: true`` for a
ClusterWorkflowTemplate), its arguments are checked against the template's signature and its
``result``/``outputs`` are typed from it, and the template is not copied into the caller.
``Workflow(from_template=library, arguments=...)`` runs the whole WorkflowTemplate
(``workflowTemplateRef``), its arguments checked against the library's entrypoint.
``template_ref("name", "template")`` refers to a template not written in Python (untyped).
"""

from tiphys import Workflow, WorkflowTemplate, container, dag, template_ref


@container(image="busybox:1.36", command=["echo"])
def print_message(message: str):
    """Print one message."""
    return [message]


@container(
    image="alpine/git:2.45.2",
    command=["sh", "-c"],
    outputs={"sha": "/tmp/sha"},
)
def resolve(ref: str = "main"):
    """Resolve a git ref to its commit (the output parameter ``sha``)."""
    return [
        f"git ls-remote https://github.com/argoproj/argo-workflows {ref} | cut -c1-40 > /tmp/sha"
    ]


@dag
def announce(ref: str = "main"):
    """Resolve the ref, then print its commit."""
    commit = resolve(ref=ref)
    print_message(message=commit.outputs.sha)


@container(image="alpine:3.20", command=["sh", "-c"])
def publish(commit: str, channel: str = "stable"):
    """Publish a commit (a library template its entrypoint does not use: see templates=)."""
    return [f"echo publishing {commit} to {channel}"]


library = WorkflowTemplate("release-tools", entrypoint=announce, templates=[publish])


@dag
def release(ref: str):
    """Use the library's templates, then notify through a template written in YAML."""
    commit = library.use(resolve)(ref=ref)
    library.use(print_message)(message=f"releasing {commit.outputs.sha}")
    published = library.use(publish)(commit=commit.outputs.sha, channel="beta")
    notify = template_ref("notifications", "slack")
    notify(channel="#releases", text=commit.outputs.sha).after(published)


release_workflow = Workflow(entrypoint=release, arguments={"ref": "v4.1.2"})

announce_main = Workflow(from_template=library, arguments={"ref": "main"})
