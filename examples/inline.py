"""Inline templates: ``inline=True`` writes a template into the tasks that run it.

An inline template is not listed in ``spec.templates``: each task or step that runs it carries
the whole template (``inline:``), which keeps a one-off helper next to its only use in the YAML.
Argo resolves inline templates one level deep, so an inline ``@dag`` or ``@steps`` runs named
templates only; the entrypoint and the exit handler are always named. Argo substitutes an inline
template in the context of the template that runs it, so an inline template's inputs must not
share a name with that template's inputs (``prepare`` takes ``where``, not ``zone``).
"""

from tiphys import WorkflowTemplate, container, dag, script, steps


@container(image="busybox:1.36", command=["echo"], inline=True)
def say(message: str):
    """Print a message (inlined where it is used)."""
    return [message]


@script(image="python:3.12-slim")
def pick_region(zone: str) -> str:
    """The region of a zone: ``europe-west1-b`` -> ``europe-west1``."""
    return zone.rsplit("-", 1)[0]


@dag(inline=True)
def prepare(where: str):
    """Find the region of a zone (an inline DAG; the templates it runs stay named)."""
    return pick_region(zone=where).result


@steps
def deploy(zone: str = "europe-west1-b"):
    """Announce, prepare, then report the region."""
    say(message=f"deploying to {zone}")
    region = prepare(where=zone)
    say(message=f"region: {region.result}").named("report")


template = WorkflowTemplate("deploy-inline", entrypoint=deploy)
