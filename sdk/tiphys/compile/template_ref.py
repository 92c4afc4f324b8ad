"""Compiling references to WorkflowTemplates: ``library.use(template)`` and ``from_template=``.

A template is usable through ``templateRef`` only if its WorkflowTemplate emits it in
``spec.templates`` under that name: :func:`use_template` compiles the WorkflowTemplate once
(cached per object) and checks that. :func:`workflow_ref_fields` writes
``spec.workflowTemplateRef`` and the arguments of a workflow run from a template, checked against
that template's entrypoint when it is a Python object.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Any, ParamSpec, TypeVar

from tiphys.argo.names import parameter_name_problem
from tiphys.compile.artifacts import artifact_names, workflow_artifacts
from tiphys.compile.inline import is_inline
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.artifacts import Artifact, ArtifactLocation
from tiphys.dsl.params import literal_problem, param_value
from tiphys.dsl.template import Template
from tiphys.dsl.template_ref import TemplateRef, WorkflowRef
from tiphys.dsl.workflow import WorkflowBase
from tiphys.errors import Location, did_you_mean

P = ParamSpec("P")
R = TypeVar("R")

# (names in spec.templates, the emitted templates by name, the references made so far)
_Emitted = tuple[list[str], dict[str, Template[Any, Any]], dict[int, TemplateRef[Any, Any]]]
_EMITTED: weakref.WeakKeyDictionary[WorkflowBase, _Emitted] = weakref.WeakKeyDictionary()


def _emitted(library: WorkflowBase) -> _Emitted:
    """What ``library`` emits (compiling it once), and the references made to it."""
    from tiphys.compile.manifest import collect, compile_workflow

    if library not in _EMITTED:
        names = [t["name"] for t in compile_workflow(library)["spec"].get("templates", [])]
        by_name = {n: t for n, t in collect(library).items() if n in names}
        _EMITTED[library] = (names, by_name, {})
    return _EMITTED[library]


def use_template(library: WorkflowBase, template: Template[P, R]) -> Template[P, R]:
    """Make the :class:`TemplateRef` of one of a WorkflowTemplate's templates.

    Args:
        library: A ``WorkflowTemplate`` or ``ClusterWorkflowTemplate``.
        template: One of the templates it emits.

    Returns:
        The reference; the same object each time for the same template.

    Raises:
        CompileError: ``library`` has no name or does not compile, or does not emit
            ``template`` (``C150``), located at the user's call.
    """
    where = user_location()
    if not isinstance(template, Template) or isinstance(template, TemplateRef):
        raise fail(
            "C150",
            f"{library!r}.use() takes one of its templates (a decorated function), not "
            f"{template!r}",
            where,
        )
    if not library.name:
        raise fail(
            "C150",
            f"{library!r} has no name, and templateRef refers to a WorkflowTemplate by name: "
            "give it name=...",
            where,
        )
    emitted, by_name, refs = _emitted(library)
    if is_inline(template):
        raise fail(
            "C150",
            f"template {template.name!r} is inline (inline=True), so {library!r} does not list "
            "it in spec.templates and templateRef cannot reach it: drop inline=True",
            where,
        )
    if by_name.get(template.name) is not template:
        names = ", ".join(sorted(emitted)) or "none"
        raise fail(
            "C150",
            f"template {template.name!r} is not part of {library!r} (its templates: {names}): "
            "add it to the WorkflowTemplate's templates=[...], or call it directly",
            where,
        )
    if id(template) not in refs:
        refs[id(template)] = TemplateRef(
            template,
            workflow_template=library.name,
            template=template.name,
            cluster_scope=library.kind == "ClusterWorkflowTemplate",
            location=where,
        )
    return refs[id(template)]


def workflow_ref_fields(wf: WorkflowBase, ref: WorkflowRef) -> dict[str, Any]:
    """``spec.workflowTemplateRef`` and ``spec.arguments`` of a workflow run from a template.

    Only the given arguments are written (Argo merges them over the WorkflowTemplate's own,
    by name). When the template is an object, each must name an input of its entrypoint (or of
    the ``entrypoint=`` the workflow gives instead, which must be one of its templates) and
    fit its type; a CronWorkflow must also give every required input that the WorkflowTemplate
    does not (nobody can give it at run time).

    Args:
        wf: The Workflow or CronWorkflow.
        ref: Its ``from_template``.

    Returns:
        ``{"workflowTemplateRef": {...}}``, ``"entrypoint"`` when the workflow overrides it,
        and ``"arguments"`` when some are given: the
        entrypoint's artifact inputs (or, for a template named by text, the values that are
        artifact locations) as ``arguments.artifacts``, the others as ``parameters``.

    Raises:
        CompileError: An unknown argument (``C101``), a constant of the wrong type (``C103``), a
            missing required input of a CronWorkflow (``C102``), a template without entrypoint
            or an ``entrypoint=`` that is not one of its templates (``C149``), or a parameter
            name Argo refuses (``C150``), located at ``wf``.
    """
    where = wf.location
    entry = _entry(wf, ref)
    given, artifacts = _artifact_arguments(ref, entry, dict(wf.options.arguments), where)
    out: dict[str, Any] = {"workflowTemplateRef": ref.to_argo()}
    if ref.entrypoint is not None:
        out["entrypoint"] = ref.entrypoint
    if ref.template is None:
        for key in given:
            problem = parameter_name_problem(key)
            if problem:
                raise fail("C150", f"arguments= parameter name {problem}", where)
        named = given
    else:
        named = _checked_arguments(wf, ref.template, entry, given)
    arguments: dict[str, Any] = {}
    if named:
        arguments["parameters"] = [{"name": k, "value": param_value(v)} for k, v in named.items()]
    if artifacts:
        arguments["artifacts"] = artifacts
    if arguments:
        out["arguments"] = arguments
    return out


def _entry(wf: WorkflowBase, ref: WorkflowRef) -> Template[Any, Any] | None:
    """The template the workflow runs first, when known: the ``entrypoint=`` override (checked
    to be a template of the WorkflowTemplate object), else the WorkflowTemplate's entrypoint.

    Raises:
        CompileError: ``C149``: the override is not a template of the WorkflowTemplate.
    """
    if ref.template is None:
        return ref.entry
    if ref.entrypoint is None:
        return ref.template.entrypoint
    from tiphys.compile.manifest import collect

    found = collect(ref.template)
    entry = found.get(ref.entrypoint)
    if entry is None or (ref.entry is not None and entry is not ref.entry):
        names = sorted(found)
        raise fail(
            "C149",
            f"entrypoint {ref.entrypoint!r} is not a template of {ref.template!r} (its "
            f"templates: {', '.join(names) or 'none'}).{did_you_mean(ref.entrypoint, names)}",
            wf.location,
        )
    return entry


def _artifact_arguments(
    ref: WorkflowRef, entry: Template[Any, Any] | None, given: dict[str, Any], where: Location
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Split ``arguments=`` into parameters and ``arguments.artifacts``: the artifact inputs
    of the entrypoint, or (an untyped reference) the values that are locations."""
    if entry is not None:
        names = set(artifact_names(entry))
        found = {k: v for k, v in given.items() if k in names}
        artifacts = workflow_artifacts(entry, found, needs_sources=False, where=where)
    else:
        found = {k: v for k, v in given.items() if isinstance(v, ArtifactLocation | Artifact)}
        artifacts = [
            replace(v, name=k).to_argo() if isinstance(v, Artifact) else {"name": k, **v.to_argo()}
            for k, v in found.items()
        ]
    return {k: v for k, v in given.items() if k not in found}, artifacts


def _checked_arguments(
    wf: WorkflowBase,
    template: WorkflowBase,
    entry: Template[Any, Any] | None,
    given: dict[str, Any],
) -> dict[str, Any]:
    where = wf.location
    if entry is None:
        raise fail(
            "C149",
            f"{template!r} has no entrypoint, so {wf.kind} cannot run it: give it entrypoint=",
            where,
        )
    specs = {s.py_name: s for s in entry.inputs} | {s.name: s for s in entry.inputs}
    names = [s.name for s in entry.inputs]
    for key, value in given.items():
        if key not in specs:
            raise fail(
                "C101",
                f"arguments= sets {key!r}, but {template!r} runs entrypoint {entry.name!r}, which "
                f"has no such input (inputs: {', '.join(names) or 'none'})."
                f"{did_you_mean(key, names)}",
                where,
            )
        problem = literal_problem(specs[key], value)
        if problem:
            raise fail("C103", f"argument {key!r} {problem}", where)
    named = {specs[k].name: v for k, v in given.items()}
    if wf.kind == "CronWorkflow":
        known = {specs[k].name for k in template.options.arguments if k in specs}
        missing = [
            s.name
            for s in entry.inputs
            if s.required and s.name not in named and s.name not in known
        ]
        if missing:
            raise fail(
                "C102",
                f"{template!r} needs input(s) {', '.join(repr(m) for m in missing)} of its "
                f"entrypoint {entry.name!r}, and a CronWorkflow is started by its schedule, so "
                "nobody can give them: set them in arguments=",
                where,
            )
    return named
