"""Pod and metadata settings with a small Kubernetes shape: :class:`PodMetadata`,
:class:`WorkflowMetadata`, :class:`HostAlias`, :class:`DNSConfig`, :class:`ResourceClaim`.

Options that take one of these also take the raw Kubernetes dict. Values are checked when the
object is created:

======  ======================================================================================
C158    a bad pod or workflow setting: a label key or value, or annotation key, that
        Kubernetes refuses; a host alias without hostnames; a resource claim with neither or
        both of a claim and a claim template; a value outside the field's choices
        (``dns_policy``, ``volume_claim_gc``, ``shutdown``); an executor service account that
        is empty
======  ======================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tiphys.argo.k8s import label_key_problem, label_value_problem
from tiphys.dsl._keywords import checked_init
from tiphys.dsl._location import fail, user_location
from tiphys.errors import Location, did_you_mean

__all__ = [
    "DNSConfig",
    "DNSPolicy",
    "HostAlias",
    "PodMetadata",
    "ResourceClaim",
    "WorkflowMetadata",
    "check_choice",
    "executor_argo",
    "labels_problem",
]

DNSPolicy = Literal["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]


def check_choice(value: object, choices: Sequence[str], what: str, location: Location) -> None:
    """Refuse a value that is not one of ``choices``, with a suggestion.

    Raises:
        CompileError: ``C158``.
    """
    if value not in choices:
        raise fail(
            "C158",
            f"{what} {value!r} is not one of {', '.join(choices)}."
            f"{did_you_mean(str(value), list(choices))}",
            location,
        )


def labels_problem(
    labels: Mapping[str, str],
    annotations: Mapping[str, str] | None = None,
) -> str | None:
    """Say which label or annotation Kubernetes refuses, or return ``None``.

    Values holding ``{{...}}`` tags are not checked (Argo substitutes them first).
    """
    for kind, items in (("label", labels), ("annotation", annotations or {})):
        for key, value in items.items():
            problem = label_key_problem(key) if "{{" not in key else None
            if problem is None and kind == "label" and "{{" not in value:
                problem = label_value_problem(value)
            if problem is not None:
                return f"{kind} {key!r}: {problem}"
    return None


@checked_init
@dataclass(frozen=True)
class PodMetadata:
    """Labels and annotations added to every pod of the workflow (``spec.podMetadata``).

    Attributes:
        labels: Label key -> value (values may use ``{{workflow.*}}`` tags).
        annotations: Annotation key -> value.

    Raises:
        CompileError: ``C158``, a key or value Kubernetes refuses.
    """

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        problem = labels_problem(self.labels, self.annotations)
        if problem:
            raise fail("C158", f"PodMetadata {problem}", self.location)

    def to_argo(self) -> dict[str, Any]:
        """Return ``{"labels"?, "annotations"?}``."""
        out: dict[str, Any] = {}
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@checked_init
@dataclass(frozen=True)
class WorkflowMetadata:
    """Labels and annotations Argo sets on the Workflow object when it runs
    (``spec.workflowMetadata``), e.g. to label runs of a WorkflowTemplate.

    Attributes:
        labels: Label key -> value.
        annotations: Annotation key -> value.
        labels_from: Label key -> an expr-lang expression giving its value when the workflow
            starts (``labelsFrom.<key>.expression``), e.g. ``"workflow.parameters.env"``.

    Raises:
        CompileError: ``C158``, a key or value Kubernetes refuses, or an empty expression.
    """

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels_from: Mapping[str, str] = field(default_factory=dict)
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        problem = labels_problem(self.labels, self.annotations) or labels_problem(
            dict.fromkeys(self.labels_from, "x")
        )
        if problem:
            raise fail("C158", f"WorkflowMetadata {problem}", self.location)
        for key, expression in self.labels_from.items():
            if not isinstance(expression, str) or not expression.strip():
                raise fail(
                    "C158",
                    f"WorkflowMetadata labels_from[{key!r}] must be an expr-lang expression "
                    f"such as 'workflow.parameters.env', not {expression!r}",
                    self.location,
                )

    def to_argo(self) -> dict[str, Any]:
        """Return ``{"labels"?, "annotations"?, "labelsFrom"?}``."""
        out: dict[str, Any] = {}
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.labels_from:
            out["labelsFrom"] = {k: {"expression": v} for k, v in self.labels_from.items()}
        return out


@checked_init
@dataclass(frozen=True)
class HostAlias:
    """An ``/etc/hosts`` entry of the pod (``hostAliases[]``).

    Attributes:
        ip: The IP address (``ip``).
        hostnames: Names that resolve to it (``hostnames``).

    Raises:
        CompileError: ``C158``, an empty ip or no hostnames.
    """

    ip: str
    hostnames: Sequence[str]
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.ip, str) or not self.ip:
            raise fail(
                "C158", f"HostAlias ip must be an IP address, not {self.ip!r}", self.location
            )
        if isinstance(self.hostnames, str) or not self.hostnames:
            raise fail(
                "C158",
                f"HostAlias {self.ip!r} needs a list of hostnames (hostnames=['db.local'])",
                self.location,
            )

    def to_argo(self) -> dict[str, Any]:
        """Return ``{"ip", "hostnames"}``."""
        return {"ip": self.ip, "hostnames": list(self.hostnames)}


@checked_init
@dataclass(frozen=True)
class DNSConfig:
    """DNS settings added to those of the DNS policy (``dnsConfig``).

    Attributes:
        nameservers: Name server IP addresses (``nameservers``).
        searches: Search domains (``searches``).
        options: Resolver options, name -> value or ``None`` (``options[{name, value?}]``),
            e.g. ``{"ndots": "2", "edns0": None}``.
    """

    nameservers: Sequence[str] = ()
    searches: Sequence[str] = ()
    options: Mapping[str, str | None] = field(default_factory=dict)

    def to_argo(self) -> dict[str, Any]:
        """Return the Kubernetes ``PodDNSConfig`` dict."""
        out: dict[str, Any] = {}
        if self.nameservers:
            out["nameservers"] = list(self.nameservers)
        if self.searches:
            out["searches"] = list(self.searches)
        if self.options:
            out["options"] = [
                {"name": k} if v is None else {"name": k, "value": v}
                for k, v in self.options.items()
            ]
        return out


@checked_init
@dataclass(frozen=True)
class ResourceClaim:
    """A dynamic resource (a GPU slice...) the pods claim (``resourceClaims[]``; Kubernetes
    DynamicResourceAllocation). Containers ask for it by ``name`` in ``resources.claims``.

    Attributes:
        name: The claim's name inside the pod (``name``).
        claim: An existing ResourceClaim (``resourceClaimName``).
        template: A ResourceClaimTemplate; each pod gets a claim of its own
            (``resourceClaimTemplateName``).

    Raises:
        CompileError: ``C158``, an empty name, or neither or both of ``claim`` and
            ``template``.
    """

    name: str
    claim: str | None = None
    template: str | None = None
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise fail("C158", "ResourceClaim needs a name", self.location)
        if (self.claim is None) == (self.template is None):
            raise fail(
                "C158",
                f"ResourceClaim {self.name!r} needs exactly one of claim= (an existing "
                "ResourceClaim) and template= (a ResourceClaimTemplate)",
                self.location,
            )

    def to_argo(self) -> dict[str, Any]:
        """Return ``{"name", "resourceClaimName" | "resourceClaimTemplateName"}``."""
        if self.claim is not None:
            return {"name": self.name, "resourceClaimName": self.claim}
        return {"name": self.name, "resourceClaimTemplateName": self.template}


def executor_argo(executor: str | Mapping[str, Any], location: Location) -> dict[str, Any]:
    """Render ``executor=``: a service account name, or a raw ``ExecutorConfig`` dict.

    Returns:
        ``{"serviceAccountName": ...}`` (or the dict as given).

    Raises:
        CompileError: ``C158``, an empty name.
    """
    if isinstance(executor, Mapping):
        return dict(executor)
    if not isinstance(executor, str) or not executor:
        raise fail(
            "C158",
            f"executor= is the executor's service account name, not {executor!r}",
            location,
        )
    return {"serviceAccountName": executor}
