"""Rendering exit handlers and lifecycle hooks, and checking where exit-only variables are used.

* Task and step hooks (``task.on_exit()``, ``task.hook()``) become ``hooks.<name>`` of the task
  or step: ``{template | templateRef, expression?, arguments?}`` (a template used through
  ``WorkflowTemplate.use()`` or ``template_ref()`` is a ``templateRef``); a built condition is
  written as expr-lang text (hook expressions are expr, not ``{{= }}`` tags). Values a hook uses
  from other tasks of the body are dependencies of the task; its own values are not.
* Workflow hooks (``hooks={...}``) become ``spec.hooks`` (``templateRef`` allowed too); an exit
  handler without arguments (``on_exit=`` or ``hooks={"exit": Hook(t)}``) runs with
  ``spec.arguments`` only, so its required inputs must be there (``C154``).
* ``C160``: a template run from the entrypoint (or by a task's hook) that uses
  ``{{workflow.failures}}``, which Argo sets only for the workflow's exit handler and
  workflow-level hooks (:mod:`tiphys.argo.lifecycle`). ``{{workflow.status}}`` there holds the
  running workflow's phase, not its outcome: Argo allows it, so it is a validation warning
  (``V185``), not a compile error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from tiphys.argo.lifecycle import misplaced_exit_variables
from tiphys.compile.artifacts import arguments_field
from tiphys.compile.render import RefRenderer, refs_in
from tiphys.dsl._location import fail
from tiphys.dsl.artifacts import ArtifactArgument
from tiphys.dsl.hooks import EXIT, Hook, check_exit_arguments
from tiphys.dsl.refs import MARK_START, Condition, Ref, Trace
from tiphys.dsl.template import Task, Template
from tiphys.dsl.template_ref import TemplateRef
from tiphys.dsl.workflow import WorkflowBase
from tiphys.errors import Diagnostic

__all__ = [
    "exit_variable_problems",
    "hook_refs",
    "hook_templates",
    "task_hooks_field",
    "workflow_hooks_field",
]


def hook_refs(task: Task[Any], scope: Trace) -> list[Ref]:
    """References the hooks of ``task`` use to other tasks (its own values excluded).

    Args:
        task: A task or step.
        scope: The refs of the body it was created in.

    Returns:
        The refs, in hook order; they make dependencies of ``task``.
    """
    refs: list[Ref] = []
    for hook in task.hooks.values():
        for value in hook.bound.values():
            refs += refs_in(value, scope, hook.location)
        if isinstance(hook.expression, Condition):
            refs += hook.expression.refs()
    return [r for r in refs if r.task() is not task]


def hook_target(template: Template[Any, Any]) -> dict[str, Any]:
    """``{"templateRef": {...}}`` for a template used by reference, else ``{"template": name}``."""
    if isinstance(template, TemplateRef):
        return {"templateRef": template.to_argo()}
    return {"template": template.name}


def task_hooks_field(task: Task[Any], renderer: RefRenderer) -> dict[str, Any]:
    """Render the ``hooks`` of a task or step (``renderer.current`` is the task).

    Returns:
        Hook name -> ``{"template" | "templateRef", "expression"?, "arguments"?}``, in the
        order given.

    Raises:
        CompileError: A misused reference in an argument or the expression.
    """
    out: dict[str, Any] = {}
    for name, hook in task.hooks.items():
        body: dict[str, Any] = hook_target(hook.template)
        if isinstance(hook.expression, Condition):
            body["expression"] = renderer.condition_expr(hook.expression)
        elif hook.expression is not None:
            body["expression"] = hook.expression
        if hook.bound:
            body["arguments"] = arguments_field(hook.template, hook.bound, renderer, hook.location)
        out[name] = body
    return out


def _constant_arguments(hook: Hook) -> dict[str, Any]:
    """The ``arguments`` of a workflow hook: constants, ``{{workflow.*}}`` texts, locations."""
    for value in hook.bound.values():
        inner = value.value if isinstance(value, ArtifactArgument) else value
        if refs_in(inner, Trace(None), hook.location) or (
            isinstance(inner, str) and MARK_START in inner
        ):
            raise fail(
                "C154",
                f"hook {hook.template.name!r} of the workflow gets a task's or template's "
                "value; workflow-level hook arguments are constants, '{{workflow.*}}' texts or "
                "artifact locations",
                hook.location,
            )
    renderer = RefRenderer(Trace(None), {}, hook.template.name)
    return arguments_field(hook.template, hook.bound, renderer, hook.location)


def _check_no_arguments(name: str, hook: Hook) -> None:
    """A workflow hook other than ``exit`` runs with its own arguments only."""
    missing = [s.name for s in hook.template.inputs if s.required]
    if missing:
        raise fail(
            "C154",
            f"hook {name!r} runs template {hook.template.name!r} without arguments, but it needs "
            f"input(s) {', '.join(repr(m) for m in missing)}: pass them (arguments={{...}}) or "
            "give them defaults",
            hook.location,
        )


def workflow_hooks_field(wf: WorkflowBase, given: Collection[str]) -> dict[str, Any]:
    """Render ``spec.hooks``, checking the exit handler's inputs.

    Args:
        wf: The workflow object.
        given: Argo names of ``spec.arguments.parameters``.

    Returns:
        ``{"hooks": {...}}``, or ``{}`` when there are none.

    Raises:
        CompileError: ``C154``, ``on_exit=`` together with an ``exit`` hook, an exit handler
            without arguments whose required inputs ``spec.arguments`` lacks, or another hook
            without arguments whose template has required inputs.
    """
    hooks: Mapping[str, Hook] = wf.options.operations.hooks
    on_exit = wf.options.on_exit
    if on_exit is not None and EXIT in hooks:
        raise fail(
            "C154",
            "give the exit handler as on_exit= or as hooks={'exit': Hook(...)}, not both "
            "(Argo would run only on_exit)",
            wf.location,
        )
    if on_exit is not None:
        check_exit_arguments(on_exit, given, wf.location)
    out: dict[str, Any] = {}
    for name, hook in hooks.items():
        if name == EXIT and not hook.bound:
            check_exit_arguments(hook.template, given, hook.location)
        elif not hook.bound:
            _check_no_arguments(name, hook)
        body: dict[str, Any] = hook_target(hook.template)
        if hook.expression is not None:
            body["expression"] = hook.expression
        if hook.bound:
            body["arguments"] = _constant_arguments(hook)
        out[name] = body
    return {"hooks": out} if out else {}


def hook_templates(wf: WorkflowBase) -> list[Template[Any, Any]]:
    """The templates of the workflow-level hooks (roots of the template collection), references
    (``templateRef``) included."""
    return [hook.template for hook in wf.options.operations.hooks.values()]


def exit_variable_problems(
    spec: Mapping[str, Any], templates: Mapping[str, Template[Any, Any]]
) -> list[Diagnostic]:
    """``C160`` for each template run from the entrypoint that uses ``workflow.failures``.

    (``workflow.status`` there holds the running workflow's phase, not its outcome: Argo allows
    it, and ``validate()`` warns about it, ``V185``.)

    Args:
        spec: The compiled spec.
        templates: The DSL templates by emitted name (for locations).

    Returns:
        The diagnostics, located at each template's definition.
    """
    problems: list[Diagnostic] = []
    for use in misplaced_exit_variables(spec):
        if use.variable != "workflow.failures":
            continue
        template = templates.get(use.template)
        problems += fail(
            "C160",
            f"template {use.template!r} uses {{{{workflow.failures}}}}, which Argo sets only for "
            "the workflow's exit handler and workflow-level hooks, but it also runs from the "
            f"entrypoint: {' -> '.join(use.route)}. Argo refuses it there: use it only in "
            "templates run by on_exit= or hooks={...}, or pass what you need as an argument "
            "(t.status)",
            template.location if template is not None else None,
        ).diagnostics
    return problems
