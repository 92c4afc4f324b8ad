"""Argo's ``{{...}}`` template tags: finding them in strings, and the variables they may name.

Argo (v4.1.2, ``util/template``) cuts a string at each ``{{`` and the next ``}}`` (fasttemplate).
A tag that starts with ``=`` is an expr-lang expression (``{{=inputs.parameters.x}}``), which the
validator does not check; any other tag is a *simple* tag naming one variable. A simple tag with
whitespace inside the braces (``{{ inputs.parameters.x }}``) is left alone by substitution
(argo-workflows#11767, #4484), so :func:`simple_tags` leaves it out too.

The variables (``docs/variables.md``, ``util/variables/keys``) are listed here as data, so that
checks stay small: :data:`WORKFLOW_VARIABLES` and :data:`WORKFLOW_PREFIXES` for ``workflow.*``,
:data:`NODE_FIELDS` for ``tasks.<name>.*`` and ``steps.<name>.*``.
"""

from __future__ import annotations

__all__ = [
    "NODE_FIELDS",
    "WORKFLOW_PREFIXES",
    "WORKFLOW_VARIABLES",
    "simple_tags",
]

WORKFLOW_VARIABLES: tuple[str, ...] = (
    "name",
    "namespace",
    "uid",
    "serviceAccountName",
    "mainEntrypoint",
    "priority",
    "duration",
    "creationTimestamp",
    "scheduledTime",
    "status",
    "failures",
    "parameters",
    "labels",
    "annotations",
)
"""``workflow.<name>`` variables taken whole (``status`` and ``failures`` are meant for exit
handlers; ``scheduledTime`` for CronWorkflows; ``parameters``, ``labels`` and ``annotations``
alone are JSON objects)."""

WORKFLOW_PREFIXES: tuple[str, ...] = (
    "creationTimestamp.",
    "parameters.",
    "labels.",
    "annotations.",
    "outputs.parameters.",
    "outputs.artifacts.",
)
"""``workflow.<prefix><name>`` families (``creationTimestamp.RFC3339``, ``parameters.json``,
``labels.<key>``, ``outputs.parameters.<globalName>``...)."""

NODE_FIELDS: tuple[str, ...] = (
    "id",
    "ip",
    "status",
    "exitCode",
    "startedAt",
    "finishedAt",
    "hostNodeName",
    "outputs.result",
    "outputs.parameters",
)
"""Fields of ``tasks.<name>`` and ``steps.<name>``; besides these, ``outputs.parameters.<name>``
and ``outputs.artifacts.<name>`` name one output."""


def simple_tags(text: str) -> list[str]:
    """The simple tags of ``text`` that Argo checks and substitutes, in order.

    Args:
        text: Any string of a manifest.

    Returns:
        The text between each ``{{`` and the next ``}}`` (``inputs.parameters.x`` for
        ``{{inputs.parameters.x}}``), leaving out expression tags (``{{=...}}``), tags with
        whitespace inside the braces and empty ones. An unclosed ``{{`` ends the search.
    """
    found: list[str] = []
    start = text.find("{{")
    while start != -1:
        end = text.find("}}", start + 2)
        if end == -1:
            break
        tag = text[start + 2 : end]
        if tag and not tag.startswith("=") and not any(c.isspace() for c in tag):
            found.append(tag)
        start = text.find("{{", end + 2)
    return found
