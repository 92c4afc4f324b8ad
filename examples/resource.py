"""Resource templates: create, patch and delete Kubernetes objects with ``kubectl``.

The body returns the manifest. A dict is written as YAML; a value holding parameters becomes a
``{{=toJson(...)}}`` tag, so any text arrives as one well-formed YAML string and ``int``
parameters as numbers. Outputs are read from the object (``json_path``, ``jq_filter``); success
and failure conditions are checked on each update of the object. The workflow's service account
needs RBAC for these actions.
"""

from tiphys import Output, WorkflowTemplate, dag, resource


@resource(
    action="create",
    success="status.succeeded > 0",
    failure="status.failed > 0",
    set_owner_reference=True,
    outputs=[Output("job-name", json_path="{.metadata.name}")],
)
def run_job(message: str, completions: int = 1):
    """A Job owned by the workflow (deleted with it)."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "echo-", "labels": {"cleanup": "true"}},
        "spec": {
            "completions": completions,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "echo", "image": "busybox:1.36", "command": ["echo", message]}
                    ],
                    "restartPolicy": "Never",
                }
            },
        },
    }


@resource(action="patch", merge_strategy="merge", flags=["job", "{name}"])
def mark_done(name: str):
    """A JSON merge patch of the Job's labels."""
    return {"metadata": {"labels": {"done": "true"}}}


@resource(action="delete", flags=["job", "--selector", "{selector}"])
def cleanup(selector: str = "cleanup=true"):
    """Delete by label selector: no manifest needed."""


@dag
def jobs(message: str = "hello"):
    """Run a Job, label it, clean up."""
    job = run_job(message=message)
    done = mark_done(name=job.outputs.job_name)
    cleanup().after(done)


template = WorkflowTemplate("jobs", entrypoint=jobs, service_account="job-runner")
