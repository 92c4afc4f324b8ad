"""Workflow names as the ``argo`` CLI takes them: ``@latest`` is the newest workflow.

The Argo Server resolves ``@latest`` itself on ``GET /api/v1/workflows/{ns}/@latest`` (FACTS
§1.2), but not on the action routes (``DELETE``, ``PUT .../stop``...): commands resolve the
name once with :func:`resolve_name` and use the real name from then on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiphys.client import Client, NotFound

__all__ = ["LATEST", "latest_not_found", "resolve_name"]

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
        NotFound: ``@latest`` in a namespace without workflows (404 from the server); the
            message says so (:func:`latest_not_found`).
        ArgoServerError: Another failure of the request.
    """
    if name != LATEST:
        return name
    from tiphys.client import NotFound

    try:
        found = client.get(LATEST, namespace, fields="metadata.name")
    except NotFound as exc:
        raise latest_not_found(exc, namespace or client.namespace) from None
    real = (found.get("metadata") or {}).get("name")
    if not isinstance(real, str) or not real:
        from tiphys.errors import TiphysError

        raise TiphysError(
            "the server answered @latest without a workflow name; name the workflow instead "
            "(tiphys list shows the names)"
        )
    return real


def latest_not_found(exc: NotFound, namespace: str) -> NotFound:
    """The 404 of ``@latest`` (the server's ``No workflows found.``), said as what it means.

    The generic 404 advice ("check the name") misleads here: ``@latest`` is not a name to
    fix, the namespace has no workflow.

    Args:
        exc: The server's 404 on ``GET /api/v1/workflows/{ns}/@latest``.
        namespace: The namespace that was asked.

    Returns:
        A :class:`NotFound` with the same request details and a message saying the namespace
        has no workflow, and how to pick another one (``-n``).
    """
    from tiphys.client import NotFound

    said = f" (the server: {exc.server_message})" if exc.server_message else ""
    return NotFound(
        f"@latest: there is no workflow in namespace {namespace!r}{said}. Submit one, or "
        "name the namespace that has them with -n NAMESPACE (or ARGO_NAMESPACE).",
        method=exc.method,
        path=exc.path,
        status=exc.status,
        code=exc.code,
        server_message=exc.server_message,
        namespace=namespace,
        body_excerpt=exc.body_excerpt,
    )
