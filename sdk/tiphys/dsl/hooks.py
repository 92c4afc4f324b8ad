"""Exit handlers and lifecycle hooks: :class:`Hook` (workflow level) and the hooks of tasks
(``task.on_exit(...)``, ``task.hook(...)``).

A hook runs a template beside the node it belongs to: the ``exit`` hook when the node ends,
whatever its outcome (Argo's exit handler); any other named hook once, as soon as its
``expression`` (expr-lang) holds, e.g. ``t.status == "Running"``. Workflow-level hooks
(``Workflow(hooks={...})``) see ``workflow.status``; the exit handler of a workflow also sees
``workflow.failures``. Exit handlers run on success, failure, error, deadline and ``stop``, but
not on ``terminate``.

======  ======================================================================================
C154    a bad hook: the ``exit`` hook given an expression (it always runs; name the hook
        otherwise), another hook without one, an empty or repeated hook name, something other
        than a template given (a call of a template, ``cleanup()``, adds a task instead; an
        inline template), a
        Python bool or status expression as the expression, ``on_exit=`` together with
        ``hooks={"exit": ...}``, a workflow-level expression built from references, an exit
        handler without arguments whose required inputs ``spec.arguments`` does not give,
        another workflow hook without arguments whose template has required inputs, or a task
        hook expression reading a value of its own task other than ``.status`` (Argo evaluates
        it over the task's ``.status`` and the values of the tasks it depends on only)
======  ======================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tiphys.argo.expr_check import expression_problem
from tiphys.dsl._keywords import checked_init
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.refs import Condition, Depends, Ref, TaskRef
from tiphys.dsl.template import Task, Template
from tiphys.errors import Location

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["EXIT", "Hook", "TaskHook", "add_task_hook", "check_exit_arguments", "check_hook_name"]

EXIT = "exit"
"""The name of the exit hook (Argo's ``hooks.exit``, the exit handler)."""


def _template(value: object, where: Location) -> Template[Any, Any]:
    if isinstance(value, Task):
        raise fail(
            "C154",
            f"a hook takes the template itself ({value.template.fn.__name__}), not a call of it "
            f"({value.template.fn.__name__}(...)): calling a template inside a @dag or @steps "
            "body adds a task. Pass its arguments to the hook instead",
            where,
        )
    if not isinstance(value, Template):
        raise fail("C154", f"a hook runs a template (a decorated function), not {value!r}", where)
    if value.options.inline:
        raise fail(
            "C154",
            f"hook template {value.name!r} is inline (inline=True), but a hook names its "
            "template, which must be in spec.templates: drop inline=True",
            where,
        )
    return value


def _expression(value: object, where: Location) -> Condition | str | None:
    if value is None or isinstance(value, Condition):
        return value
    if isinstance(value, bool):
        raise fail(
            "C154",
            f"a hook expression got a Python bool ({value}): the comparison was evaluated at "
            "compile time. Compare a reference (t.status == 'Running') or pass a raw expr "
            "string",
            where,
        )
    if isinstance(value, Depends):
        raise fail(
            "C154",
            "status expressions (t.succeeded...) are for .after(); a hook expression compares "
            "values: t.status == 'Succeeded'",
            where,
        )
    if isinstance(value, Ref):
        return value.as_condition()
    if isinstance(value, str) and value.strip():
        problem = expression_problem(value)
        if problem:
            raise fail("C154", f"hook expression {value!r}: {problem}", where)
        return value
    raise fail(
        "C154",
        f"a hook expression is a condition (t.status == 'Running') or an expr-lang string, not "
        f"{value!r}",
        where,
    )


def check_hook_name(
    name: object, expression: object, where: Location, *, workflow: bool = False
) -> str:
    """Check a hook's name against its expression: only ``exit`` runs without one, and it
    takes none.

    Args:
        name: The hook's name.
        expression: Its expression, or ``None``.
        where: Where the hook was given.
        workflow: A workflow-level hook (for the hint).

    Returns:
        The name.

    Raises:
        CompileError: ``C154``.
    """
    if not isinstance(name, str) or not name:
        raise fail("C154", f"a hook name must be a non-empty string, not {name!r}", where)
    if name == EXIT and expression is not None:
        raise fail(
            "C154",
            "the exit hook runs whenever the node ends and Argo ignores an expression on it: "
            "drop expression=, or give the hook another name (e.g. 'failed') to run it only "
            "when the expression holds",
            where,
        )
    if name != EXIT and expression is None:
        example, exit_hook = (
            ("expression=\"workflow.status == 'Running'\"", "hooks={'exit': ...} or on_exit=")
            if workflow
            else ("expression=t.status == 'Running'", ".on_exit(...)")
        )
        raise fail(
            "C154",
            f"hook {name!r} needs an expression saying when it runs ({example}); only the exit "
            f"hook runs without one ({exit_hook})",
            where,
        )
    return name


@checked_init
@dataclass(eq=False)
class Hook:
    """A workflow-level lifecycle hook (``spec.hooks.<name>``).

    Give it to ``Workflow(hooks={"running": Hook(...)})``; the ``exit`` hook is the workflow's
    exit handler (the same as ``on_exit=``).

    Attributes:
        template: The template to run (``template``); it is added to ``spec.templates``.
        expression: When to run it, an expr-lang string over ``workflow.status`` and the
            workflow's variables (``"workflow.status == 'Running'"``) (``expression``). Required
            except for the ``exit`` hook.
        arguments: Values for the template's inputs by Python or Argo name (``arguments``),
            checked against its signature; strings may use ``{{workflow.*}}`` tags. An exit
            hook without arguments gets the workflow's arguments (``spec.arguments``).

    Raises:
        CompileError: ``C154``, ``template`` is not a template; ``C101``-``C103``, unknown,
            missing or mistyped arguments.
    """

    template: Template[Any, Any]
    expression: str | None = None
    arguments: Mapping[str, Any] = field(default_factory=dict)
    location: Location = field(default_factory=user_location, repr=False)
    bound: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.template = _template(self.template, self.location)
        if isinstance(self.expression, Condition | Ref):
            raise fail(
                "C154",
                "a workflow-level hook expression is an expr-lang string over the workflow's "
                "variables, e.g. \"workflow.status == 'Running'\"; conditions built from "
                "references belong to task hooks (task.hook(...))",
                self.location,
            )
        self.expression = _expression(self.expression, self.location)  # type: ignore[assignment]
        self.bound = self._bind(dict(self.arguments))

    def _bind(self, arguments: dict[str, Any]) -> dict[str, Any]:
        by_argo = {s.name: s.py_name for s in self.template.inputs}
        by_argo |= {a.name: a.py_name for a in self.template.artifact_inputs}
        renamed = {by_argo.get(k, k): v for k, v in arguments.items()}
        if not renamed:
            return {}
        return self.template.bind(
            (), renamed, f"a workflow hook of template {self.template.name!r}"
        )

    def __repr__(self) -> str:
        return f"<hook running {self.template.name!r}>"


@dataclass(frozen=True, eq=False)
class TaskHook:
    """A hook of a task or step (``hooks.<name>`` of a DAG task or workflow step).

    Attributes:
        template: The template it runs.
        expression: When it runs (``None`` for the exit hook).
        bound: Argument values by Argo parameter name (constants or references).
        location: Where ``.on_exit()``/``.hook()`` was called.
    """

    template: Template[Any, Any]
    expression: Condition | str | None
    bound: dict[str, Any]
    location: Location


def add_task_hook(
    task: Task[Any],
    name: str,
    template: object,
    expression: object,
    arguments: dict[str, Any],
) -> None:
    """Add a hook to a task (what ``task.on_exit()`` and ``task.hook()`` do).

    Args:
        task: The task or step.
        name: The hook's name (``exit`` for the exit handler).
        template: The template to run.
        expression: A condition (``t.status == "Running"``), an expr-lang string, or ``None``
            for the exit hook.
        arguments: Values for the template's inputs by Python name; references (the task's own
            outputs too) are allowed.

    Raises:
        CompileError: ``C154``, see the module docstring; ``C101``-``C103``, bad arguments.
    """
    where = user_location()
    checked = check_hook_name(name, expression, where)
    if checked in task.hooks:
        raise fail("C154", f"task {task.name!r} already has a hook named {checked!r}", where)
    hook_template = _template(template, where)
    condition = _expression(expression, where)
    _check_own_values(task, checked, condition, where)
    task.hooks[checked] = TaskHook(
        hook_template,
        condition,
        hook_template.bind((), arguments, f"hook {checked!r} of task {task.name!r}"),
        where,
    )


def _check_own_values(
    task: Task[Any], name: str, expression: Condition | str | None, where: Location
) -> None:
    """Refuse a hook expression that reads its own task's outputs, exit code, IP or times.

    Argo evaluates a task's hook expression over the task's own ``.status`` and the values of
    the tasks it depends on (directly or not); the task's other values are not there, so the
    expression fails to evaluate (reading a field of nil) and the hook errors.
    """
    if not isinstance(expression, Condition):
        return
    for ref in expression.refs():
        if isinstance(ref, TaskRef) and ref.source is task and ref.field != "status":
            what = f"output {ref.name!r}" if ref.field == "parameter" else ref.field
            raise fail(
                "C154",
                f"hook {name!r} of task {task.name!r} reads the task's own {what}, "
                "but Argo evaluates a hook expression over the task's .status and the values of "
                "the tasks it depends on only, so the expression would fail at run time: test "
                f"{task.name}.status, a value of a task it depends on, or pass the value to the "
                "hook template as an argument (arguments may use the task's own outputs)",
                where,
            )


def check_exit_arguments(
    template: Template[Any, Any], given: Collection[str], where: Location
) -> None:
    """An exit handler without arguments runs with ``spec.arguments`` only: check they give
    every required input of its template.

    Args:
        template: The exit handler's template.
        given: Argo names of the workflow's arguments (``spec.arguments.parameters``).
        where: Where the handler was given.

    Raises:
        CompileError: ``C154``, a required input is missing.
    """
    missing = [s.name for s in template.inputs if s.required and s.name not in given]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        raise fail(
            "C154",
            f"exit handler {template.name!r} needs input(s) {names}, but an exit handler without "
            "arguments gets only the workflow's arguments, which do not include them: give the "
            "inputs defaults, or pass arguments (Hook(template, arguments={...}))",
            where,
        )
