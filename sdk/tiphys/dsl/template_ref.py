"""References to templates that live in other objects: ``templateRef`` and ``workflowTemplateRef``.

* :class:`TemplateRef` is a template of a ``WorkflowTemplate`` or ``ClusterWorkflowTemplate``
  used from another workflow (``library.use(template)``): tasks that call it are checked against
  the template's signature like any call, their ``result`` and outputs are typed from it, and they
  are written ``templateRef: {name, template[, clusterScope: true]}``. The template itself is not
  copied into the caller's ``spec.templates``.
* :func:`template_ref` is the untyped form for templates not defined in Python (YAML
  converted to Python): its tasks take any keyword arguments, with the names as given.
* :class:`WorkflowRef` is a whole WorkflowTemplate a ``Workflow`` or ``CronWorkflow`` runs
  (``from_template=``): ``spec.workflowTemplateRef``.

Error codes of this module: ``C149`` (``from_template=`` misuse), ``C150`` (a template
reference that Argo could not resolve, or a call it cannot make).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from tiphys.argo.names import object_name_problem, parameter_name_problem, template_name_problem
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.artifacts import Artifact, ArtifactInput, artifact_argument, is_artifact_value
from tiphys.dsl.options import TemplateOptions
from tiphys.dsl.params import InputSpec
from tiphys.dsl.template import Output, Template
from tiphys.errors import Location

if TYPE_CHECKING:
    from tiphys.dsl.workflow import WorkflowBase

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

TEMPLATE_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate")
"""Kinds whose templates other workflows can reference."""


class TemplateRef(Template[P, R_co]):
    """A template of a WorkflowTemplate (or ClusterWorkflowTemplate) used from elsewhere.

    Made by ``library.use(template)``; call it inside a ``@dag`` or ``@steps`` body like the
    template itself. Its inputs, outputs and result type are the referenced template's.

    Attributes:
        target: The referenced template (``None`` for :func:`template_ref`).
        workflow_template: ``templateRef.name``: the WorkflowTemplate's ``metadata.name``.
        template: ``templateRef.template``: the template's name in it.
        cluster_scope: ``templateRef.clusterScope``: the WorkflowTemplate is a
            ClusterWorkflowTemplate.
        location: Where the reference was made.
    """

    def __init__(
        self,
        target: Template[P, R_co] | None,
        *,
        workflow_template: str,
        template: str,
        cluster_scope: bool,
        location: Location,
    ) -> None:
        # Template.__init__ is not called: there may be no function, and the options,
        # name and kind come from the referenced template.
        self.target = target
        self.workflow_template = workflow_template
        self.template = template
        self.cluster_scope = cluster_scope
        self.location = location
        self.name = template if template_name_problem(template) is None else "template-ref"
        if target is not None:
            self.fn = target.fn
            self.options = target.options
            # How a task's result is read depends on the referenced kind (dag/steps results
            # are output parameters).
            self.kind = target.kind  # type: ignore[misc]
            functools.update_wrapper(self, target.fn)
        else:
            self.options = TemplateOptions(location=location)

    def __repr__(self) -> str:
        scope = "ClusterWorkflowTemplate" if self.cluster_scope else "WorkflowTemplate"
        return f"<template {self.template!r} of {scope} {self.workflow_template!r}>"

    def to_argo(self) -> dict[str, Any]:
        """Return the task's ``templateRef`` dict: ``{name, template[, clusterScope]}``."""
        out: dict[str, Any] = {"name": self.workflow_template, "template": self.template}
        if self.cluster_scope:
            out["clusterScope"] = True
        return out

    @functools.cached_property
    def inputs(self) -> list[InputSpec]:
        """The referenced template's inputs."""
        return self.target.inputs if self.target is not None else []

    @functools.cached_property
    def outputs(self) -> dict[str, Output]:
        """The referenced template's output parameters."""
        return self.target.outputs if self.target is not None else _AnyOutputs()

    @functools.cached_property
    def artifact_inputs(self) -> list[ArtifactInput]:
        """The referenced template's input artifacts (none known for untyped references)."""
        return self.target.artifact_inputs if self.target is not None else []

    @property
    def output_artifacts(self) -> dict[str, Artifact]:
        """The referenced template's output artifacts (any name for untyped references)."""
        return self.target.output_artifacts if self.target is not None else _AnyArtifacts()

    @property
    def result_type(self) -> Any:
        """Type of ``task.result``: the referenced template's."""
        return self.target.result_type if self.target is not None else None

    @property
    def result_is_json(self) -> bool:
        """Whether ``outputs.result`` is JSON (always assumed for untyped references)."""
        return self.target.result_is_json if self.target is not None else True

    @property
    def result_parameter(self) -> str | None:
        """The referenced template's result parameter."""
        return self.target.result_parameter if self.target is not None else None

    def call_outside(self, /, *args: Any, **kwargs: Any) -> Any:
        """Refuse a call outside a traced body."""
        raise fail(
            "C118",
            f"{self!r} was called outside a @dag or @steps body; call it inside one to add a "
            "task that runs it",
        )

    def bind(
        self, args: Sequence[Any], kwargs: dict[str, Any], caller: str | None = None
    ) -> dict[str, Any]:
        """Check the call against the referenced template's inputs (see :meth:`Template.bind`).

        An untyped reference (:func:`template_ref`) takes keyword arguments only, each passed
        under the name given: artifacts (``t.outputs.artifacts.x``, locations) as
        ``arguments.artifacts``, other values as ``arguments.parameters``.

        Raises:
            CompileError: As :meth:`Template.bind`; for an untyped reference, a positional
                argument or a name Argo refuses for a parameter.
        """
        if self.target is not None:
            return super().bind(args, kwargs, caller)
        if args:
            raise fail(
                "C150",
                f"{self!r} takes keyword arguments only (it does not know the template's "
                "inputs): name each one, e.g. message='hi' or **{'my-param': value}",
            )
        for key in kwargs:
            problem = parameter_name_problem(key)
            if problem:
                raise fail("C150", f"argument name {problem}")
        return {  # artifacts (task artifacts, locations) go to arguments.artifacts
            key: artifact_argument(value, key, self.name) if is_artifact_value(value) else value
            for key, value in kwargs.items()
        }


class _AnyArtifacts(dict[str, Artifact]):
    """The output artifacts of an untyped reference: every name is taken as given."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __missing__(self, key: str) -> Artifact:
        return Artifact(key)


class _AnyOutputs(dict[str, Output]):
    """The outputs of an untyped reference: every name is taken as given."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __missing__(self, key: str) -> Output:
        return Output(key)

    def get(self, key: str, default: Any = None) -> Any:
        """An output of that name (every name exists)."""
        return Output(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())


def template_ref(
    workflow_template: str, template: str, *, cluster_scope: bool = False
) -> Template[..., Any]:
    """Refer to a template of a WorkflowTemplate not defined in Python (``templateRef``).

    Prefer ``library.use(template)`` when the WorkflowTemplate is a Python object: its calls
    are checked. Calls of this reference take keyword arguments only, passed under the names
    given (``**{"my-param": x}`` for names that are not Python identifiers); ``task.result`` and
    ``task.outputs.<name>`` (names as given) are untyped.

    Args:
        workflow_template: The WorkflowTemplate's ``metadata.name`` (``templateRef.name``).
        template: The template's name in it (``templateRef.template``).
        cluster_scope: The WorkflowTemplate is a ClusterWorkflowTemplate
            (``templateRef.clusterScope: true``).

    Returns:
        A template to call inside ``@dag``/``@steps`` bodies.

    Raises:
        CompileError: A name Argo refuses (``{{...}}`` parameters are left to Argo), located
            at the call.
    """
    location = user_location()
    for what, value, problem in (
        ("WorkflowTemplate name", workflow_template, object_name_problem(workflow_template)),
        ("template name", template, template_name_problem(template)),
    ):
        if problem and "{{" not in value:
            raise fail("C150", f"template_ref(): {what} {problem}", location)
    return TemplateRef(
        None,
        workflow_template=workflow_template,
        template=template,
        cluster_scope=cluster_scope,
        location=location,
    )


@dataclass(frozen=True)
class WorkflowRef:
    """The WorkflowTemplate a Workflow or CronWorkflow runs (``spec.workflowTemplateRef``).

    Attributes:
        name: The WorkflowTemplate's ``metadata.name``.
        cluster_scope: It is a ClusterWorkflowTemplate (``clusterScope: true``).
        template: The WorkflowTemplate object, when given as one (its entrypoint checks the
            arguments); ``None`` for a name.
        entrypoint: The entrypoint the workflow runs instead of the WorkflowTemplate's
            (``spec.entrypoint``), by name; ``None`` for the template's own.
        entry: That entrypoint's template object, when given as one.
    """

    name: str
    cluster_scope: bool = False
    template: WorkflowBase | None = None
    entrypoint: str | None = None
    entry: Template[Any, Any] | None = None

    def to_argo(self) -> dict[str, Any]:
        """Return the ``workflowTemplateRef`` dict."""
        out: dict[str, Any] = {"name": self.name}
        if self.cluster_scope:
            out["clusterScope"] = True
        return out


# What a workflow run from a template cannot set itself, and where it goes instead.
_NOT_WITH_TEMPLATE = {
    "templates": "templates come from the WorkflowTemplate",
    "on_exit": "set on_exit= on the WorkflowTemplate",
    "hooks": "set hooks= on the WorkflowTemplate",
    "retry": "set retry= on the WorkflowTemplate (it applies to the templates tiphys emits)",
}


def workflow_ref(
    wf: WorkflowBase,
    from_template: WorkflowBase | str | None,
    cluster_scope: bool,
    entry_name: str | None = None,
) -> WorkflowRef | None:
    """Check ``from_template=``/``cluster_scope=`` of a workflow object.

    Args:
        wf: The Workflow or CronWorkflow being created (its options already set; its
            ``entrypoint``, when a template, overrides the WorkflowTemplate's).
        from_template: A ``WorkflowTemplate``/``ClusterWorkflowTemplate`` object, its
            ``metadata.name``, or ``None``.
        cluster_scope: With a name: it names a ClusterWorkflowTemplate.
        entry_name: An ``entrypoint=`` given as a template name (overrides too).

    Returns:
        The reference, or ``None`` without ``from_template``.

    Raises:
        CompileError: ``C149``, located at ``wf``: ``from_template`` on a template kind, with
            ``templates``/``on_exit``/``hooks``/``retry``, an object of another kind or
            without a name, a bad name or entrypoint name, or ``cluster_scope`` without a
            name.
    """
    where = wf.location
    if from_template is None:
        if cluster_scope:
            raise fail("C149", "cluster_scope=True only applies with from_template=<name>", where)
        return None
    if wf.kind in TEMPLATE_KINDS:
        raise fail(
            "C149",
            f"a {wf.kind} cannot be made from another template (from_template=): only a "
            "Workflow or a CronWorkflow runs one",
            where,
        )
    given = {
        "templates": bool(wf.options.templates),
        "on_exit": wf.options.on_exit is not None,
        "hooks": bool(wf.options.operations.hooks),
        "retry": wf.options.retry is not None,
    }
    for option, why in _NOT_WITH_TEMPLATE.items():
        if given[option]:
            raise fail(
                "C149",
                f"{wf.kind} uses from_template=, so it cannot set {option}=: {why}",
                where,
            )
    entry = wf.entrypoint
    if entry_name is not None:
        problem = template_name_problem(entry_name)
        if problem:
            raise fail("C149", f"entrypoint name {problem}", where)
    entry_fields: dict[str, Any] = {
        "entrypoint": entry.name if entry is not None else entry_name,
        "entry": entry,
    }
    if isinstance(from_template, str):
        problem = object_name_problem(from_template)
        if problem:
            raise fail("C149", f"from_template name {problem}", where)
        return WorkflowRef(from_template, cluster_scope, **entry_fields)
    kind = getattr(from_template, "kind", None)
    if kind not in TEMPLATE_KINDS:
        raise fail(
            "C149",
            f"from_template= takes a WorkflowTemplate, a ClusterWorkflowTemplate or a name, not "
            f"{from_template!r}",
            where,
        )
    if cluster_scope and kind != "ClusterWorkflowTemplate":
        raise fail(
            "C149",
            f"cluster_scope=True, but {from_template!r} is a namespaced WorkflowTemplate: "
            "drop cluster_scope (a template object says its own scope)",
            where,
        )
    if not from_template.name:
        raise fail(
            "C149",
            f"{from_template!r} has no name to refer to: give it name=...",
            where,
        )
    return WorkflowRef(
        from_template.name,
        kind == "ClusterWorkflowTemplate",
        template=from_template,
        **entry_fields,
    )
