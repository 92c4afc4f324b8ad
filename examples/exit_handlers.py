"""Exit handlers and lifecycle hooks: clean up after a task whatever happens, announce a
rollout when it starts, and report the workflow's outcome at the end.

* ``task.on_exit(template, **arguments)`` is the task's exit handler (``hooks.exit``): it runs
  when the task ends, succeeded, failed or errored; its arguments may use the task's values
  (``status=d.status``).
* ``task.hook(name, template, expression=d.status == "Running", ...)`` runs a template once,
  beside the task, as soon as the condition holds (``hooks.<name>``, an expr-lang expression).
* ``Workflow(on_exit=...)`` is the workflow's exit handler (``spec.onExit``). Only it and the
  workflow-level hooks see ``{{workflow.status}}`` (``Succeeded``, ``Failed`` or ``Error``) and
  ``{{workflow.failures}}`` (a JSON list of the failed nodes); tiphys refuses
  ``{{workflow.failures}}`` in a template the main run reaches.
* ``Workflow(hooks={"running": Hook(...)})`` adds workflow-level hooks (``spec.hooks``).

Exit handlers run on success, failure, error, a deadline and ``argo stop``, but not on
``argo terminate``; a failed exit handler fails the workflow.
"""

from tiphys import Hook, Workflow, container, dag, parallel, steps

KUBECTL = "bitnami/kubectl:1.30"


@container(image=KUBECTL, command=["kubectl"])
def roll_out(app: str, version: str):
    """Point the deployment at the new image."""
    return ["set", "image", f"deployment/{app}", f"{app}=registry.local/{app}:{version}"]


@container(image=KUBECTL, command=["kubectl"])
def unlock(app: str, outcome: str):
    """Lift the deploy lock and record how the rollout ended."""
    return [
        "annotate",
        "--overwrite",
        f"deployment/{app}",
        "deploy-lock-",
        f"last-rollout={outcome}",
    ]


@container(image="curlimages/curl:8.8.0", command=["curl", "-fsS", "-X", "POST"])
def announce(text: str):
    """Post a line to the deploys channel."""
    return ["--data", text, "http://chat.local/hooks/deploys"]


@container(image="registry.local/oncall-notifier:2.1")
def page(failures: str):
    """Page the on-call engineer with the failed nodes (a JSON list)."""
    return ["--failures", failures]


@dag
def rollout(version: str, app: str = "web"):
    """Roll out one version; unlock afterwards whatever happens."""
    deployed = roll_out(app=app, version=version)
    deployed.on_exit(unlock, app=app, outcome=deployed.status)
    deployed.hook(
        "started", announce, expression=deployed.status == "Running", text=f"rolling out {version}"
    )


@steps
def report():
    """The workflow's exit handler: always announce, page only when something failed."""
    with parallel():
        announce(text="{{workflow.name}} finished: {{workflow.status}}")
        page(failures="{{workflow.failures}}").when("{{workflow.status}} != Succeeded")


workflow = Workflow(
    entrypoint=rollout,
    arguments={"version": "1.4.2"},
    on_exit=report,
    hooks={
        "running": Hook(
            announce,
            expression="workflow.status == 'Running'",
            arguments={"text": "{{workflow.name}} started"},
        )
    },
)
