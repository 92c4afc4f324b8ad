"""Archived workflows (``/api/v1/archived-workflows``): :class:`ArchivedWorkflows`.

Needs the server's workflow archive (a database); without it the server answers 404 or 501.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tiphys.client.streams import items_of

if TYPE_CHECKING:
    from tiphys.client.client import Client

__all__ = ["ARCHIVE_PATH", "ArchivedWorkflows"]

#: Path of the archived-workflows collection.
ARCHIVE_PATH = "/api/v1/archived-workflows"

Json = dict[str, Any]


class ArchivedWorkflows:
    """List, get and delete archived workflows (``Client.archived_workflows``).

    Args:
        client: The client whose requests are used.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

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
        base = {
            key: value
            for key, value in {
                "namespace": ns or None,
                "namePrefix": name_prefix,
                "listOptions.labelSelector": label_selector,
                "listOptions.limit": None if limit is None else str(limit),
            }.items()
            if value is not None
        }
        items: list[Json] = []
        cont: str | None = None
        for _ in range(max(1, max_pages)):
            query = dict(base)
            if cont:
                query["listOptions.continue"] = cont
            page = self._client.request("GET", ARCHIVE_PATH, query=query)
            items += items_of(page)
            cont = (page.get("metadata") or {}).get("continue") if limit is not None else None
            if not cont:
                break
        return items

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
        query = {k: v for k, v in {"namespace": namespace, "name": name}.items() if v}
        result: Json = self._client.request(
            "GET", f"{ARCHIVE_PATH}/{quote(uid, safe='')}", query=query
        )
        return result

    def delete(self, uid: str) -> None:
        """``DELETE /api/v1/archived-workflows/{uid}``: remove a workflow from the archive.

        Retried like a GET; a 404 answering a re-send counts as deleted.

        Args:
            uid: The workflow's ``metadata.uid``.

        Raises:
            NotFound: No archived workflow has this uid.
            ArgoServerError: Another failure.
        """
        self._client.request(
            "DELETE", f"{ARCHIVE_PATH}/{quote(uid, safe='')}", done_after_retry=frozenset({404})
        )
