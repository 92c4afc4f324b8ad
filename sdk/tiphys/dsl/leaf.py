"""The common part of the template kinds that run no container of the user's: ``@http``,
``@suspend``, ``@data``, ``@resource`` and ``@plugin``.

Such a kind takes the common template options (:class:`~tiphys.dsl.options.TemplateOptionsKw`)
that mean something for it and refuses the others with a located error (``C123``) instead of
emitting fields Argo ignores, or dropping them. Options are sorted by what they configure
(:data:`OPTION_SCOPES`); each kind says which scopes it takes.

Argo v4.1.2 takes ``timeout`` only on leaf templates (``Template.IsLeaf``: container, script,
resource, container set, data, http, plugin) and refuses it on ``suspend``, ``dag`` and
``steps`` templates (``workflow/validate/validate.go`` ``validateTemplate``), so ``timeout`` has a
scope of its own, ``"leaf"``.

Codes: ``C123`` an option the kind does not use; ``C129`` a body that is never run but holds
code (``@suspend``, ``@data``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal, ParamSpec, TypedDict, TypeVar

from tiphys.dsl._location import definition_location, fail
from tiphys.dsl.artifacts import ArchiveLocation, ArtifactLocation
from tiphys.dsl.locks import Lock, Memoize
from tiphys.dsl.metrics import Metric
from tiphys.dsl.options import Duration, Raw, Resources, Retry, Toleration, template_options
from tiphys.dsl.pod_fields import HostAlias, ResourceClaim
from tiphys.dsl.template import Template
from tiphys.errors import Location

P = ParamSpec("P")
R = TypeVar("R")

OptionScope = Literal["node", "leaf", "pod", "container", "graph"]

OPTION_SCOPES: dict[str, OptionScope] = {
    # Any node: how long it may run, how it is retried, a raw patch of the template, and
    # whether it is emitted inline (every kind's decorator takes ``inline=`` itself).
    "inline": "node",
    "active_deadline": "node",
    "retry": "node",
    "patch": "node",
    "node_annotations": "node",
    # Nodes that run something (Argo's leaf templates): the deadline that includes Pending.
    "timeout": "leaf",
    # What a node locks, caches and measures.
    "synchronization": "node",
    "memoize": "node",
    "metrics": "node",
    # The pod Argo creates for the node.
    "node_selector": "pod",
    "tolerations": "pod",
    "affinity": "pod",
    "priority_class": "pod",
    "service_account": "pod",
    "pod_spec_patch": "pod",
    "security_context": "pod",
    "labels": "pod",
    "annotations": "pod",
    "host_aliases": "pod",
    "automount_service_account_token": "pod",
    "executor": "pod",
    "pod_resources": "pod",
    "resource_claims": "pod",
    "archive_location": "pod",
    # The user's own containers in that pod.
    "resources": "container",
    "env": "container",
    "volumes": "container",
    "sidecars": "container",
    "init_containers": "container",
    # Templates that run other templates.
    "parallelism": "graph",
    "fail_fast": "graph",
}
"""What each common option configures. An option missing here is taken by every kind; a test
keeps this table in step with :class:`~tiphys.dsl.options.TemplateOptionsKw`."""


class RequestOptionsKw(TypedDict, total=False):
    """Common options of ``@suspend`` and ``@http`` templates (``@http``'s own ``timeout=`` is
    the request's; a suspend template takes no ``timeout``, which Argo refuses there: its
    ``duration=`` resumes it after a while).

    * ``active_deadline``: running-time limit (``activeDeadlineSeconds``).
    * ``retry``: :class:`~tiphys.dsl.options.Retry` or a retry count (``retryStrategy``).
    * ``synchronization``, ``memoize``, ``metrics``: locks, cached outputs and Prometheus
      metrics of the node (see :class:`~tiphys.dsl.options.TemplateOptionsKw`).
    * ``node_annotations``: annotations of the node (the template's ``annotations``), e.g.
      ``workflows.argoproj.io/display-name``.
    * ``patch``: a raw dict merged into the emitted template last.
    """

    active_deadline: Duration | None
    retry: Retry | int | None
    synchronization: Sequence[Lock]
    memoize: Memoize | None
    metrics: Sequence[Metric]
    node_annotations: Mapping[str, str]
    patch: Raw | None


class NodeOptionsKw(RequestOptionsKw, total=False):
    """Common options of templates that run no pod of their own but something else
    (``@plugin``): those of :class:`RequestOptionsKw`, and ``timeout`` (the node's deadline,
    ``timeout``)."""

    timeout: Duration | None


class ExecutorOptionsKw(NodeOptionsKw, total=False):
    """Common options of templates whose pod runs Argo's executor (``@resource``, ``@data``):
    those of :class:`NodeOptionsKw` and the pod's: ``node_selector``, ``tolerations``,
    ``affinity``, ``priority_class``, ``service_account``, ``pod_spec_patch``,
    ``security_context``, ``labels``, ``annotations``, ``host_aliases``,
    ``automount_service_account_token``, ``executor``, ``pod_resources``, ``resource_claims``,
    ``archive_location`` (see :class:`~tiphys.dsl.options.TemplateOptionsKw`)."""

    node_selector: Mapping[str, str]
    tolerations: Sequence[Toleration | Raw]
    affinity: Raw | None
    priority_class: str | None
    service_account: str | None
    pod_spec_patch: str | Raw | None
    security_context: Raw | None
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    host_aliases: Sequence[HostAlias | Raw]
    automount_service_account_token: bool | None
    executor: str | Raw | None
    pod_resources: Resources | Raw | None
    resource_claims: Sequence[ResourceClaim | Raw]
    archive_location: ArchiveLocation | ArtifactLocation | None


class KindTemplate(Template[P, R]):
    """Base of the templates without a container of the user's.

    Subclasses set :attr:`scopes` (the option scopes they take) and :attr:`refusal` (why they
    take no other options, completing "it ..."); :attr:`refusals` gives a whole reason for the
    options of one scope instead (what to use in their place). ``inline=True`` is passed on as
    the common ``inline`` option (``template.options.inline``), the one mechanism every kind shares.
    """

    scopes: ClassVar[frozenset[OptionScope]] = frozenset({"node", "leaf"})
    refusal: ClassVar[str] = ""
    refusals: ClassVar[Mapping[OptionScope, str]] = {}

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        name: str | None,
        inline: bool,
        options: Mapping[str, Any],
    ) -> None:
        where = definition_location(fn)
        merged = {**options, "inline": True} if inline else options
        super().__init__(fn, name=name, options=template_options(merged, where))
        for key in options:
            scope = OPTION_SCOPES.get(key, "node")
            if scope in self.scopes:
                continue
            if scope in self.refusals:
                message = f"{key}=: {self.refusals[scope]}"
            else:
                reason = "it applies to @dag and @steps only" if scope == "graph" else self.refusal
                message = f"{key}=: {reason}; remove it"
            raise fail("C123", f"@{self.kind} {self.name!r} does not take {message}", where)


def check_empty_body(template: Template[Any, Any], why: str) -> None:
    """Refuse a body that holds code, for kinds whose body is never run.

    A docstring, ``pass`` and ``...`` are allowed. Functions whose source cannot be read
    (made by ``exec``, lambdas) are not checked.

    Args:
        template: The template (its ``fn``, name and location are used).
        why: Why the body never runs, completing "@kind 'name' ...".

    Raises:
        CompileError: ``C129`` at the function's first line of code.
    """
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(template.fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return
    for statement in node.body:
        constant = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(statement, ast.Pass) or (
            isinstance(constant, ast.Constant)
            and (isinstance(constant.value, str) or constant.value is Ellipsis)
        ):
            continue
        where = definition_location(template.fn)
        raise fail(
            "C129",
            f"@{template.kind} {template.name!r} {why}, so its body may hold only a docstring: "
            "remove this code (do the work in a @script task before or after it)",
            Location(where.file, where.line + statement.lineno - 1),
        )
