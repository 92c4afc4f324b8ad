"""WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow endpoints (private).

Reached as :attr:`Client.workflow_templates`, :attr:`Client.cluster_workflow_templates` and
:attr:`Client.cron_workflows`. Creates, lints and updates are sent once: a re-sent update whose
first send succeeded would fail with 409 (its ``metadata.resourceVersion`` is then stale), a false
failure; gets, lists and deletes are retried like every GET and DELETE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tiphys.client.streams import items_of
from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from tiphys.client.client import Client

__all__ = [
    "CLUSTER_WORKFLOW_TEMPLATE",
    "CRON_WORKFLOW",
    "WORKFLOW_TEMPLATE",
    "CronWorkflows",
    "Kind",
    "Resources",
]

Json = dict[str, Any]
_GONE = frozenset({404})


@dataclass(frozen=True)
class Kind:
    """One resource of the Argo Server.

    Attributes:
        name: The kind (``"WorkflowTemplate"``).
        collection: Path of the collection, ``{namespace}`` included when namespaced.
        body_key: Field of the request wrappers holding the manifest (``"template"``).
        namespaced: Whether requests take a namespace.
    """

    name: str
    collection: str
    body_key: str
    namespaced: bool


WORKFLOW_TEMPLATE = Kind(
    "WorkflowTemplate", "/api/v1/workflow-templates/{namespace}", "template", True
)
CLUSTER_WORKFLOW_TEMPLATE = Kind(
    "ClusterWorkflowTemplate", "/api/v1/cluster-workflow-templates", "template", False
)
CRON_WORKFLOW = Kind("CronWorkflow", "/api/v1/cron-workflows/{namespace}", "cronWorkflow", True)


class Resources:
    """create/get/list/update/delete/lint of one kind (see the module documentation).

    Args:
        client: The client that sends the requests.
        kind: The resource.
    """

    def __init__(self, client: Client, kind: Kind) -> None:
        self._client = client
        self.kind = kind

    def __repr__(self) -> str:
        return f"<{self.kind.name} endpoints of {self._client!r}>"

    def _ns(self, namespace: str | None) -> str | None:
        return (namespace or self._client.namespace) if self.kind.namespaced else None

    def _path(self, ns: str | None, name: str | None = None, action: str = "") -> str:
        path = self.kind.collection.replace("{namespace}", quote(ns or "", safe=""))
        if name is not None:
            path += "/" + quote(name, safe="")
        return path + (f"/{action}" if action else "")

    def _body(self, ns: str | None, **fields: Any) -> Json:
        body: Json = {"namespace": ns} if ns is not None else {}
        body.update(fields)
        return body

    def create(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``POST {collection}``: create the object (sent once).

        Args:
            manifest: The whole manifest (``apiVersion``, ``kind``, ``metadata``, ``spec``).
            namespace: Namespace to create in (namespaced kinds); default the client's.

        Returns:
            The created object.

        Raises:
            AlreadyExists: 409, the name is taken.
            InvalidRequest: 400, the server's validation message.
            ArgoServerError: Another failure.
        """
        ns = self._ns(namespace)
        body = self._body(ns, **{self.kind.body_key: dict(manifest)})
        result: Json = self._client.request("POST", self._path(ns), body=body)
        return result

    def lint(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``POST {collection}/lint``: validate the object on the server (sent once).

        Args:
            manifest: The whole manifest.
            namespace: Namespace (namespaced kinds); default the client's.

        Returns:
            The object as the server would create it.

        Raises:
            InvalidRequest: 400, the server's lint message, whole.
            ArgoServerError: Another failure.
        """
        ns = self._ns(namespace)
        body = self._body(ns, **{self.kind.body_key: dict(manifest)})
        result: Json = self._client.request("POST", self._path(ns, action="lint"), body=body)
        return result

    def get(self, name: str, namespace: str | None = None) -> Json:
        """``GET {collection}/{name}``: one object.

        Args:
            name: Its name.
            namespace: Its namespace (namespaced kinds); default the client's.

        Returns:
            The object.

        Raises:
            NotFound: 404, no such object.
            ArgoServerError: Another failure.
        """
        result: Json = self._client.request("GET", self._path(self._ns(namespace), name))
        return result

    def list(
        self,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        limit: int | None = None,
        max_pages: int = 1000,
    ) -> list[Json]:
        """``GET {collection}``: the objects (``"items": null`` is ``[]``).

        Args:
            namespace: Namespace (namespaced kinds); default the client's.
            label_selector: ``listOptions.labelSelector``.
            limit: Page size (``listOptions.limit``); pages follow ``metadata.continue``.
            max_pages: Bound on the pages read (default 1000).

        Returns:
            The items.

        Raises:
            ArgoServerError: A request failed.
        """
        base: dict[str, str] = {}
        if label_selector is not None:
            base["listOptions.labelSelector"] = label_selector
        if limit is not None:
            base["listOptions.limit"] = str(limit)
        path = self._path(self._ns(namespace))
        items: list[Json] = []
        cont: str | None = None
        for _ in range(max(1, max_pages)):
            query = dict(base)
            if cont:
                query["listOptions.continue"] = cont
            page = self._client.request("GET", path, query=query)
            items += items_of(page)
            cont = (page.get("metadata") or {}).get("continue") if limit is not None else None
            if not cont:
                break
        return items

    def update(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``PUT {collection}/{name}``: replace the object (sent once).

        Args:
            manifest: The whole manifest with ``metadata.name`` and the server's
                ``metadata.resourceVersion`` (read it with :meth:`get`).
            namespace: Namespace (namespaced kinds); default the client's.

        Returns:
            The updated object.

        Raises:
            TiphysError: The manifest has no ``metadata.name``.
            Conflict: 409, the object changed since its resourceVersion was read.
            InvalidRequest: 400, e.g. no ``metadata.resourceVersion``.
            ArgoServerError: Another failure.
        """
        metadata = manifest.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        if not isinstance(name, str) or not name:
            raise TiphysError(
                f"cannot update a {self.kind.name} without metadata.name: the server finds the "
                "object to replace by its name."
            )
        ns = self._ns(namespace)
        body = self._body(ns, name=name, **{self.kind.body_key: dict(manifest)})
        result: Json = self._client.request(
            "PUT", self._path(ns, name), body=body, idempotent=False
        )
        return result

    def delete(self, name: str, namespace: str | None = None) -> None:
        """``DELETE {collection}/{name}``: delete the object (retried; 404 after a re-send is
        done).

        Args:
            name: Its name.
            namespace: Its namespace (namespaced kinds); default the client's.

        Raises:
            NotFound: 404, no such object.
            ArgoServerError: Another failure.
        """
        self._client.request(
            "DELETE", self._path(self._ns(namespace), name), done_after_retry=_GONE
        )


class CronWorkflows(Resources):
    """CronWorkflow endpoints: those of :class:`Resources` plus suspend and resume.

    Args:
        client: The client that sends the requests.
    """

    def __init__(self, client: Client) -> None:
        super().__init__(client, CRON_WORKFLOW)

    def _toggle(self, action: str, name: str, namespace: str | None) -> Json:
        ns = self._ns(namespace)
        body = self._body(ns, name=name)
        result: Json = self._client.request("PUT", self._path(ns, name, action), body=body)
        return result

    def suspend(self, name: str, namespace: str | None = None) -> Json:
        """``PUT /api/v1/cron-workflows/{namespace}/{name}/suspend``: stop scheduling.

        Args:
            name: CronWorkflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The CronWorkflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return self._toggle("suspend", name, namespace)

    def resume(self, name: str, namespace: str | None = None) -> Json:
        """``PUT /api/v1/cron-workflows/{namespace}/{name}/resume``: schedule again.

        Args:
            name: CronWorkflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The CronWorkflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return self._toggle("resume", name, namespace)
