"""Workflow names as the ``argo`` CLI takes them: ``@latest`` is the newest workflow.

The Argo Server resolves ``@latest`` itself on ``GET /api/v1/workflows/{ns}/@latest`` (FACTS
§1.2), but not on the action routes (``DELETE``, ``PUT .../stop``...): commands resolve the
name once with :func:`resolve_name` and use the real name from then on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiphys.client import Client

__all__ = ["LATEST", "resolve_name"]

#: The alias of the newest workflow of a namespace.
LATEST = "@latest"


def resolve_name(client: Client, namespace: str | None, name: str) -> str:
    """The real name of a workflow named on the command line.

    Args:
        client: The client to ask.
        namespace: The namespace (``None``: the client's).
        name: A workflow name, or ``@latest`` for the newest workflow of the namespace.

    Returns:
        ``name`` unchanged, or for ``@latest`` the ``metadata.name`` of the newest workflow
        (one ``GET /api/v1/workflows/{ns}/@latest?fields=metadata.name``).

    Raises:
        NotFound: ``@latest`` in a namespace without workflows (404 from the server).
        ArgoServerError: Another failure of the request.
    """
    if name != LATEST:
        return name
    found = client.get(LATEST, namespace, fields="metadata.name")
    real = (found.get("metadata") or {}).get("name")
    if not isinstance(real, str) or not real:
        from tiphys.errors import TiphysError

        raise TiphysError(
            "the server answered @latest without a workflow name; name the workflow instead "
            "(tiphys list shows the names)"
        )
    return real
