"""Archived workflows (``/api/v1/archived-workflows``): :class:`ArchivedWorkflows`.

Needs the server's workflow archive (a database); without it the server answers 404 or 501.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tiphys.client import _calls as calls
from tiphys.client._calls import ARCHIVE_PATH

if TYPE_CHECKING:
    from tiphys.client.aclient import AsyncClient
    from tiphys.client.client import Client

__all__ = ["ARCHIVE_PATH", "ArchivedWorkflows", "AsyncArchivedWorkflows"]

Json = dict[str, Any]


class ArchivedWorkflows:
    """List, get and delete archived workflows (``Client.archived_workflows``).

    Args:
        client: The client whose requests are used.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<archived workflows of {self._client!r}>"

    def list(
        self,
        namespace: str | None = None,
        *,
        name_prefix: str | None = None,
        label_selector: str | None = None,
        limit: int | None = None,
        max_pages: int = 1000,
    ) -> list[Json]:
        """``GET /api/v1/archived-workflows``: archived workflows (``"items": null`` is ``[]``).

        With ``limit``, pages of ``limit`` items are read following ``metadata.continue``, at
        most ``max_pages`` of them.

        Args:
            namespace: Namespace (query ``namespace``); default the client's; ``""`` for all
                the token may read.
            name_prefix: Only names starting with this (``namePrefix``).
            label_selector: ``listOptions.labelSelector``.
            limit: Page size (``listOptions.limit``), or ``None`` for one unpaged request.
            max_pages: Bound on the pages read (default 1000).

        Returns:
            The archived Workflow items.

        Raises:
            ArgoServerError: A request failed.
        """
        ns = self._client.namespace if namespace is None else namespace
        return self._client._run(
            calls.archive_list(ns, name_prefix, label_selector, limit, max_pages)
        )

    def get(self, uid: str, namespace: str | None = None, name: str | None = None) -> Json:
        """``GET /api/v1/archived-workflows/{uid}``: one archived workflow.

        Args:
            uid: The workflow's ``metadata.uid``.
            namespace: Its namespace (query ``namespace``), or ``None`` to leave it out.
            name: Its name (query ``name``), or ``None``.

        Returns:
            The archived Workflow.

        Raises:
            NotFound: No archived workflow has this uid.
            ArgoServerError: Another failure.
        """
        return self._client._run(calls.archive_get(uid, namespace, name))

    def delete(self, uid: str) -> None:
        """``DELETE /api/v1/archived-workflows/{uid}``: remove a workflow from the archive.

        Retried like a GET; a 404 answering a re-send counts as deleted.

        Args:
            uid: The workflow's ``metadata.uid``.

        Raises:
            NotFound: No archived workflow has this uid.
            ArgoServerError: Another failure.
        """
        self._client._run(calls.archive_delete(uid))


class AsyncArchivedWorkflows:
    """:class:`ArchivedWorkflows`, awaitable (``AsyncClient.archived_workflows``).

    Args:
        client: The async client whose requests are used.
    """

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<async archived workflows of {self._client!r}>"

    async def list(
        self,
        namespace: str | None = None,
        *,
        name_prefix: str | None = None,
        label_selector: str | None = None,
        limit: int | None = None,
        max_pages: int = 1000,
    ) -> list[Json]:
        """``GET /api/v1/archived-workflows``; see :meth:`ArchivedWorkflows.list`.

        Args:
            namespace: Namespace; default the client's; ``""`` for all.
            name_prefix: Only names starting with this (``namePrefix``).
            label_selector: ``listOptions.labelSelector``.
            limit: Page size (``listOptions.limit``).
            max_pages: Bound on the pages read (default 1000).

        Returns:
            The archived Workflow items.

        Raises:
            ArgoServerError: A request failed.
        """
        ns = self._client.namespace if namespace is None else namespace
        return await self._client._run(
            calls.archive_list(ns, name_prefix, label_selector, limit, max_pages)
        )

    async def get(self, uid: str, namespace: str | None = None, name: str | None = None) -> Json:
        """``GET /api/v1/archived-workflows/{uid}``: one archived workflow.

        Args:
            uid: The workflow's ``metadata.uid``.
            namespace: Its namespace (query ``namespace``), or ``None``.
            name: Its name (query ``name``), or ``None``.

        Returns:
            The archived Workflow.

        Raises:
            NotFound: No archived workflow has this uid.
            ArgoServerError: Another failure.
        """
        return await self._client._run(calls.archive_get(uid, namespace, name))

    async def delete(self, uid: str) -> None:
        """``DELETE /api/v1/archived-workflows/{uid}`` (404 after a re-send is done).

        Args:
            uid: The workflow's ``metadata.uid``.

        Raises:
            NotFound: No archived workflow has this uid.
            ArgoServerError: Another failure.
        """
        await self._client._run(calls.archive_delete(uid))
