"""Create-or-update of WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows: apply, diff.

:func:`apply` reads the object from the Argo Server (``GET``); when there is none (404) it
creates it (``POST``, sent once), else it compares what the manifest owns with what the server
holds and either reports it unchanged or replaces it (``PUT``) with the server's
``metadata.resourceVersion``. A stale resourceVersion (409: someone changed the object in
between) is a :class:`~tiphys.client.errors.Conflict` telling to run apply again; nothing is
ever re-sent blindly.

What the manifest owns (and what is compared) is ``spec``, ``metadata.labels`` and
``metadata.annotations``. The rest of what the server holds is its own and ignored:
``resourceVersion``, ``uid``, ``creationTimestamp``, ``generation``, ``managedFields``,
``status``, and labels/annotations under the system prefixes (:data:`SYSTEM_PREFIXES`, e.g.
``workflows.argoproj.io/creator``) unless the manifest sets them. Both sides are compared in a
canonical form that absorbs how the server re-encodes objects (Go ``omitempty``): ``null``,
``""``, ``false``, ``0``, ``{}`` and ``[]`` are the same as an absent field (but an explicit
``false``/``0`` of a pointer field such as ``failFast`` or ``runAsUser`` counts), parameter
``value``/``default``/``enum`` are strings (``1`` is ``"1"``, ``true`` is ``"true"``), and
resource quantities (``resources.limits/requests``, ``sizeLimit``) are in the form Kubernetes
stores (``1024Mi`` is ``1Gi``, ``0.5`` is ``500m``).
"""

from __future__ import annotations

import copy
import decimal
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tiphys.errors import CompileError, TiphysError

if TYPE_CHECKING:
    from tiphys.client._calls import Plan
    from tiphys.client._resources import Kind
    from tiphys.client.aclient import AsyncClient
    from tiphys.client.client import Client

__all__ = [
    "APPLY_KINDS",
    "SYSTEM_PREFIXES",
    "ApplyResult",
    "apply",
    "async_apply",
    "diff",
    "owned_view",
    "update",
]

Json = dict[str, Any]

#: Kinds :func:`apply` takes, by ``kind``, to the :class:`Client` attribute of their endpoints.
APPLY_KINDS: dict[str, str] = {
    "WorkflowTemplate": "workflow_templates",
    "ClusterWorkflowTemplate": "cluster_workflow_templates",
    "CronWorkflow": "cron_workflows",
}

#: Label and annotation key prefixes written by the server, the controller or kubectl. Such a key
#: on the server is ignored by the comparison, and kept on update, unless the manifest sets it.
SYSTEM_PREFIXES: tuple[str, ...] = (
    "workflows.argoproj.io/",
    "cronworkflows.argoproj.io/",
    "kubectl.kubernetes.io/",
)

_PARAMETER_SCALARS = ("value", "default")

#: Fields that are Go pointers (``*bool``, ``*int``, ``*IntOrString``) in the Workflow,
#: template, CronWorkflow and security-context types: the server keeps an explicit ``false`` or
#: ``0`` there, and it differs from unset (``failFast: false`` vs the default true,
#: ``runAsUser: 0``, ``retryStrategy.limit: 0``, ``ttlStrategy.secondsAfterCompletion: 0``).
#: Names that are a plain ``omitempty`` bool or int anywhere in those types (``suspend``,
#: ``optional``, ``timeoutSeconds``) are left out: their zero is the same as unset.
_POINTER_FIELDS = frozenset(
    {
        "activeDeadlineSeconds",
        "allowPrivilegeEscalation",
        "archiveLogs",
        "automountServiceAccountToken",
        "daemon",
        "failFast",
        "failedJobsHistoryLimit",
        "fsGroup",
        "hostNetwork",
        "limit",
        "parallelism",
        "podPriority",
        "priority",
        "privileged",
        "readOnlyRootFilesystem",
        "runAsGroup",
        "runAsNonRoot",
        "runAsUser",
        "secondsAfterCompletion",
        "secondsAfterFailure",
        "secondsAfterSuccess",
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "terminationGracePeriodSeconds",
    }
)


@dataclass(frozen=True)
class ApplyResult:
    """What :func:`apply` did to one object.

    Attributes:
        action: ``"created"``, ``"updated"`` or ``"unchanged"`` (with ``dry_run``: what it
            would do).
        kind: ``WorkflowTemplate``, ``ClusterWorkflowTemplate`` or ``CronWorkflow``.
        name: ``metadata.name``.
        namespace: Its namespace, ``None`` for a ClusterWorkflowTemplate.
        object: What the server returned (``created``/``updated``) or holds (``unchanged``);
            with ``dry_run``, what would be sent (or the server's copy when unchanged).
        dry_run: Whether nothing was sent but the ``GET``.
    """

    action: str
    kind: str
    name: str
    namespace: str | None
    object: dict[str, Any] = field(repr=False)
    dry_run: bool = False

    def __str__(self) -> str:
        """``workflowtemplate/release created`` (``... (dry run)`` with ``dry_run``)."""
        suffix = " (dry run)" if self.dry_run else ""
        return f"{self.kind.lower()}/{self.name} {self.action}{suffix}"


# --- canonical form -----------------------------------------------------------------------------


def _scalar_text(value: Any) -> Any:
    """A parameter scalar as the server stores it (Argo's ``AnyString``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return value


def _is_zero(value: Any) -> bool:
    """Whether Go's ``omitempty`` drops ``value`` (``null``, ``false``, ``0``, ``""``, empty)."""
    if value is None or value is False:
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    return isinstance(value, str | dict | list) and not value


_QUANTITY = re.compile(
    r"([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_BINARY = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_DECIMAL = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}


def _quantity(value: Any) -> Any:
    """A resource quantity in the canonical form Kubernetes stores (``Quantity.String``):
    ``1024Mi`` -> ``1Gi``, ``0.5`` -> ``500m``, ``1000`` -> ``1k``; other values unchanged."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return value
    match = _QUANTITY.fullmatch(str(value).strip())
    if match is None:
        return value
    try:
        number = decimal.Decimal(match.group(1))
    except decimal.InvalidOperation:
        return value
    suffix = match.group(2) or ""
    binary = suffix in _BINARY[1:]
    if binary:
        amount = number * (1024 ** _BINARY.index(suffix))
    elif suffix[:1] in ("e", "E"):
        amount = number.scaleb(int(suffix[1:]))
    else:
        amount = number.scaleb({v: k for k, v in _DECIMAL.items()}[suffix])
    if amount == 0:
        return "0"
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if binary and amount >= 1024 and amount == amount.to_integral_value():
        mantissa, power = int(amount), 0
        while mantissa % 1024 == 0 and power < len(_BINARY) - 1:
            mantissa, power = mantissa // 1024, power + 1
        return f"{sign}{mantissa}{_BINARY[power]}"
    nanos = int(amount.scaleb(9).to_integral_value(rounding=decimal.ROUND_CEILING))
    exponent = -9
    while nanos % 1000 == 0 and exponent < 18:
        nanos, exponent = nanos // 1000, exponent + 3
    if suffix[:1] in ("e", "E"):
        return f"{sign}{nanos}" + (f"e{exponent}" if exponent else "")
    return f"{sign}{nanos}{_DECIMAL[exponent]}"


def _canonical(value: Any, *, in_parameters: bool = False, in_resources: bool = False) -> Any:
    if isinstance(value, Mapping):
        out: Json = {}
        for key, item in value.items():
            if in_parameters and key in _PARAMETER_SCALARS:
                item = _scalar_text(item)
            elif in_parameters and key == "enum" and isinstance(item, list):
                item = [_scalar_text(x) for x in item]
            elif in_resources and key in ("limits", "requests") and isinstance(item, Mapping):
                item = {k: _quantity(v) for k, v in item.items()}
            elif key == "sizeLimit":
                item = _quantity(item)
            item = _canonical(
                item, in_parameters=key == "parameters", in_resources=key == "resources"
            )
            if _is_zero(item) and not (key in _POINTER_FIELDS and item is not None):
                continue
            out[str(key)] = item
        return out
    if isinstance(value, list):
        return [_canonical(item, in_parameters=in_parameters) for item in value]
    return value


def _owned_map(local: Mapping[str, Any] | None, server: Mapping[str, Any] | None) -> Json:
    """Server labels/annotations minus system keys the manifest does not set."""
    local = local or {}
    return {
        key: value
        for key, value in (server or {}).items()
        if key in local or not key.startswith(SYSTEM_PREFIXES)
    }


def owned_view(obj: Mapping[str, Any], local: Mapping[str, Any] | None = None) -> Json:
    """The part of an object that a manifest owns, in canonical form (module documentation).

    Args:
        obj: A manifest, or the server's copy of an object.
        local: For the server's copy: the local manifest, whose labels/annotations decide which
            system keys count; ``None`` when ``obj`` is the local manifest itself.

    Returns:
        ``{"metadata": {"name", "namespace"?, "labels"?, "annotations"?}, "spec": ...}`` with
        zero values dropped and parameter scalars as strings.
    """
    meta = obj.get("metadata") or {}
    local_meta = (local.get("metadata") or {}) if local is not None else None
    view_meta: Json = {"name": meta.get("name"), "namespace": meta.get("namespace")}
    for key in ("labels", "annotations"):
        values = meta.get(key) or {}
        if local_meta is not None:
            values = _owned_map(local_meta.get(key), values)
        view_meta[key] = dict(values)
    return {"metadata": _canonical(view_meta), "spec": _canonical(obj.get("spec") or {})}


# --- apply ------------------------------------------------------------------------------------


def _manifest_of(manifest_or_object: Any) -> Json:
    if isinstance(manifest_or_object, Mapping):
        return copy.deepcopy(dict(manifest_or_object))
    to_dict = getattr(manifest_or_object, "to_dict", None)
    if callable(to_dict):
        result = to_dict()
        if isinstance(result, dict):
            return copy.deepcopy(result)
    raise TiphysError(
        f"apply() takes a manifest dict or a tiphys WorkflowTemplate, ClusterWorkflowTemplate "
        f"or CronWorkflow, not {type(manifest_or_object).__name__}."
    )


def _checked(manifest: Json) -> tuple[str, str]:
    """``(kind, name)`` of an appliable manifest, validated; raises a TiphysError otherwise."""
    kind = manifest.get("kind")
    if kind == "Workflow":
        raise TiphysError(
            "a Workflow is not applied: it runs once. Submit it instead (Workflow.submit() or "
            "`tiphys submit FILE`)."
        )
    if kind not in APPLY_KINDS:
        raise TiphysError(
            f"cannot apply kind {kind!r}: apply takes a WorkflowTemplate, "
            "ClusterWorkflowTemplate or CronWorkflow."
        )
    meta = manifest.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        raise TiphysError(
            f"cannot apply a {kind} without metadata.name: apply finds the object on the "
            "server by its name (generateName cannot be applied)."
        )
    from tiphys.errors import errors_only
    from tiphys.validate import validate_document

    errors = errors_only(validate_document(manifest))
    if errors:
        raise CompileError(errors)
    return kind, name


def _kind_of(kind: str) -> Kind:
    from tiphys.client import _resources

    kinds = {
        "WorkflowTemplate": _resources.WORKFLOW_TEMPLATE,
        "ClusterWorkflowTemplate": _resources.CLUSTER_WORKFLOW_TEMPLATE,
        "CronWorkflow": _resources.CRON_WORKFLOW,
    }
    return kinds[kind]


class _Plan:
    """One apply: the target, the local manifest and the server's copy (read by :meth:`read`)."""

    def __init__(self, manifest: Json, namespace: str | None, default_namespace: str) -> None:
        self.kind, self.name = _checked(manifest)
        self.resource = _kind_of(self.kind)
        meta = manifest["metadata"]
        if self.resource.namespaced:
            self.namespace: str | None = namespace or meta.get("namespace") or default_namespace
            meta["namespace"] = self.namespace
        else:
            self.namespace = None
            meta.pop("namespace", None)
        self.manifest = manifest
        self.server: Json | None = None

    def read(self) -> Plan[_Plan]:
        """``GET`` the server's copy (``None`` on 404)."""
        from tiphys.client._resources import get_plan
        from tiphys.client.errors import NotFound

        try:
            self.server = yield from get_plan(self.resource, self.namespace, self.name)
        except NotFound:
            self.server = None
        return self

    @property
    def changed(self) -> bool:
        if self.server is None:
            return True
        return owned_view(self.manifest) != owned_view(self.server, self.manifest)

    def update_body(self) -> Json:
        """The manifest with the server's resourceVersion, system labels/annotations, status,
        and its ownerReferences and finalizers unless the manifest sets them."""
        server = self.server or {}
        server_meta = server.get("metadata") or {}
        body = copy.deepcopy(self.manifest)
        meta = body["metadata"]
        meta["resourceVersion"] = server_meta.get("resourceVersion")
        for key in ("labels", "annotations"):
            kept = {
                k: v
                for k, v in (server_meta.get(key) or {}).items()
                if k.startswith(SYSTEM_PREFIXES) and k not in (meta.get(key) or {})
            }
            if kept:
                meta[key] = {**kept, **(meta.get(key) or {})}
        for key in ("ownerReferences", "finalizers"):  # left out, an Update would drop them
            if key not in meta and server_meta.get(key):
                meta[key] = copy.deepcopy(server_meta[key])
        if "status" in server:  # a plain k8s Update replaces the whole object
            body["status"] = server["status"]
        return body

    def result(self, action: str, obj: Json, dry_run: bool) -> ApplyResult:
        return ApplyResult(action, self.kind, self.name, self.namespace, obj, dry_run)


def _with_client(client: Client | None) -> tuple[Client, bool]:
    if client is not None:
        return client, False
    from tiphys.client.client import Client

    return Client(), True


def apply(
    manifest_or_object: Any,
    *,
    client: Client | None = None,
    namespace: str | None = None,
    dry_run: bool = False,
) -> ApplyResult:
    """Create or update a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow.

    ``GET`` the object; on 404 ``POST`` it (sent once); when what the manifest owns (``spec``,
    labels, annotations: see the module documentation) equals the server's copy, report it
    unchanged; else ``PUT`` it with the server's ``metadata.resourceVersion`` (keeping the
    server's system labels and annotations, ``ownerReferences``, ``finalizers`` and
    ``status``). Endpoints:
    ``/api/v1/workflow-templates/{namespace}``, ``/api/v1/cluster-workflow-templates``,
    ``/api/v1/cron-workflows/{namespace}``.

    Args:
        manifest_or_object: A manifest dict (``apiVersion``, ``kind``, ``metadata.name``,
            ``spec``) or a tiphys ``WorkflowTemplate``/``ClusterWorkflowTemplate``/
            ``CronWorkflow`` (compiled with ``to_dict()``). It is validated first (schema and
            semantic checks); it is not modified.
        client: The client to use; default a :class:`~tiphys.client.Client` configured from
            the environment (``ARGO_SERVER``...), closed afterwards.
        namespace: Namespace of a namespaced kind; default ``metadata.namespace``, else the
            client's namespace. It replaces ``metadata.namespace`` in what is sent.
        dry_run: Only read: report what would be done, send nothing but the ``GET``.

    Returns:
        The :class:`ApplyResult`.

    Raises:
        CompileError: The manifest (or object) does not compile or is invalid; nothing sent.
        TiphysError: A Workflow (submit it instead), another kind, or no ``metadata.name``.
        Conflict: 409 on the update: the object changed on the server between the ``GET``
            and the ``PUT``; the message says to run apply again.
        AlreadyExists: 409 on the create: it was created by someone else in between.
        Forbidden: 403, the token may not read or write the object.
        ArgoServerError: Another failure of a request.
    """
    manifest = _manifest_of(manifest_or_object)
    client, owned = _with_client(client)
    try:
        return client._run(_apply_plan(manifest, namespace, client.namespace, dry_run))
    finally:
        if owned:
            client.close()


async def async_apply(
    manifest_or_object: Any,
    *,
    client: AsyncClient | None = None,
    namespace: str | None = None,
    dry_run: bool = False,
) -> ApplyResult:
    """:func:`apply` over an :class:`~tiphys.client.AsyncClient`: the same checks, comparison
    and requests (one plan), awaitable.

    Args:
        manifest_or_object: As :func:`apply`.
        client: The async client; default one configured from the environment, closed
            afterwards.
        namespace: As :func:`apply`.
        dry_run: As :func:`apply`.

    Returns:
        The :class:`ApplyResult`.

    Raises:
        CompileError: As :func:`apply`.
        TiphysError: As :func:`apply`.
        Conflict: As :func:`apply`.
        AlreadyExists: As :func:`apply`.
        Forbidden: As :func:`apply`.
        ArgoServerError: As :func:`apply`.
    """
    manifest = _manifest_of(manifest_or_object)
    owned = client is None
    if client is None:
        from tiphys.client.aclient import AsyncClient

        client = AsyncClient()
    try:
        return await client._run(_apply_plan(manifest, namespace, client.namespace, dry_run))
    finally:
        if owned:
            await client.aclose()


def _apply_plan(
    manifest: Json, namespace: str | None, default_namespace: str, dry_run: bool
) -> Plan[ApplyResult]:
    """The requests of :func:`apply` (GET, then POST or PUT or nothing)."""
    from tiphys.client._resources import create_plan

    plan = yield from _Plan(manifest, namespace, default_namespace).read()
    if plan.server is None:
        if dry_run:
            return plan.result("created", plan.manifest, True)
        created = yield from create_plan(plan.resource, plan.namespace, plan.manifest)
        return plan.result("created", created, False)
    if not plan.changed:
        return plan.result("unchanged", plan.server, dry_run)
    body = plan.update_body()
    if dry_run:
        return plan.result("updated", body, True)
    updated = yield from _update(plan, body)
    return plan.result("updated", updated, False)


def _update(plan: _Plan, body: Json) -> Plan[Json]:
    from tiphys.client._resources import update_plan
    from tiphys.client.errors import Conflict

    try:
        return (yield from update_plan(plan.resource, plan.namespace, body))
    except Conflict as exc:
        version = body["metadata"].get("resourceVersion")
        raise Conflict(
            f"{plan.kind} {plan.name!r} changed on the server while it was being applied (the "
            f"resourceVersion {version!r} read just before is stale): run apply again, which "
            f"reads the new version and compares again.\n{exc.message}",
            method=exc.method,
            path=exc.path,
            status=exc.status,
            code=exc.code,
            server_message=exc.server_message,
            namespace=exc.namespace,
            body_excerpt=exc.body_excerpt,
        ) from None


def update(
    manifest_or_object: Any,
    *,
    client: Client | None = None,
    namespace: str | None = None,
) -> dict[str, Any]:
    """Replace an existing object (``argo template update``): ``GET`` it, then ``PUT`` the
    manifest with the server's ``metadata.resourceVersion`` (keeping its system labels,
    annotations and ``status``), even when nothing differs.

    Args:
        manifest_or_object: As :func:`apply`.
        client: As :func:`apply`.
        namespace: As :func:`apply`.

    Returns:
        The updated object, as the server returns it.

    Raises:
        NotFound: 404, there is no such object; the message says to create it first.
        CompileError: As :func:`apply`.
        TiphysError: As :func:`apply`.
        Conflict: As :func:`apply`.
        ArgoServerError: Another failure.
    """
    manifest = _manifest_of(manifest_or_object)
    client, owned = _with_client(client)
    try:
        return client._run(_update_existing(manifest, namespace, client.namespace))
    finally:
        if owned:
            client.close()


def _update_existing(
    manifest: Json, namespace: str | None, default_namespace: str
) -> Plan[dict[str, Any]]:
    """The requests of :func:`update` (GET, then PUT)."""
    from tiphys.client._resources import path_of
    from tiphys.client.errors import NotFound

    plan = yield from _Plan(manifest, namespace, default_namespace).read()
    if plan.server is None:
        path = path_of(plan.resource, plan.namespace, plan.name)
        raise NotFound(
            f"GET {path}: 404 Not Found: {plan.kind} {plan.name!r} does not exist"
            f"{f' in namespace {plan.namespace!r}' if plan.namespace else ''}\nCreate it "
            "first (`create`), or use `tiphys apply`, which creates or updates.",
            method="GET",
            path=path,
            status=404,
            namespace=plan.namespace,
        )
    return (yield from _update(plan, plan.update_body()))


def _aligned(server: Any, local: Any) -> Any:
    """``server`` with its keys in ``local``'s order (then its own), so a diff shows changes."""
    if isinstance(server, dict) and isinstance(local, dict):
        keys = [k for k in local if k in server] + [k for k in server if k not in local]
        return {k: _aligned(server[k], local.get(k)) for k in keys}
    if isinstance(server, list) and isinstance(local, list):
        return [
            _aligned(item, local[i] if i < len(local) else None) for i, item in enumerate(server)
        ]
    return server


def diff(
    manifest_or_object: Any,
    *,
    client: Client | None = None,
    namespace: str | None = None,
) -> str:
    """A unified diff from the server's copy to the local manifest, of what apply compares.

    Both sides are written as YAML of their owned, canonical part (``metadata.name``,
    ``namespace``, ``labels``, ``annotations``, ``spec``; see the module documentation), so an
    empty diff means :func:`apply` would report ``unchanged``. Only ``GET`` is sent.

    Args:
        manifest_or_object: As :func:`apply`.
        client: As :func:`apply`.
        namespace: As :func:`apply`.

    Returns:
        ``""`` when nothing differs, else the diff with headers ``--- server/KIND/NAME`` and
        ``+++ local/KIND/NAME`` (``--- /dev/null`` when the object does not exist), lines
        ending in ``\\n``.

    Raises:
        CompileError: As :func:`apply`.
        TiphysError: As :func:`apply`.
        ArgoServerError: The ``GET`` failed (other than 404).
    """
    from tiphys.compile.yaml_out import to_yaml

    manifest = _manifest_of(manifest_or_object)
    client, owned = _with_client(client)
    try:
        plan = client._run(_Plan(manifest, namespace, client.namespace).read())
    finally:
        if owned:
            client.close()
    if not plan.changed:
        return ""
    where = f"{plan.kind.lower()}/{plan.name}"
    local = to_yaml(owned_view(plan.manifest)).splitlines(keepends=True)
    if plan.server is None:
        server: list[str] = []
        before = "/dev/null"
    else:
        view = _aligned(owned_view(plan.server, plan.manifest), owned_view(plan.manifest))
        server = to_yaml(view).splitlines(keepends=True)
        before = f"server/{where}"
    return "".join(difflib.unified_diff(server, local, before, f"local/{where}"))
