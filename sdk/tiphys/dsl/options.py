"""Operational options shared by templates and workflows: resources, retry, env, volumes...

Each option object checks its values when it is created (so an error points at the user's line)
and knows its Argo/Kubernetes shape (``to_argo()``). Durations are seconds or ``"30s"``,
``"5m"``, ``"2h"``, ``"1d"``; they are emitted as integers for ``*Seconds`` fields and as Go
durations for string fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from tiphys.argo.durations import DurationError, to_go_duration, to_seconds
from tiphys.argo.expr_check import expression_problem
from tiphys.argo.names import object_name_problem
from tiphys.dsl._keywords import checked_init, kubernetes_name
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.operations import check_operations
from tiphys.errors import Location, did_you_mean

if TYPE_CHECKING:
    from tiphys.dsl.artifacts import ArchiveLocation
    from tiphys.dsl.locations import ArtifactLocation
    from tiphys.dsl.locks import Lock, Memoize
    from tiphys.dsl.metrics import Metric
    from tiphys.dsl.pod_fields import HostAlias, ResourceClaim

Duration = int | float | str
RetryPolicy = Literal["Always", "OnFailure", "OnError", "OnTransientError"]


def go_duration(value: Duration, what: str, location: Location | None = None) -> str:
    """Convert a user duration to a Go duration string, or raise a located error.

    Args:
        value: Seconds or ``"30s"``-style text, or text holding an Argo tag
            (``"{{inputs.parameters.timeout}}"``), which Argo substitutes when it runs: kept
            as it is, unchecked.
        what: The option's name for the message (``"retry backoff"``).
        location: Where the option was written.

    Returns:
        A Go duration (``"1m30s"``), or the tagged text.

    Raises:
        CompileError: The value is not a duration.
    """
    if isinstance(value, str) and "{{" in value:
        return value
    try:
        return to_go_duration(value)
    except DurationError as exc:
        raise fail("C117", f"{what}: {exc}", location) from None


def seconds(value: Duration, what: str, location: Location | None = None) -> int:
    """Convert a user duration to whole seconds, or raise a located error.

    Args:
        value: Seconds or ``"30s"``-style text.
        what: The option's name for the message (``"active_deadline"``).
        location: Where the option was written.

    Returns:
        Whole seconds (rounded up).

    Raises:
        CompileError: The value is not a duration.
    """
    try:
        return to_seconds(value)
    except DurationError as exc:
        raise fail("C117", f"{what}: {exc}", location) from None


@checked_init
@dataclass(frozen=True)
class Resources:
    """Container resource requests and limits (``container.resources``).

    Memory is limited to its request unless ``memory_limit`` says otherwise (a pod that uses
    more memory than it asked for is the first to be evicted); CPU has no limit unless
    ``cpu_limit`` is given (CPU limits throttle).

    Attributes:
        cpu: CPU request (``"500m"``, ``"2"``, or a number of cores).
        memory: Memory request (``"512Mi"``).
        cpu_limit: CPU limit, or ``None`` for none.
        memory_limit: Memory limit; defaults to ``memory``.
        gpu: Number of ``nvidia.com/gpu`` to request (set as a limit, as Kubernetes requires).
        ephemeral_storage: ``ephemeral-storage`` request (``"1Gi"``).
    """

    cpu: str | int | float | None = None
    memory: str | None = None
    cpu_limit: str | int | float | None = None
    memory_limit: str | None = None
    gpu: int | None = None
    ephemeral_storage: str | None = None

    def to_argo(self) -> dict[str, Any]:
        """Return the Kubernetes ``ResourceRequirements`` dict."""
        requests: dict[str, Any] = {}
        limits: dict[str, Any] = {}
        if self.cpu is not None:
            requests["cpu"] = str(self.cpu)
        if self.memory is not None:
            requests["memory"] = self.memory
        if self.ephemeral_storage is not None:
            requests["ephemeral-storage"] = self.ephemeral_storage
        if self.cpu_limit is not None:
            limits["cpu"] = str(self.cpu_limit)
        if self.memory_limit or self.memory:
            limits["memory"] = self.memory_limit or self.memory
        if self.gpu:
            limits["nvidia.com/gpu"] = str(self.gpu)
        out: dict[str, Any] = {}
        if limits:
            out["limits"] = limits
        if requests:
            out["requests"] = requests
        return out


@checked_init
@dataclass(frozen=True)
class Retry:
    """How Argo retries a failed node (``retryStrategy``).

    Attributes:
        limit: Number of retries (attempts = limit + 1), or ``None`` for no limit: Argo
            retries until the node succeeds (or ``max_duration`` passes), ``retryStrategy``
            without ``limit``.
        policy: ``Always``, ``OnFailure`` (Argo's default), ``OnError`` or ``OnTransientError``.
        backoff: First delay between attempts (seconds or ``"10s"``).
        factor: Multiplier applied to the delay after each attempt.
        max_backoff: Cap of one delay (``backoff.cap``).
        max_duration: Give up retrying after this long (``backoff.maxDuration``).
        expression: expr-lang condition over ``lastRetry.*`` deciding whether to retry; with no
            ``policy`` Argo then retries ``Always``.
    """

    limit: int | None
    policy: RetryPolicy | None = None
    backoff: Duration | None = None
    factor: int | None = None
    max_backoff: Duration | None = None
    max_duration: Duration | None = None
    expression: str | None = None
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        limit = self.limit
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
        ):
            raise fail(
                "C117", f"Retry limit must be an integer >= 0 or None (no limit), not {limit!r}"
            )
        if self.policy is not None and self.policy not in RetryPolicy.__args__:  # type: ignore[attr-defined]
            choices = ", ".join(RetryPolicy.__args__)  # type: ignore[attr-defined]
            hint = did_you_mean(self.policy, RetryPolicy.__args__)  # type: ignore[attr-defined]
            raise fail("C117", f"Retry policy {self.policy!r} is not one of {choices}.{hint}")
        for what in ("backoff", "max_backoff", "max_duration"):
            value = getattr(self, what)
            if value is not None:
                go_duration(value, f"Retry {what}", self.location)
        if self.expression is not None:
            problem = (
                expression_problem(self.expression)
                if isinstance(self.expression, str)
                else f"it must be an expr-lang string, not {self.expression!r}"
            )
            if problem:
                raise fail(
                    "C117", f"Retry expression {self.expression!r}: {problem}", self.location
                )

    def to_argo(self) -> dict[str, Any]:
        """Return the ``retryStrategy`` dict."""
        out: dict[str, Any] = {} if self.limit is None else {"limit": self.limit}
        if self.policy:
            out["retryPolicy"] = self.policy
        backoff: dict[str, Any] = {}
        if self.backoff is not None:
            backoff["duration"] = go_duration(self.backoff, "Retry backoff", self.location)
        if self.factor is not None:
            backoff["factor"] = self.factor
        if self.max_backoff is not None:
            backoff["cap"] = go_duration(self.max_backoff, "Retry max_backoff", self.location)
        if self.max_duration is not None:
            backoff["maxDuration"] = go_duration(
                self.max_duration, "Retry max_duration", self.location
            )
        if backoff:
            out["backoff"] = backoff
        if self.expression:
            out["expression"] = self.expression
        return out


@checked_init
@dataclass(frozen=True)
class Secret:
    """A key of a Kubernetes Secret (``valueFrom.secretKeyRef``).

    Attributes:
        name: The Secret's name.
        key: The key inside it.
        optional: Do not fail when the Secret or key is missing.
    """

    name: str
    key: str
    optional: bool = False

    def __post_init__(self) -> None:
        kubernetes_name(self.name, "Secret name", "C117", user_location())

    def to_argo(self) -> dict[str, Any]:
        """Return the ``valueFrom`` dict."""
        ref: dict[str, Any] = {"name": self.name, "key": self.key}
        if self.optional:
            ref["optional"] = True
        return {"secretKeyRef": ref}


@checked_init
@dataclass(frozen=True)
class ConfigMap:
    """A key of a Kubernetes ConfigMap (``valueFrom.configMapKeyRef``).

    Attributes:
        name: The ConfigMap's name.
        key: The key inside it.
        optional: Do not fail when the ConfigMap or key is missing.
    """

    name: str
    key: str
    optional: bool = False

    def __post_init__(self) -> None:
        kubernetes_name(self.name, "ConfigMap name", "C117", user_location())

    def to_argo(self) -> dict[str, Any]:
        """Return the ``valueFrom`` dict."""
        ref: dict[str, Any] = {"name": self.name, "key": self.key}
        if self.optional:
            ref["optional"] = True
        return {"configMapKeyRef": ref}


@checked_init
@dataclass(frozen=True)
class Volume:
    """A volume mounted into templates' containers.

    Exactly one source: ``size`` (a ``volumeClaimTemplate`` the workflow creates, shared by its
    pods), ``claim`` (an existing PersistentVolumeClaim), ``empty_dir=True``, ``config_map`` or
    ``secret`` (by name). Templates list the volumes they mount; the workflow declares every
    volume its templates use (or the template itself, with ``in_template=True``). One volume
    is mounted at several places with :meth:`at` (``work.at("/cache", sub_path="cache")``).

    Attributes:
        name: Volume name (DNS-1123).
        mount: Where containers mount it (``volumeMounts[].mountPath``).
        size: Storage request of a claim template (``"2Gi"``).
        storage_class: ``storageClassName`` of the claim template.
        access_modes: Access modes of the claim template.
        claim: Name of an existing PersistentVolumeClaim.
        empty_dir: Use an ``emptyDir`` (per pod).
        config_map: Name of a ConfigMap to mount.
        secret: Name of a Secret to mount.
        read_only: Mount read-only.
        sub_path: Mount this path of the volume (``subPath``).
        in_template: Declare the volume in the ``volumes`` of each template that mounts it
            (that template's pod only) instead of the workflow's ``spec.volumes``. Not for a
            claim template (``size=``), which only a workflow declares.
    """

    name: str
    mount: str
    size: str | None = None
    storage_class: str | None = None
    access_modes: tuple[str, ...] = ("ReadWriteOnce",)
    claim: str | None = None
    empty_dir: bool = False
    config_map: str | None = None
    secret: str | None = None
    read_only: bool = False
    sub_path: str | None = None
    in_template: bool = False
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        sources = [self.size, self.claim, self.empty_dir or None, self.config_map, self.secret]
        if self.in_template and self.size is not None:
            raise fail(
                "C117",
                f"Volume {self.name!r}: a claim template (size=) is declared by the workflow "
                "(volumeClaimTemplates), not in a template: drop in_template=True",
                self.location,
            )
        if sum(s is not None for s in sources) != 1:
            raise fail(
                "C117",
                f"Volume {self.name!r} needs exactly one source: size= (a claim template), "
                "claim=, empty_dir=True, config_map= or secret=",
                self.location,
            )
        problem = object_name_problem(self.name)
        if problem:
            raise fail("C109", f"Volume name {problem}", self.location)
        for what in ("claim", "config_map", "secret"):
            kubernetes_name(getattr(self, what), f"Volume {what}", "C117", self.location)
        if not self.mount.startswith("/"):
            raise fail("C117", f"Volume {self.name!r}: mount must be an absolute path")

    def at(self, mount: str, *, sub_path: str | None = None, read_only: bool = False) -> Volume:
        """The same volume mounted somewhere else (another ``volumeMounts[]`` entry).

        Args:
            mount: Where containers mount it (``mountPath``), an absolute path.
            sub_path: Mount this path of the volume (``subPath``).
            read_only: Mount read-only (``readOnly``).

        Returns:
            A :class:`Volume` with this volume's name and source and the new mount; a template
            may list several mounts of one volume.

        Raises:
            CompileError: ``C117`` a mount that is not an absolute path.
        """
        return replace(
            self, mount=mount, sub_path=sub_path, read_only=read_only, location=user_location()
        )

    @property
    def is_claim_template(self) -> bool:
        """True when the workflow creates the volume (``volumeClaimTemplates``)."""
        return self.size is not None

    def mount_argo(self) -> dict[str, Any]:
        """Return the ``volumeMounts[]`` entry."""
        out: dict[str, Any] = {"name": self.name, "mountPath": self.mount}
        if self.read_only:
            out["readOnly"] = True
        if self.sub_path:
            out["subPath"] = self.sub_path
        return out

    def to_argo(self) -> dict[str, Any]:
        """Return the ``volumes[]`` entry, or the ``volumeClaimTemplates[]`` entry."""
        if self.size is not None:
            spec: dict[str, Any] = {
                "accessModes": list(self.access_modes),
                "resources": {"requests": {"storage": self.size}},
            }
            if self.storage_class:
                spec["storageClassName"] = self.storage_class
            return {"metadata": {"name": self.name}, "spec": spec}
        if self.claim is not None:
            return {"name": self.name, "persistentVolumeClaim": {"claimName": self.claim}}
        if self.config_map is not None:
            return {"name": self.name, "configMap": {"name": self.config_map}}
        if self.secret is not None:
            return {"name": self.name, "secret": {"secretName": self.secret}}
        return {"name": self.name, "emptyDir": {}}


@checked_init
@dataclass(frozen=True)
class Toleration:
    """A pod toleration (``tolerations[]``).

    Attributes:
        key: Taint key; empty with ``operator="Exists"`` tolerates everything.
        value: Taint value (with ``operator="Equal"``).
        effect: ``NoSchedule``, ``PreferNoSchedule`` or ``NoExecute``; ``None`` for all.
        operator: ``Equal`` or ``Exists``.
        seconds: How long a ``NoExecute`` taint is tolerated (``tolerationSeconds``).
    """

    key: str = ""
    value: str | None = None
    effect: str | None = None
    operator: Literal["Equal", "Exists"] = "Equal"
    seconds: int | None = None

    def to_argo(self) -> dict[str, Any]:
        """Return the Kubernetes ``Toleration`` dict."""
        out: dict[str, Any] = {}
        if self.key:
            out["key"] = self.key
        out["operator"] = self.operator
        if self.value is not None:
            out["value"] = self.value
        if self.effect:
            out["effect"] = self.effect
        if self.seconds is not None:
            out["tolerationSeconds"] = self.seconds
        return out


Raw = Mapping[str, Any]


def tolerations_argo(tolerations: Sequence[Toleration | Raw]) -> list[dict[str, Any]]:
    """Render ``tolerations=`` (:class:`Toleration` objects or raw dicts) as Kubernetes dicts."""
    return [t.to_argo() if isinstance(t, Toleration) else dict(t) for t in tolerations]


@dataclass(eq=False, repr=False)
class TemplateOptions:
    """Fields every template kind accepts (Argo ``Template`` fields and container settings).

    Created from decorator keyword arguments; see :func:`tiphys.container` for their meaning.
    """

    resources: Resources | Raw | None = None
    env: Mapping[str, Any] = field(default_factory=dict)
    volumes: Sequence[Volume] = ()
    timeout: Duration | None = None
    active_deadline: Duration | None = None
    retry: Retry | int | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: Sequence[Toleration | Raw] = ()
    affinity: Raw | None = None
    priority_class: str | None = None
    service_account: str | None = None
    pod_spec_patch: str | Raw | None = None
    security_context: Raw | None = None
    sidecars: Sequence[Raw] = ()
    init_containers: Sequence[Raw] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    node_annotations: Mapping[str, str] = field(default_factory=dict)
    parallelism: int | None = None
    fail_fast: bool | None = None
    inline: bool = False
    synchronization: Sequence[Lock] = ()
    memoize: Memoize | None = None
    metrics: Sequence[Metric] = ()
    host_aliases: Sequence[HostAlias | Raw] = ()
    automount_service_account_token: bool | None = None
    executor: str | Raw | None = None
    pod_resources: Resources | Raw | None = None
    resource_claims: Sequence[ResourceClaim | Raw] = ()
    archive_location: ArchiveLocation | ArtifactLocation | None = None
    patch: Raw | None = None
    location: Location = field(default_factory=Location)

    def __post_init__(self) -> None:
        for what in ("timeout", "active_deadline"):
            value = getattr(self, what)
            tagged = what == "timeout" and isinstance(value, str) and "{{" in value
            if value is not None and not tagged:
                seconds(value, what, self.location)
        if not isinstance(self.inline, bool):
            raise fail("C117", f"inline must be True or False, not {self.inline!r}", self.location)
        kubernetes_name(self.service_account, "service_account", "C117", self.location)
        from tiphys.dsl.artifacts import archive_location_problem

        problem = archive_location_problem(self.archive_location)
        if problem:
            raise fail("C138", problem, self.location)
        if isinstance(self.retry, int) and not isinstance(self.retry, bool):
            self.retry = Retry(self.retry, location=self.location)
        notes = self.node_annotations
        if not isinstance(notes, Mapping) or not all(
            isinstance(k, str) and k and isinstance(v, str) for k, v in notes.items()
        ):
            raise fail(
                "C117",
                f"node_annotations must map annotation names to text, not {notes!r}",
                self.location,
            )
        check_operations(self, self.location)


class TemplateOptionsKw(TypedDict, total=False):
    """Keyword arguments every template decorator accepts (typed for editors and mypy).

    Keys are the fields of :class:`TemplateOptions` (a test keeps the two in step):

    * ``resources``: :class:`Resources` or a raw ``ResourceRequirements`` dict.
    * ``env``: environment variables by name; values are constants, :class:`Secret`,
      :class:`ConfigMap` or references (``env.value`` / ``env.valueFrom``).
    * ``volumes``: :class:`Volume` objects to mount (``volumeMounts``).
    * ``timeout``: node deadline including Pending (``timeout``, a Go duration; text holding
      an Argo tag, ``"{{inputs.parameters.timeout}}"``, is kept as it is).
    * ``active_deadline``: running-time limit (``activeDeadlineSeconds``).
    * ``retry``: :class:`Retry` or a retry count (``retryStrategy``).
    * ``node_selector``, ``tolerations``, ``affinity``: pod scheduling.
    * ``priority_class``: ``priorityClassName``; ``service_account``: ``serviceAccountName``.
    * ``pod_spec_patch``: ``podSpecPatch`` (a dict is written as JSON).
    * ``security_context``: the pod ``securityContext``.
    * ``sidecars``, ``init_containers``: raw container dicts (``sidecars``,
      ``initContainers``).
    * ``labels``, ``annotations``: pod metadata (``metadata``).
    * ``node_annotations``: annotations of the node (the template's own ``annotations``), e.g.
      ``{"workflows.argoproj.io/display-name": f"build-{tag}"}`` for the name the UI shows;
      values may hold ``{{inputs.parameters.x}}`` tags.
    * ``parallelism``, ``fail_fast``: ``@dag``/``@steps`` concurrency and ``failFast``.
    * ``inline``: emit the template as ``inline:`` on each task or step that runs it instead of
      in ``spec.templates`` (Argo allows one level: an inline ``@dag``/``@steps`` cannot run
      inline templates itself; the entrypoint, exit handler and ``templates=`` must not be
      inline). Default ``False``.
    * ``synchronization``: :class:`~tiphys.Mutex` and :class:`~tiphys.Semaphore` locks the
      node holds while it runs (``synchronization.mutexes``/``semaphores``).
    * ``memoize``: :class:`~tiphys.Memoize`, reuse cached outputs (``memoize``).
    * ``metrics``: :class:`~tiphys.Counter`, :class:`~tiphys.Gauge`,
      :class:`~tiphys.Histogram` emitted when the node ends (``metrics.prometheus``).
    * ``host_aliases``: :class:`~tiphys.HostAlias` entries or dicts (``hostAliases``).
    * ``automount_service_account_token``: mount the pod's service account token
      (``automountServiceAccountToken``); ``False`` needs ``executor``.
    * ``executor``: the executor's service account name, or an ``ExecutorConfig`` dict
      (``executor.serviceAccountName``).
    * ``pod_resources``: pod-level requests and limits, :class:`Resources` or a dict
      (``podResources``; Kubernetes PodLevelResources).
    * ``resource_claims``: :class:`~tiphys.ResourceClaim` entries or dicts (``resourceClaims``).
    * ``archive_location``: where the template's artifacts and logs go (``archiveLocation``): a
      location such as ``S3("logs/")`` or ``ArchiveLocation(archive_logs=True)``.
    * ``patch``: a raw dict merged into the emitted template last.
    """

    resources: Resources | Raw | None
    env: Mapping[str, Any]
    volumes: Sequence[Volume]
    timeout: Duration | None
    active_deadline: Duration | None
    retry: Retry | int | None
    node_selector: Mapping[str, str]
    tolerations: Sequence[Toleration | Raw]
    affinity: Raw | None
    priority_class: str | None
    service_account: str | None
    pod_spec_patch: str | Raw | None
    security_context: Raw | None
    sidecars: Sequence[Raw]
    init_containers: Sequence[Raw]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    node_annotations: Mapping[str, str]
    parallelism: int | None
    fail_fast: bool | None
    inline: bool
    synchronization: Sequence[Lock]
    memoize: Memoize | None
    metrics: Sequence[Metric]
    host_aliases: Sequence[HostAlias | Raw]
    automount_service_account_token: bool | None
    executor: str | Raw | None
    pod_resources: Resources | Raw | None
    resource_claims: Sequence[ResourceClaim | Raw]
    archive_location: ArchiveLocation | ArtifactLocation | None
    patch: Raw | None


def template_options(options: Mapping[str, Any], location: Location) -> TemplateOptions:
    """Build :class:`TemplateOptions` from decorator keyword arguments.

    Args:
        options: The keyword arguments.
        location: Where the decorated function is defined.

    Returns:
        The options.

    Raises:
        CompileError: An unknown option (with a suggestion) or a bad value.
    """
    known = TemplateOptionsKw.__annotations__
    for key in options:
        if key not in known:
            hint = did_you_mean(key, list(known))
            raise fail("C117", f"unknown template option {key!r}.{hint}", location)
    return TemplateOptions(**options, location=location)


@checked_init
@dataclass(frozen=True)
class TTL:
    """How long a finished workflow object is kept (``ttlStrategy``).

    Attributes:
        completion: After it finishes, whatever the outcome (``secondsAfterCompletion``).
        success: After it succeeds (``secondsAfterSuccess``).
        failure: After it fails or errors (``secondsAfterFailure``).
    """

    completion: Duration | None = None
    success: Duration | None = None
    failure: Duration | None = None
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def to_argo(self) -> dict[str, Any]:
        """Return the ``ttlStrategy`` dict."""
        out: dict[str, Any] = {}
        for attr, key in (
            ("completion", "secondsAfterCompletion"),
            ("success", "secondsAfterSuccess"),
            ("failure", "secondsAfterFailure"),
        ):
            value = getattr(self, attr)
            if value is not None:
                out[key] = seconds(value, f"ttl {attr}", self.location)
        return out


PodGCStrategy = Literal[
    "OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess"
]


@checked_init
@dataclass(frozen=True)
class PodGC:
    """When Argo deletes the workflow's pods (``podGC``). Without it pods are never deleted.

    Attributes:
        strategy: ``OnPodCompletion``, ``OnPodSuccess``, ``OnWorkflowCompletion`` or
            ``OnWorkflowSuccess``.
        delete_delay: Wait this long before deleting (``deleteDelayDuration``).
        label_selector: Only pods matching these labels (``labelSelector.matchLabels``).
    """

    strategy: PodGCStrategy
    delete_delay: Duration | None = None
    label_selector: Mapping[str, str] | None = None
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        choices = PodGCStrategy.__args__  # type: ignore[attr-defined]
        if self.strategy not in choices:
            raise fail(
                "C117",
                f"pod_gc strategy {self.strategy!r} is not one of {', '.join(choices)}."
                f"{did_you_mean(self.strategy, choices)}",
                self.location,
            )

    def to_argo(self) -> dict[str, Any]:
        """Return the ``podGC`` dict."""
        out: dict[str, Any] = {"strategy": self.strategy}
        if self.delete_delay is not None:
            out["deleteDelayDuration"] = go_duration(
                self.delete_delay, "pod_gc delete_delay", self.location
            )
        if self.label_selector:
            out["labelSelector"] = {"matchLabels": dict(self.label_selector)}
        return out
