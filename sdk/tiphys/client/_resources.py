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

from tiphys.client._calls import Call, Plan, obj, paged
from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from tiphys.client.aclient import AsyncClient
    from tiphys.client.client import Client

__all__ = [
    "CLUSTER_WORKFLOW_TEMPLATE",
    "CRON_WORKFLOW",
    "WORKFLOW_TEMPLATE",
    "AsyncCronWorkflows",
    "AsyncResources",
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


def path_of(kind: Kind, ns: str | None, name: str | None = None, action: str = "") -> str:
    """The path of a collection, an object or an object's action, quoted."""
    path = kind.collection.replace("{namespace}", quote(ns or "", safe=""))
    if name is not None:
        path += "/" + quote(name, safe="")
    return path + (f"/{action}" if action else "")


def _body(ns: str | None, **fields: Any) -> Json:
    body: Json = {"namespace": ns} if ns is not None else {}
    body.update(fields)
    return body


def create_plan(kind: Kind, ns: str | None, manifest: Mapping[str, Any]) -> Plan[Json]:
    """``POST {collection}`` (sent once)."""
    body = _body(ns, **{kind.body_key: dict(manifest)})
    return (yield from obj(Call("POST", path_of(kind, ns), body=body)))


def lint_plan(kind: Kind, ns: str | None, manifest: Mapping[str, Any]) -> Plan[Json]:
    """``POST {collection}/lint`` (sent once)."""
    body = _body(ns, **{kind.body_key: dict(manifest)})
    return (yield from obj(Call("POST", path_of(kind, ns, action="lint"), body=body)))


def get_plan(kind: Kind, ns: str | None, name: str) -> Plan[Json]:
    """``GET {collection}/{name}``."""
    return (yield from obj(Call("GET", path_of(kind, ns, name))))


def list_plan(
    kind: Kind, ns: str | None, label_selector: str | None, limit: int | None, max_pages: int
) -> Plan[list[Json]]:
    """``GET {collection}``, paged."""
    base: dict[str, str] = {}
    if label_selector is not None:
        base["listOptions.labelSelector"] = label_selector
    if limit is not None:
        base["listOptions.limit"] = str(limit)
    return (yield from paged(path_of(kind, ns), base, limit, max_pages))


def update_plan(kind: Kind, ns: str | None, manifest: Mapping[str, Any]) -> Plan[Json]:
    """``PUT {collection}/{name}`` (sent once); needs ``metadata.name``."""
    metadata = manifest.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        raise TiphysError(
            f"cannot update a {kind.name} without metadata.name: the server finds the "
            "object to replace by its name."
        )
    body = _body(ns, name=name, **{kind.body_key: dict(manifest)})
    call = Call("PUT", path_of(kind, ns, name), body=body, idempotent=False)
    return (yield from obj(call))


def delete_plan(kind: Kind, ns: str | None, name: str) -> Plan[None]:
    """``DELETE {collection}/{name}`` (404 after a re-send is done)."""
    yield Call("DELETE", path_of(kind, ns, name), done_after_retry=_GONE)


def toggle_plan(action: str, ns: str | None, name: str) -> Plan[Json]:
    """``PUT /api/v1/cron-workflows/{ns}/{name}/{suspend|resume}``."""
    body = _body(ns, name=name)
    return (yield from obj(Call("PUT", path_of(CRON_WORKFLOW, ns, name, action), body=body)))


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
        return path_of(self.kind, ns, name, action)

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
        return self._client._run(create_plan(self.kind, self._ns(namespace), manifest))

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
        return self._client._run(lint_plan(self.kind, self._ns(namespace), manifest))

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
        return self._client._run(get_plan(self.kind, self._ns(namespace), name))

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
        return self._client._run(
            list_plan(self.kind, self._ns(namespace), label_selector, limit, max_pages)
        )

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
        return self._client._run(update_plan(self.kind, self._ns(namespace), manifest))

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
        self._client._run(delete_plan(self.kind, self._ns(namespace), name))


class CronWorkflows(Resources):
    """CronWorkflow endpoints: those of :class:`Resources` plus suspend and resume.

    Args:
        client: The client that sends the requests.
    """

    def __init__(self, client: Client) -> None:
        super().__init__(client, CRON_WORKFLOW)

    def _toggle(self, action: str, name: str, namespace: str | None) -> Json:
        return self._client._run(toggle_plan(action, self._ns(namespace), name))

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


class AsyncResources:
    """The endpoints of :class:`Resources`, awaitable (``AsyncClient.workflow_templates``...).

    The requests are those of :class:`Resources` (the same plans); see its methods.

    Args:
        client: The async client that sends the requests.
        kind: The resource.
    """

    def __init__(self, client: AsyncClient, kind: Kind) -> None:
        self._client = client
        self.kind = kind

    def __repr__(self) -> str:
        return f"<async {self.kind.name} endpoints of {self._client!r}>"

    def _ns(self, namespace: str | None) -> str | None:
        return (namespace or self._client.namespace) if self.kind.namespaced else None

    async def create(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``POST {collection}``: create the object (sent once); see :meth:`Resources.create`.

        Args:
            manifest: The whole manifest.
            namespace: Namespace (namespaced kinds); default the client's.

        Returns:
            The created object.

        Raises:
            ArgoServerError: As :meth:`Resources.create`.
        """
        return await self._client._run(create_plan(self.kind, self._ns(namespace), manifest))

    async def lint(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``POST {collection}/lint`` (sent once); see :meth:`Resources.lint`.

        Args:
            manifest: The whole manifest.
            namespace: Namespace (namespaced kinds); default the client's.

        Returns:
            The object as the server would create it.

        Raises:
            ArgoServerError: As :meth:`Resources.lint`.
        """
        return await self._client._run(lint_plan(self.kind, self._ns(namespace), manifest))

    async def get(self, name: str, namespace: str | None = None) -> Json:
        """``GET {collection}/{name}``; see :meth:`Resources.get`.

        Args:
            name: Its name.
            namespace: Its namespace (namespaced kinds); default the client's.

        Returns:
            The object.

        Raises:
            NotFound: 404, no such object.
            ArgoServerError: Another failure.
        """
        return await self._client._run(get_plan(self.kind, self._ns(namespace), name))

    async def list(
        self,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        limit: int | None = None,
        max_pages: int = 1000,
    ) -> list[Json]:
        """``GET {collection}``, paged; see :meth:`Resources.list`.

        Args:
            namespace: Namespace (namespaced kinds); default the client's.
            label_selector: ``listOptions.labelSelector``.
            limit: Page size (``listOptions.limit``).
            max_pages: Bound on the pages read (default 1000).

        Returns:
            The items.

        Raises:
            ArgoServerError: A request failed.
        """
        return await self._client._run(
            list_plan(self.kind, self._ns(namespace), label_selector, limit, max_pages)
        )

    async def update(self, manifest: Mapping[str, Any], namespace: str | None = None) -> Json:
        """``PUT {collection}/{name}`` (sent once); see :meth:`Resources.update`.

        Args:
            manifest: The whole manifest with ``metadata.name`` and ``resourceVersion``.
            namespace: Namespace (namespaced kinds); default the client's.

        Returns:
            The updated object.

        Raises:
            TiphysError: No ``metadata.name``.
            Conflict: 409, the object changed since its resourceVersion was read.
            ArgoServerError: Another failure.
        """
        return await self._client._run(update_plan(self.kind, self._ns(namespace), manifest))

    async def delete(self, name: str, namespace: str | None = None) -> None:
        """``DELETE {collection}/{name}`` (retried; 404 after a re-send is done).

        Args:
            name: Its name.
            namespace: Its namespace (namespaced kinds); default the client's.

        Raises:
            NotFound: 404, no such object.
            ArgoServerError: Another failure.
        """
        await self._client._run(delete_plan(self.kind, self._ns(namespace), name))


class AsyncCronWorkflows(AsyncResources):
    """CronWorkflow endpoints, awaitable: those of :class:`AsyncResources`, suspend, resume.

    Args:
        client: The async client that sends the requests.
    """

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client, CRON_WORKFLOW)

    async def suspend(self, name: str, namespace: str | None = None) -> Json:
        """``PUT /api/v1/cron-workflows/{namespace}/{name}/suspend``: stop scheduling.

        Args:
            name: CronWorkflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The CronWorkflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return await self._client._run(toggle_plan("suspend", self._ns(namespace), name))

    async def resume(self, name: str, namespace: str | None = None) -> Json:
        """``PUT /api/v1/cron-workflows/{namespace}/{name}/resume``: schedule again.

        Args:
            name: CronWorkflow name.
            namespace: Its namespace; default the client's.

        Returns:
            The CronWorkflow.

        Raises:
            ArgoServerError: The request failed.
        """
        return await self._client._run(toggle_plan("resume", self._ns(namespace), name))
