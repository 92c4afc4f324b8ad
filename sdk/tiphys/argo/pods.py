"""Rules of the pods Argo creates for templates, read from manifest dicts.

Argo v4.1.2 (``workflow/controller/workflowpod.go``, ``setupServiceAccount``) takes
``automountServiceAccountToken`` and ``executor.serviceAccountName`` from the template (with
``templateDefaults`` merged in) or else from the workflow spec. When the token is not mounted,
the executor (the ``wait``/``init`` containers, which talk to the Kubernetes API) needs a service
account of its own, and without one the pod is never created: the node errors with
"executor.serviceAccountName must not be empty if automountServiceAccountToken is false".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ARGO_CONTAINER_NAMES",
    "POD_TEMPLATE_TYPES",
    "argo_container_problem",
    "lacks_executor_token",
]

ARGO_CONTAINER_NAMES: tuple[str, ...] = ("init", "wait")
"""Names of the containers Argo adds to every pod it runs (``workflow/common``
``InitContainerName``, ``WaitContainerName``; ``workflow/controller/workflowpod.go``). Kubernetes
requires container names to be unique across a pod's init and regular containers, so a user
container of one of these names makes the pod invalid."""


def argo_container_problem(name: str) -> str | None:
    """Say why ``name`` clashes with a container Argo adds to the pod, or return ``None``.

    Args:
        name: A user container's name (a ``containerSet`` container).

    Returns:
        The reason, as a clause following the name, or ``None``.
    """
    if name in ARGO_CONTAINER_NAMES:
        return (
            f"is the name of Argo's own {name!r} container in the pod, and Kubernetes refuses "
            "two containers of one name: rename it"
        )
    return None


POD_TEMPLATE_TYPES: tuple[str, ...] = ("container", "script", "resource", "containerSet", "data")
"""Template types that run in a pod of their own (HTTP and plugin templates run in the agent)."""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(holders: tuple[Mapping[str, Any], ...], read: Any) -> Any:
    for holder in holders:
        value = read(holder)
        if value is not None:
            return value
    return None


def lacks_executor_token(
    template: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
    spec: Mapping[str, Any] | None = None,
) -> bool:
    """Whether a template's pod cannot be created for lack of an executor token.

    Args:
        template: A ``spec.templates[]`` entry.
        defaults: ``spec.templateDefaults`` (merged into every template by Argo).
        spec: The workflow spec, whose fields apply when the template sets none.

    Returns:
        True when the template runs in a pod, its effective ``automountServiceAccountToken`` is
        ``false`` and no ``executor.serviceAccountName`` applies to it.
    """
    if not any(template.get(kind) is not None for kind in POD_TEMPLATE_TYPES):
        return False
    holders = (template, _mapping(defaults), _mapping(spec))
    if _first(holders, lambda h: h.get("automountServiceAccountToken")) is not False:
        return False
    return not _first(holders, lambda h: _mapping(h.get("executor")).get("serviceAccountName"))
