"""Compiling a workflow object to its manifest dict.

Templates are collected from the entrypoint (then the exit handler, the workflow's hooks, then
``templates=``) in order of first use, depth first, so output is deterministic; the templates of
tasks' hooks count as used by the task's template. A task with ``.retry()`` runs a copy
of its template carrying that ``retryStrategy`` (``<template>-retry``, ``-retry-2``... per distinct
strategy), because Argo keeps retries on templates, not on tasks. Inline templates
(``inline=True``) are rendered on the tasks that run them (:mod:`tiphys.compile.inline`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from tiphys._gc import gc_paused
from tiphys.argo.names import object_name_problem
from tiphys.compile.artifacts import artifact_names, workflow_artifacts
from tiphys.compile.cron import cron_spec
from tiphys.compile.hooks import hook_templates, workflow_hooks_field
from tiphys.compile.inline import InlineTemplates, check_roots, is_inline, templates_used
from tiphys.compile.ops import spec_problems
from tiphys.compile.template_ref import workflow_ref_fields
from tiphys.compile.templates import common_fields, deep_merge, render_template
from tiphys.dsl._location import fail
from tiphys.dsl.cron import CronWorkflow
from tiphys.dsl.options import (
    TTL,
    PodGC,
    Retry,
    Volume,
    seconds,
    template_options,
    tolerations_argo,
)
from tiphys.dsl.params import MISSING, Input, literal_problem, param_value
from tiphys.dsl.pod_fields import PodMetadata
from tiphys.dsl.template import Task, Template
from tiphys.dsl.template_ref import TemplateRef
from tiphys.dsl.workflow import WorkflowBase
from tiphys.dsl.workflow_ops import workflow_fields
from tiphys.errors import CompileError, Diagnostic, Location, did_you_mean

_T = TypeVar("_T")

API_VERSION = "argoproj.io/v1alpha1"


class _Collector:
    """Finds every template reachable from the roots and names task-level retry copies.

    Problems found in one template's body are recorded (:attr:`problems`) so that the others
    are still checked: the user sees every error at once.
    """

    def __init__(self, default: Retry | None = None) -> None:
        self.problems: list[Diagnostic] = []
        self.order: list[Template[Any, Any]] = []
        self.by_name: dict[str, Template[Any, Any]] = {}
        self.inline_ids: set[int] = set()  # inline templates are not named in the manifest
        self.variants: dict[tuple[int, Retry], str] = {}
        self.variant_order: list[tuple[Template[Any, Any], str, Retry]] = []
        self.default = default
        self.inline = InlineTemplates(
            lambda template, retry: render_template(template, template.name, self.name_for, retry)
        )
        self.refs: list[TemplateRef[Any, Any]] = []

    def visit(self, root: Template[Any, Any]) -> None:
        stack = [root]
        while stack:
            template = stack.pop()
            if isinstance(template, TemplateRef):
                self.refs.append(template)  # it lives in its WorkflowTemplate (templateRef)
                continue
            if is_inline(template):
                if id(template) in self.inline_ids:
                    continue
                self.inline_ids.add(id(template))
            else:
                known = self.by_name.get(template.name)
                if known is template:
                    continue
                if known is not None:
                    raise fail(
                        "C104",
                        f"two different templates are named {template.name!r} (defined at "
                        f"{known.location} and {template.location}); template names must be "
                        "unique in a workflow (run_tests and run-tests collide): pass name=... "
                        "to one",
                        template.location,
                    )
                self.by_name[template.name] = template
            self.order.append(template)
            stack.extend(reversed(self.attempt(template.dependencies) or []))

    def attempt(self, step: Callable[[], _T]) -> _T | None:
        """Run one step; on a compile error record its problems and return ``None``."""
        try:
            return step()
        except CompileError as exc:
            self.problems.extend(d for d in exc.diagnostics if d not in self.problems)
            return None

    def render(self, template: Template[Any, Any], name: str, retry: Retry | None) -> Any:
        """Render a named template (the enclosing template of its inline ones)."""
        self.inline.enclosing = template
        try:
            return render_template(template, name, self.name_for, retry)
        finally:
            self.inline.enclosing = None

    def name_for(self, task: Task[Any]) -> str | dict[str, Any]:
        """The emitted template name of a task, or the ``inline`` body of an inline one."""
        retry = task.retry_
        if is_inline(task.template):
            return self.inline.body(task, retry or _leaf_retry(task.template, self.default))
        if retry is None:
            return task.template.name
        key = (id(task.template), retry)
        if key not in self.variants:
            count = sum(1 for t, _, _ in self.variant_order if t is task.template)
            name = f"{task.template.name}-retry" + (f"-{count + 1}" if count else "")
            if name in self.by_name:
                raise fail(
                    "C104",
                    f"task {task.name!r} uses .retry(), whose template copy is named {name!r}, "
                    "but a template of that name exists: rename it",
                    task.location,
                )
            self.variants[key] = name
            self.variant_order.append((task.template, name, retry))
        return self.variants[key]


def _default_retry(wf: WorkflowBase) -> Retry | None:
    retry = wf.options.retry
    return Retry(retry, location=wf.location) if isinstance(retry, int) else retry


def _leaf_retry(template: Template[Any, Any], default: Retry | None) -> Retry | None:
    """The workflow's retry for a container or script template without its own.

    It is not emitted as ``spec.retryStrategy``: Argo applies that to ``dag`` and ``steps``
    nodes too, re-running whole DAGs, succeeded tasks included (operator.go retryStrategy).
    """
    if template.kind in ("dag", "steps") or template.options.retry is not None:
        return None
    return default


def _referenced(templates: list[dict[str, Any]], roots: set[str]) -> list[dict[str, Any]]:
    """Drop templates only reached as the base of a ``.retry()`` copy (nothing runs them)."""
    used = set(roots)
    for template in templates:
        used.update(templates_used(template))
    return [t for t in templates if t["name"] in used]


def _given_parameters(wf: WorkflowBase, given: Sequence[Input]) -> list[dict[str, Any]]:
    """``spec.arguments.parameters`` from ``parameters=``, in the given order."""
    if any(not hasattr(v, "to_argo") for v in wf.options.arguments.values()):
        # arguments= may still give the input artifacts (locations); not parameters.
        raise fail("C162", "give parameters= or arguments=, not both", wf.location)
    params: list[dict[str, Any]] = []
    for item in given:
        param: dict[str, Any] = {"name": item.name}
        if item.default is not MISSING:
            param["value"] = param_value(item.default)
        if item.value is not None:
            param["value"] = param_value(item.value)
        if item.value_from is not None:
            param["valueFrom"] = dict(item.value_from)
        if item.global_name:
            param["globalName"] = item.global_name
        if item.enum is not None:
            param["enum"] = [param_value(v) for v in item.enum]
        if item.description:
            param["description"] = item.description
        params.append(param)
    return params


def _arguments(wf: WorkflowBase) -> list[dict[str, Any]]:
    if wf.options.parameters is not None:
        return _given_parameters(wf, wf.options.parameters)
    entry = wf.entrypoint
    if entry is None:
        if wf.options.arguments:
            raise fail("C110", "arguments= needs an entrypoint", wf.location)
        return []
    specs = {s.name: s for s in entry.inputs} | {s.py_name: s for s in entry.inputs}
    artifacts = artifact_names(entry)  # given by workflow_artifacts
    for key, value in wf.options.arguments.items():
        if key in artifacts:
            continue
        if key not in specs:
            names = [s.name for s in entry.inputs] + [a.name for a in entry.artifact_inputs]
            raise fail(
                "C101",
                f"arguments= sets {key!r}, but entrypoint {entry.name!r} has no such input "
                f"(inputs: {', '.join(names) or 'none'}).{did_you_mean(key, names)}",
                wf.location,
            )
        problem = literal_problem(specs[key], value)
        if problem:
            raise fail("C103", f"argument {key!r} {problem}", wf.location)
    given = {specs[k].name: v for k, v in wf.options.arguments.items() if k not in artifacts}
    params: list[dict[str, Any]] = []
    for spec in entry.inputs:
        param: dict[str, Any] = {"name": spec.name}
        if spec.name in given:
            param["value"] = param_value(given[spec.name])
        elif spec.default is not MISSING:
            param["value"] = param_value(spec.default)
        if spec.enum is not None:
            param["enum"] = [param_value(v) for v in spec.enum]
        if spec.description:
            param["description"] = spec.description
        params.append(param)
    return params


def _volumes(wf: WorkflowBase, templates: list[Template[Any, Any]]) -> list[Volume]:
    """The volumes the workflow declares: one per name (mounts of one volume at several
    places, ``Volume.at``, are one volume); those declared ``in_template`` are left to their
    templates."""
    found: dict[str, Volume] = {}
    for volume in [*wf.options.volumes, *(v for t in templates for v in t.options.volumes)]:
        known = found.setdefault(volume.name, volume)
        if (known.to_argo(), known.in_template) != (volume.to_argo(), volume.in_template):
            raise fail(
                "C104",
                f"two different volumes are named {volume.name!r} (at {known.location} and "
                f"{volume.location}); give them different names",
                volume.location,
            )
    return [v for v in found.values() if not v.in_template]


def _metadata(wf: WorkflowBase) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if wf.name:
        problem = object_name_problem(wf.name, kind=wf.kind)
        if problem:
            raise fail("C109", f"{wf.kind} name {problem}", wf.location)
        meta["name"] = wf.name
    else:
        prefix = wf.generate_name or (
            f"{wf.entrypoint.name.lower()}-" if wf.entrypoint is not None else None
        )
        if prefix is None and wf.from_template is not None:
            prefix = f"{wf.from_template.name}-"
        if prefix is None:
            raise fail("C109", f"{wf.kind} needs a name", wf.location)
        problem = object_name_problem(prefix, kind=wf.kind, generate=True)
        if problem:
            raise fail("C109", f"{wf.kind} generate_name {problem}", wf.location)
        meta["generateName"] = prefix
    if wf.options.namespace:
        meta["namespace"] = wf.options.namespace
    if wf.options.labels:
        meta["labels"] = dict(wf.options.labels)
    if wf.options.annotations:
        meta["annotations"] = dict(wf.options.annotations)
    return meta


def _operational(wf: WorkflowBase, where: Location) -> dict[str, Any]:
    o = wf.options
    spec: dict[str, Any] = {}
    if o.service_account:
        spec["serviceAccountName"] = o.service_account
    if o.parallelism is not None:
        spec["parallelism"] = o.parallelism
    if o.priority is not None:
        spec["priority"] = o.priority
    if o.active_deadline is not None:
        spec["activeDeadlineSeconds"] = seconds(o.active_deadline, "active_deadline", where)
    if o.ttl is not None:
        ttl = o.ttl if isinstance(o.ttl, TTL) else TTL(completion=o.ttl, location=where)
        spec["ttlStrategy"] = ttl.to_argo()
    if o.pod_gc is not None:
        pod_gc = o.pod_gc if isinstance(o.pod_gc, PodGC) else PodGC(o.pod_gc, location=where)  # type: ignore[arg-type]
        spec["podGC"] = pod_gc.to_argo()
    if o.pdb is not None:
        spec["podDisruptionBudget"] = (
            {"minAvailable": o.pdb} if isinstance(o.pdb, int) else dict(o.pdb)
        )
    if o.priority_class:
        spec["podPriorityClassName"] = o.priority_class
    if o.node_selector:
        spec["nodeSelector"] = dict(o.node_selector)
    if o.tolerations:
        spec["tolerations"] = tolerations_argo(o.tolerations)
    if o.affinity is not None:
        spec["affinity"] = dict(o.affinity)
    if o.security_context is not None:
        spec["securityContext"] = dict(o.security_context)
    if o.pod_metadata is not None:
        meta = o.pod_metadata
        spec["podMetadata"] = meta.to_argo() if isinstance(meta, PodMetadata) else dict(meta)
    if o.archive_logs is not None:
        spec["archiveLogs"] = o.archive_logs
    if o.artifact_repository_ref is not None:
        spec["artifactRepositoryRef"] = o.artifact_repository_ref.to_argo()
    if o.artifact_gc is not None:
        spec["artifactGC"] = o.artifact_gc.to_argo()
    if o.template_defaults:
        for key in ("resources", "env", "volumes"):
            if key in o.template_defaults:
                raise fail(
                    "C117",
                    f"template_defaults cannot set {key}: Argo merges templateDefaults into every "
                    "template, and a container field there would turn each template into a "
                    "container. Set it on the templates (or use patch=)",
                    where,
                )
        if o.template_defaults.get("inline"):
            raise fail(
                "C130",
                "template_defaults cannot set inline: Argo has no such template field; pass "
                "inline=True to the decorators of the templates to inline",
                where,
            )
        spec["templateDefaults"] = common_fields(template_options(o.template_defaults, where))
    return spec


def compile_workflow(wf: WorkflowBase) -> dict[str, Any]:
    """Compile a workflow object to its manifest dict.

    The cyclic garbage collector is paused meanwhile: a large DAG allocates many long-lived
    objects it would otherwise re-scan over and over.

    Args:
        wf: A :class:`~tiphys.dsl.workflow.Workflow`, ``WorkflowTemplate`` or
            ``ClusterWorkflowTemplate``.

    Returns:
        The manifest, keys in a stable order, all parameter values strings.

    Raises:
        CompileError: The first problem found, located at the user's line.
    """
    with gc_paused():
        return _compile(wf)


def roots(wf: WorkflowBase) -> list[Template[Any, Any]]:
    """The templates a workflow emits whatever uses them: entrypoint, exit handler, hook
    templates, extras. A hook may run a referenced template (``templateRef``); the others are
    named in the spec, so they cannot be references."""
    first = [t for t in (wf.entrypoint, wf.options.on_exit) if t is not None]
    extras = list(wf.options.templates)
    for template in [*first, *extras]:
        if isinstance(template, TemplateRef):
            raise fail(
                "C150",
                f"{template!r} is a reference (templateRef), which a workflow cannot use as its "
                "entrypoint, exit handler (on_exit=) or templates=: call it from a @dag or "
                "@steps, run it as a hook (hooks={'exit': Hook(...)}), or run the whole "
                "WorkflowTemplate with from_template=",
                wf.location,
            )
    return [*first, *hook_templates(wf), *extras]


def _templates_of_refs(refs: list[TemplateRef[Any, Any]]) -> list[Template[Any, Any]]:
    """Templates that referenced templates run: their volumes must be declared by the caller,
    as Argo does not take a WorkflowTemplate's volumes along with a templateRef
    (argo-workflows#13977)."""
    found: list[Template[Any, Any]] = []
    for ref in refs:
        if ref.target is not None:
            collector = _Collector()  # one per reference: names are unique per WorkflowTemplate
            collector.visit(ref.target)
            found += collector.order
    return found


def collect(wf: WorkflowBase) -> dict[str, Template[Any, Any]]:
    """Every template reachable from the workflow's roots, by emitted name.

    Raises:
        CompileError: A problem found in a body while collecting.
    """
    collector = _Collector()
    for root in roots(wf):
        collector.visit(root)
    if collector.problems:
        raise CompileError(collector.problems)
    return collector.by_name


def _compile(wf: WorkflowBase) -> dict[str, Any]:
    where = wf.location
    if wf.entrypoint is None and wf.requires_entrypoint and wf.from_template is None:
        raise fail(
            "C110",
            f"{wf!r} has no entrypoint; pass entrypoint=<a template>",
            where,
        )
    default = _default_retry(wf)
    collector = _Collector(default)
    found = roots(wf)
    check_roots(
        [
            ("entrypoint", wf.entrypoint),
            ("on_exit", wf.options.on_exit),
            *(("templates=", t) for t in wf.options.templates),
        ],
        where,
    )
    for root in found:
        collector.visit(root)
    jobs = [
        partial(collector.render, t, t.name, _leaf_retry(t, default))
        for t in collector.order
        if not is_inline(t)
    ]
    rendered = [collector.attempt(job) for job in jobs]
    rendered += [
        collector.attempt(partial(collector.render, t, name, retry))
        for t, name, retry in collector.variant_order
    ]
    if collector.problems:
        raise CompileError(collector.problems)
    templates = [t for t in rendered if t is not None]
    templates = _referenced(templates, {r.name for r in found})
    spec: dict[str, Any] = {}
    if wf.from_template is not None:
        spec.update(workflow_ref_fields(wf, wf.from_template))
    if wf.entrypoint is not None:
        spec["entrypoint"] = wf.entrypoint.name
    # parameters= (the arguments given whole) applies with from_template= too.
    given_whole = wf.options.parameters is not None
    params = _arguments(wf) if wf.from_template is None or given_whole else []
    artifacts = (
        workflow_artifacts(
            wf.entrypoint,
            wf.options.arguments,
            needs_sources=wf.kind in ("Workflow", "CronWorkflow"),
            where=where,
        )
        if wf.from_template is None
        else []
    )
    if params or artifacts:
        arguments = spec.setdefault("arguments", {})
        if params:
            arguments["parameters"] = params
        if artifacts:
            arguments["artifacts"] = artifacts
    if wf.options.on_exit is not None:
        spec["onExit"] = wf.options.on_exit.name
    spec.update(workflow_hooks_field(wf, [p["name"] for p in params]))
    spec.update(_operational(wf, where))
    spec.update(workflow_fields(wf.options.operations))
    volumes = _volumes(wf, collector.order + _templates_of_refs(collector.refs))
    claims = [v.to_argo() for v in volumes if v.is_claim_template]
    if claims:
        spec["volumeClaimTemplates"] = claims
    plain = [v.to_argo() for v in volumes if not v.is_claim_template]
    if plain:
        spec["volumes"] = plain
    if templates or wf.from_template is None:
        spec["templates"] = templates
    located = {**collector.by_name, **{name: t for t, name, _ in collector.variant_order}}
    problems = spec_problems(spec, located, where)
    if problems:
        raise CompileError(problems)
    if isinstance(wf, CronWorkflow):
        spec = cron_spec(wf, spec)
    manifest: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": wf.kind,
        "metadata": _metadata(wf),
        "spec": spec,
    }
    if wf.options.patch:
        manifest = deep_merge(manifest, wf.options.patch)
    return manifest


def build_model(manifest: dict[str, Any]) -> Any:
    """Validate a manifest into Hera's typed model of its kind.

    Args:
        manifest: A compiled manifest.

    Returns:
        ``hera.workflows.models.<Kind>``.

    Raises:
        pydantic.ValidationError: The manifest does not fit the model.
    """
    from hera.workflows import models

    return getattr(models, manifest["kind"]).model_validate(manifest)
