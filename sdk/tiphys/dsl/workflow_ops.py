"""Workflow-level options beyond the basics: hooks, locks, metrics, pod networking, the executor,
volume cleanup, suspend/shutdown and the rest of ``WorkflowSpec`` (:class:`WorkflowOperationsKw`).

Every workflow kind takes them as keyword arguments (``Workflow(..., hooks={...},
synchronization=[Mutex("deploy")])``); they are checked when the workflow object is created
(codes ``C154``-``C158``, see :mod:`tiphys.dsl.hooks`, :mod:`tiphys.dsl.locks`,
:mod:`tiphys.dsl.metrics`, :mod:`tiphys.dsl.pod_fields`) and rendered by :func:`workflow_fields`.
Those modules are imported only for the options that are set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from tiphys.dsl._keywords import unknown_option
from tiphys.dsl._location import fail
from tiphys.dsl.operations import check_operations, operations_fields
from tiphys.dsl.options import Raw, Resources
from tiphys.errors import Location

if TYPE_CHECKING:
    from tiphys.dsl.hooks import Hook
    from tiphys.dsl.locks import Lock
    from tiphys.dsl.metrics import Metric
    from tiphys.dsl.pod_fields import (
        DNSConfig,
        DNSPolicy,
        HostAlias,
        ResourceClaim,
        WorkflowMetadata,
    )

__all__ = [
    "VolumeClaimGCStrategy",
    "WorkflowOperations",
    "WorkflowOperationsKw",
    "workflow_fields",
    "workflow_operations",
]

VolumeClaimGCStrategy = Literal["OnWorkflowCompletion", "OnWorkflowSuccess"]
Shutdown = Literal["Stop", "Terminate"]


class WorkflowOperationsKw(TypedDict, total=False):
    """More keyword arguments of every workflow kind (typed for editors and mypy).

    * ``hooks``: hook name -> :class:`~tiphys.Hook` (``spec.hooks``); ``"exit"`` is the exit
      handler (like ``on_exit=``), other names need an ``expression``.
    * ``synchronization``: :class:`~tiphys.Mutex`/:class:`~tiphys.Semaphore` locks the whole
      workflow holds (``spec.synchronization``).
    * ``metrics``: :class:`~tiphys.Counter`/:class:`~tiphys.Gauge`/:class:`~tiphys.Histogram`
      emitted when the workflow ends (``spec.metrics.prometheus``).
    * ``volume_claim_gc``: when the volumes of ``volumeClaimTemplates`` are deleted:
      ``"OnWorkflowSuccess"`` (Argo's default) or ``"OnWorkflowCompletion"``
      (``spec.volumeClaimGC.strategy``).
    * ``workflow_metadata``: :class:`~tiphys.WorkflowMetadata` or a dict
      (``spec.workflowMetadata``).
    * ``executor``: the executor's service account name, or an ``ExecutorConfig`` dict
      (``spec.executor``).
    * ``automount_service_account_token``: mount the service account token in every pod
      (``spec.automountServiceAccountToken``); ``False`` needs ``executor``.
    * ``host_network``: pods use the node's network (``spec.hostNetwork``).
    * ``host_aliases``: :class:`~tiphys.HostAlias` entries or dicts (``spec.hostAliases``).
    * ``dns_policy``: ``"ClusterFirst"``, ``"ClusterFirstWithHostNet"``, ``"Default"`` or
      ``"None"`` (``spec.dnsPolicy``).
    * ``dns_config``: :class:`~tiphys.DNSConfig` or a ``PodDNSConfig`` dict (``spec.dnsConfig``).
    * ``image_pull_secrets``: names of Secrets for pulling images, or
      ``LocalObjectReference`` dicts (``spec.imagePullSecrets``).
    * ``shutdown``: ``"Stop"`` (exit handlers run) or ``"Terminate"`` (they do not)
      (``spec.shutdown``); normally set by ``argo stop``/``terminate`` on a running workflow.
    * ``suspend``: create the workflow suspended (``spec.suspend``).
    * ``pod_resources``: pod-level requests and limits of every pod, :class:`~tiphys.Resources`
      or a dict (``spec.podResources``).
    * ``resource_claims``: :class:`~tiphys.ResourceClaim` entries or dicts
      (``spec.resourceClaims``).
    * ``executor_plugins``: ``ExecutorPlugin`` dicts (``spec.executorPlugins``).
    * ``pod_spec_patch``: a strategic merge patch applied to every pod of the workflow
      (``spec.podSpecPatch``): a dict (written as JSON) or YAML/JSON text written as it is;
      it may hold ``{{workflow.parameters.x}}`` tags. A template's own ``pod_spec_patch`` is
      applied after it.
    """

    hooks: Mapping[str, Hook]
    synchronization: Sequence[Lock]
    metrics: Sequence[Metric]
    volume_claim_gc: VolumeClaimGCStrategy | None
    workflow_metadata: WorkflowMetadata | Raw | None
    executor: str | Raw | None
    automount_service_account_token: bool | None
    host_network: bool | None
    host_aliases: Sequence[HostAlias | Raw]
    dns_policy: DNSPolicy | None
    dns_config: DNSConfig | Raw | None
    image_pull_secrets: Sequence[str | Raw]
    shutdown: Shutdown | None
    suspend: bool | None
    pod_resources: Resources | Raw | None
    resource_claims: Sequence[ResourceClaim | Raw]
    executor_plugins: Sequence[Raw]
    pod_spec_patch: str | Raw | None


def _flag(value: object, what: str, location: Location) -> None:
    if value is not None and not isinstance(value, bool):
        raise fail("C158", f"{what}= is True or False, not {value!r}", location)


@dataclass(eq=False, repr=False)
class WorkflowOperations:
    """The options of :class:`WorkflowOperationsKw`, checked; see it for their meaning."""

    hooks: Mapping[str, Hook] = field(default_factory=dict)
    synchronization: Sequence[Lock] = ()
    metrics: Sequence[Metric] = ()
    volume_claim_gc: VolumeClaimGCStrategy | None = None
    workflow_metadata: WorkflowMetadata | Raw | None = None
    executor: str | Raw | None = None
    automount_service_account_token: bool | None = None
    host_network: bool | None = None
    host_aliases: Sequence[HostAlias | Raw] = ()
    dns_policy: DNSPolicy | None = None
    dns_config: DNSConfig | Raw | None = None
    image_pull_secrets: Sequence[str | Raw] = ()
    shutdown: Shutdown | None = None
    suspend: bool | None = None
    pod_resources: Resources | Raw | None = None
    resource_claims: Sequence[ResourceClaim | Raw] = ()
    executor_plugins: Sequence[Raw] = ()
    pod_spec_patch: str | Raw | None = None
    location: Location = field(default_factory=Location)

    def __post_init__(self) -> None:
        where = self.location
        if not isinstance(self.hooks, Mapping):
            raise fail("C154", "hooks= takes a dict: hook name -> Hook(...)", where)
        if self.hooks:
            self._check_hooks()
        if any(v is not None for v in (self.volume_claim_gc, self.dns_policy, self.shutdown)):
            self._check_choices()
        for what in ("host_network", "suspend"):
            _flag(getattr(self, what), what, where)
        patch = self.pod_spec_patch
        if patch is not None and not (
            isinstance(patch, Mapping) or (patch and isinstance(patch, str))
        ):
            raise fail(
                "C158",
                f"pod_spec_patch= takes a dict (written as JSON) or YAML/JSON text, not {patch!r}",
                where,
            )
        check_operations(self, where)
        workflow_fields(self)

    def _check_hooks(self) -> None:
        from tiphys.dsl.hooks import Hook, check_hook_name

        for name, hook in self.hooks.items():
            if not isinstance(hook, Hook):
                raise fail(
                    "C154",
                    f"hooks[{name!r}] must be Hook(template, ...), not {hook!r}",
                    self.location,
                )
            check_hook_name(name, hook.expression, hook.location, workflow=True)

    def _check_choices(self) -> None:
        from tiphys.dsl.pod_fields import DNSPolicy, check_choice

        choices: tuple[tuple[str, Any], ...] = (
            ("volume_claim_gc", VolumeClaimGCStrategy),
            ("dns_policy", DNSPolicy),
            ("shutdown", Shutdown),
        )
        for what, kind in choices:
            value = getattr(self, what)
            if value is not None:
                check_choice(value, kind.__args__, what, self.location)


def workflow_operations(
    options: Mapping[str, Any], location: Location, also: Sequence[str] = ()
) -> WorkflowOperations:
    """Build :class:`WorkflowOperations` from a workflow's extra keyword arguments.

    Args:
        options: The keyword arguments the workflow did not take itself.
        location: Where the workflow is created.
        also: The workflow's own keywords, suggested too (``entry`` -> ``entrypoint``).

    Raises:
        CompileError: An unknown option (``C117``, with a suggestion) or a bad value.
    """
    known = list(WorkflowOperationsKw.__annotations__)
    for key in options:
        if key not in known:
            raise unknown_option(key, [*also, *known], "workflow", location)
    return WorkflowOperations(**options, location=location)


def _listed(values: Sequence[Any], what: str, location: Location) -> list[Any]:
    if isinstance(values, str | Mapping):
        raise fail("C158", f"{what}= takes a list, not {values!r}", location)
    return list(values)


def workflow_fields(ops: WorkflowOperations) -> dict[str, Any]:
    """Render the workflow-level fields of :class:`WorkflowOperations` (hooks excepted: they
    are rendered with the templates they run).

    Returns:
        The shared operational fields (``synchronization``, ``metrics``, ``hostAliases``,
        ``automountServiceAccountToken``, ``executor``, ``podResources``, ``resourceClaims``),
        then ``hostNetwork``, ``dnsPolicy``, ``dnsConfig``, ``imagePullSecrets``,
        ``volumeClaimGC``, ``workflowMetadata``, ``executorPlugins``, ``podSpecPatch``,
        ``suspend``, ``shutdown`` -- only those that are set.

    Raises:
        CompileError: ``C155``-``C158``, a value of the wrong kind.
    """
    where = ops.location
    out = operations_fields(ops, where)
    if ops.host_network is not None:
        out["hostNetwork"] = ops.host_network
    if ops.dns_policy is not None:
        out["dnsPolicy"] = ops.dns_policy
    if ops.dns_config is not None:
        from tiphys.dsl.pod_fields import DNSConfig

        config = ops.dns_config
        out["dnsConfig"] = config.to_argo() if isinstance(config, DNSConfig) else dict(config)
    if ops.image_pull_secrets:
        out["imagePullSecrets"] = [
            {"name": s} if isinstance(s, str) else dict(s)
            for s in _listed(ops.image_pull_secrets, "image_pull_secrets", where)
        ]
    if ops.volume_claim_gc is not None:
        out["volumeClaimGC"] = {"strategy": ops.volume_claim_gc}
    if ops.workflow_metadata is not None:
        from tiphys.dsl.pod_fields import WorkflowMetadata

        meta = ops.workflow_metadata
        out["workflowMetadata"] = (
            meta.to_argo() if isinstance(meta, WorkflowMetadata) else dict(meta)
        )
    if ops.executor_plugins:
        out["executorPlugins"] = [
            dict(p) for p in _listed(ops.executor_plugins, "executor_plugins", where)
        ]
    if ops.pod_spec_patch is not None:
        import json

        patch = ops.pod_spec_patch
        out["podSpecPatch"] = patch if isinstance(patch, str) else json.dumps(patch)
    if ops.suspend is not None:
        out["suspend"] = ops.suspend
    if ops.shutdown is not None:
        out["shutdown"] = ops.shutdown
    return out
