"""``@dag`` and ``@steps``: templates whose body is traced once to build a graph of tasks.

Inside a traced body, calling a template adds a task and returns its handle; passing a handle's
values as arguments or using them in ``.when()`` adds dependencies. ``@steps`` runs calls one
after the other; calls inside ``with parallel():`` form one parallel group.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, ParamSpec, TypeVar, Unpack, overload

from tiphys.argo.expr import KEYWORDS
from tiphys.dsl._keywords import checked_decorator
from tiphys.dsl._location import call_traced, definition_location, fail
from tiphys.dsl.artifacts import Artifact, InputArtifactRef, TaskArtifactRef, input_artifact_refs
from tiphys.dsl.options import TemplateOptionsKw, template_options
from tiphys.dsl.params import base_type
from tiphys.dsl.refs import InputRef, Ref, Trace, has_marker, tracing
from tiphys.dsl.template import Builder, Output, Task, Template, current_builder
from tiphys.errors import CompileError

P = ParamSpec("P")
R = TypeVar("R")

RESULT_PARAMETER = "return"
GRAPH_OUTPUT_SOURCES = ("expression", "parameter")
"""The :class:`Output` sources a ``@dag``/``@steps`` body may return (Argo reads only
``valueFrom.parameter``/``expression`` on those templates)."""


class DagBuilder(Builder):
    """Collects the tasks of a ``@dag`` body."""

    kind = "dag"

    def __init__(self) -> None:
        super().__init__()
        self._tasks: list[Task[Any]] = []

    def add(self, task: Task[Any]) -> None:
        """Record a task."""
        self._tasks.append(task)

    def tasks(self) -> list[Task[Any]]:
        """Every task, in creation order."""
        return list(self._tasks)


class StepsBuilder(Builder):
    """Collects the step groups of a ``@steps`` body."""

    kind = "steps"

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[list[Task[Any]]] = []
        self._parallel: list[Task[Any]] | None = None

    def add(self, task: Task[Any]) -> None:
        """Record a step: alone in a new group, or in the open ``parallel()`` group."""
        if self._parallel is not None:
            self._parallel.append(task)
        else:
            self.groups.append([task])

    def tasks(self) -> list[Task[Any]]:
        """Every step, in order."""
        return [t for group in self.groups for t in group]

    @contextmanager
    def parallel(self) -> Iterator[None]:
        """Group the steps added inside the block into one parallel group."""
        if self._parallel is not None:
            raise fail("C119", "parallel() blocks cannot be nested")
        self._parallel = []
        try:
            yield
        finally:
            group, self._parallel = self._parallel, None
            if group:
                self.groups.append(group)


@contextmanager
def parallel() -> Iterator[None]:
    """Run the steps called inside the ``with`` block in parallel (one step group).

    Only inside a ``@steps`` body.

    Raises:
        CompileError: Used outside a ``@steps`` body, or nested.
    """
    builder = current_builder()
    if not isinstance(builder, StepsBuilder):
        raise fail("C119", "parallel() can only be used inside a @steps body")
    with builder.parallel():
        yield


@dataclass(eq=False, repr=False)
class Graph:
    """The result of tracing a ``@dag``/``@steps`` body.

    Attributes:
        tasks: Every task, in creation order.
        groups: Step groups (``@steps`` only).
        returned: Outputs the body returned, by output parameter name.
        scope: Refs created during the trace (to resolve markers).
    """

    tasks: list[Task[Any]]
    groups: list[list[Task[Any]]]
    returned: dict[str, Any]
    scope: Trace
    names: dict[str, Task[Any]] = field(default_factory=dict)


def _assign_names(tasks: list[Task[Any]], template: str) -> dict[str, Task[Any]]:
    """Give every task a unique name: explicit names first, then ``name``, ``name-2``..."""
    taken: dict[str, Task[Any]] = {}
    for task in tasks:
        if task.explicit_name is None:
            continue
        if task.name in taken:
            raise fail(
                "C104",
                f"two tasks of {template!r} are named {task.name!r}; task names must be unique",
                task.explicit_name,
            )
        taken[task.name] = task
    counters: dict[str, int] = {}  # last number used per base name: linear in the task count
    for task in tasks:
        if task.explicit_name is not None:
            continue
        base = task.template.name
        if base in KEYWORDS:  # `depends: matches` would not parse
            base = f"{base}-task"
        n = counters.get(base, 0) + 1
        name = base if n == 1 else f"{base}-{n}"
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        counters[base] = n
        task.name = name
        taken[name] = task
    return taken


GRAPH_REFUSED: dict[str, str] = {
    "timeout": "Argo takes timeout only on templates that run something (container, script, "
    "resource, container set, http, data, plugin) and refuses it on {kind} templates",
    "active_deadline": "Argo takes activeDeadlineSeconds only on templates that run something "
    "and refuses it on {kind} templates",
}
"""Common options ``@dag``/``@steps`` refuse (Argo v4.1.2 ``workflow/validate/validate.go``:
``validateTemplate`` allows ``timeout`` on leaf templates only, ``validateNonLeaf`` refuses
``activeDeadlineSeconds``), with why."""


class GraphTemplate(Template[P, R]):
    """Common part of ``@dag`` and ``@steps`` templates.

    Raises:
        CompileError: ``C123`` for ``timeout=`` or ``active_deadline=``
            (:data:`GRAPH_REFUSED`), at the decorated function.
    """

    builder_class: ClassVar[type[DagBuilder] | type[StepsBuilder]]

    def __init__(self, fn: Callable[P, Any], *, name: str | None, options: TemplateOptionsKw):
        where = definition_location(fn)
        super().__init__(fn, name=name, options=template_options(options, where))
        for key in GRAPH_REFUSED:
            if options.get(key) is not None:
                reason = GRAPH_REFUSED[key].format(kind=self.kind)
                raise fail(
                    "C123",
                    f"@{self.kind} {self.name!r} does not take {key}=: {reason}; give it to the "
                    "templates its tasks run, or give the Workflow active_deadline= to limit "
                    "the whole run",
                    where,
                )
        self._graph: Graph | None = None
        self._tracing = False

    def graph(self) -> Graph:
        """Trace the body once (cached) and return the graph.

        Raises:
            CompileError: Any error in the body, located at the user's line.
        """
        if self._graph is not None:
            return self._graph
        if self._tracing:
            raise fail(
                "C105",
                f"template {self.name!r} calls itself; Argo allows recursion only through a "
                "condition, which tiphys does not trace: write it in YAML",
                self.location,
            )
        self._tracing = True
        builder = self.builder_class()
        try:
            with tracing(builder) as trace:
                refs: dict[str, Ref] = {
                    s.py_name: InputRef(s.name, s.type, self.name) for s in self.inputs
                }
                refs.update(input_artifact_refs(self))
                value = call_traced(self.fn, refs, f"template {self.name!r}")
            if builder.problems:
                raise CompileError(builder.problems)
            groups = builder.groups if isinstance(builder, StepsBuilder) else []
            tasks = builder.tasks()
            names = _assign_names(tasks, self.name)
            returned = self._returned(value)
            self._graph = Graph(tasks, groups, returned, trace, names)
        finally:
            self._tracing = False
        return self._graph

    def _returned(self, value: Any) -> dict[str, Any]:
        """What the body returned, by output name: references as they are, outputs given as
        Argo text (``Output(name, expression=...)`` or ``Output(name, parameter="{{...}}")``)
        and artifacts chosen by text (``Artifact(from_expression=...)``,
        ``Artifact(from_="{{...}}")``). One returned artifact is named after the artifact."""
        if value is None:
            return {}
        if isinstance(value, TaskArtifactRef | InputArtifactRef):
            return {value.name: value}
        values = dict(value) if isinstance(value, Mapping) else {RESULT_PARAMETER: value}
        for name, returned in values.items():
            if isinstance(returned, Ref):
                continue
            if isinstance(returned, Artifact) and (
                returned.from_expression is not None or returned.from_ is not None
            ):
                values[name] = replace(returned, name=name)
                continue
            if isinstance(returned, Output) and returned.source in GRAPH_OUTPUT_SOURCES:
                if returned.name != name:
                    raise fail(
                        "C111",
                        f"@{self.kind} {self.name!r} returns Output({returned.name!r}) under "
                        f"the key {name!r}; the key names the output: use the same name",
                        self.location,
                    )
                continue
            raise fail("C111", self._refused(returned), self.location)
        return values

    def _refused(self, returned: Any) -> str:
        if isinstance(returned, Output):
            what = f"Output({returned.name!r}) with {returned.source or 'no source'}"
        elif has_marker(returned):
            what = "a text built from references"
        else:
            what = repr(returned)
        return (
            f"@{self.kind} {self.name!r} returns {what}; Argo reads a returned value as one "
            "reference (valueFrom.parameter): return t.result or t.outputs.x itself (or "
            "Output(name, expression=...) for a value computed when it runs, "
            "Artifact(from_expression=...) for an artifact chosen when it runs)"
        )

    @functools.cached_property
    def outputs(self) -> dict[str, Output]:
        """Output parameters from what the body returns (``valueFrom.parameter``, or the
        declared ``valueFrom.expression``/``parameter`` of a returned :class:`Output`)."""
        out: dict[str, Output] = {}
        for name, value in self.graph().returned.items():
            if isinstance(value, TaskArtifactRef | InputArtifactRef | Artifact):
                continue
            if isinstance(value, Output):
                out[name] = value
                continue
            declared = value.type if isinstance(value, Ref) else None
            out[name] = Output(name, type=(base_type(declared) if declared else None) or str)
        return out

    @functools.cached_property
    def output_artifacts(self) -> dict[str, Artifact]:
        """Output artifacts: the task artifacts the body returns (``outputs.artifacts[].from``)."""
        out: dict[str, Artifact] = {}
        for name, value in self.graph().returned.items():
            if isinstance(value, TaskArtifactRef | InputArtifactRef):
                out[name] = Artifact(name)
            elif isinstance(value, Artifact):
                out[name] = value
        return out

    @property
    def result_type(self) -> Any:
        """Type of the returned value when the body returns one value."""
        spec = self.outputs.get(RESULT_PARAMETER)
        return spec.type if spec else None

    @property
    def result_parameter(self) -> str | None:
        """``return`` when the body returns one value: ``task.result`` reads it."""
        return RESULT_PARAMETER if RESULT_PARAMETER in self.outputs else None

    def dependencies(self) -> list[Template[Any, Any]]:
        """Templates the body calls and those its tasks' hooks run, in order of first use."""
        seen: dict[int, Template[Any, Any]] = {}
        for task in self.graph().tasks:
            seen.setdefault(id(task.template), task.template)
            for hook in task.hooks.values():
                seen.setdefault(id(hook.template), hook.template)
        return list(seen.values())


class DagTemplate(GraphTemplate[P, R]):
    """A ``dag`` template; see :func:`dag`.

    Attributes:
        target: The tasks to run (with their dependencies), space-separated, or ``None`` for
            all (``dag.target``).
    """

    kind = "dag"
    builder_class = DagBuilder
    target: str | None = None


class StepsTemplate(GraphTemplate[P, R]):
    """A ``steps`` template; see :func:`steps`."""

    kind = "steps"
    builder_class = StepsBuilder


def _graph_decorator(
    cls: type[GraphTemplate[Any, Any]],
    fn: Callable[..., Any] | None,
    name: str | None,
    options: TemplateOptionsKw,
    target: str | Sequence[str] | None = None,
) -> Any:
    def decorate(func: Callable[..., Any]) -> GraphTemplate[Any, Any]:
        made = cls(func, name=name, options=options)
        if target is not None and isinstance(made, DagTemplate):
            made.target = _target(target, made)
        return made

    return decorate(fn) if fn is not None else decorate


def _target(target: object, template: DagTemplate[Any, Any]) -> str:
    """``dag.target`` text: names joined with spaces (checked against the tasks when
    compiled), or an Argo tag (``{{workflow.parameters.target}}``) kept as it is."""
    names = [target] if isinstance(target, str) else target
    if (
        isinstance(names, str | Mapping)
        or not isinstance(names, Sequence)
        or not names
        or not all(isinstance(n, str) and n.strip() for n in names)
    ):
        raise fail(
            "C119",
            f"@dag {template.name!r}: target= takes task names (a list, or one text of names "
            f"separated by spaces), not {target!r}",
            template.location,
        )
    return " ".join(n.strip() for n in names)


@overload
def dag(fn: Callable[P, R], /) -> DagTemplate[P, R]: ...
@overload
def dag(
    *,
    name: str | None = ...,
    target: str | Sequence[str] | None = ...,
    **options: Unpack[TemplateOptionsKw],
) -> Callable[[Callable[P, R]], DagTemplate[P, R]]: ...
@checked_decorator
def dag(
    fn: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    target: str | Sequence[str] | None = None,
    **options: Unpack[TemplateOptionsKw],
) -> DagTemplate[P, R] | Callable[[Callable[P, R]], DagTemplate[P, R]]:
    """Make a ``dag`` template: the body's template calls become tasks.

    Dependencies come from data flow (passing ``t.result``/``t.outputs.x``, also inside
    f-strings, or ``t.outputs.artifacts.x`` to an artifact input), from references in
    ``.when()``, and from ``.after()``. The body may return a value (``task.result`` of
    callers), a task's artifact (``task.outputs.artifacts.<its name>``), or a dict of values
    and artifacts (``task.outputs.<name>``, ``task.outputs.artifacts.<name>``); an
    ``Artifact(from_expression="tasks.a.outputs.result == 'x' ? tasks.b.outputs.artifacts.r
    : tasks.c.outputs.artifacts.r")`` in that dict chooses an artifact when it runs.

    Args:
        fn: The function, when used as a bare ``@dag``.
        name: Template name; default: the function name in kebab case.
        target: Run only these tasks and the tasks they depend on (``dag.target``): task
            names, as a list or one text separated by spaces (``"D E"``), each checked to be
            a task of the body; text holding an Argo tag (``"{{workflow.parameters.target}}"``)
            is kept as it is. Default: every task.
        **options: Common options; ``parallelism`` and ``fail_fast`` apply to the DAG;
            ``timeout`` and ``active_deadline`` are refused (Argo takes them on leaf templates
            only).

    Returns:
        A :class:`DagTemplate`, or a decorator producing one.

    Raises:
        CompileError: ``C123`` for ``timeout=`` or ``active_deadline=``; ``C119`` a
            ``target`` that is no task names; when compiled, ``C106`` a target naming no task.
    """
    return _graph_decorator(DagTemplate, fn, name, options, target)  # type: ignore[no-any-return]


@overload
def steps(fn: Callable[P, R], /) -> StepsTemplate[P, R]: ...
@overload
def steps(
    *, name: str | None = ..., **options: Unpack[TemplateOptionsKw]
) -> Callable[[Callable[P, R]], StepsTemplate[P, R]]: ...
@checked_decorator
def steps(
    fn: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    **options: Unpack[TemplateOptionsKw],
) -> StepsTemplate[P, R] | Callable[[Callable[P, R]], StepsTemplate[P, R]]:
    """Make a ``steps`` template: template calls run in order; ``with parallel():`` groups.

    A step may use values of steps in earlier groups only.

    Args:
        fn: The function, when used as a bare ``@steps``.
        name: Template name; default: the function name in kebab case.
        **options: Common options; ``parallelism`` applies to the steps, and ``fail_fast``
            (the template's ``failFast``) stops starting steps once one has failed (with
            ``parallelism``, e.g. the items of a loop run one at a time); ``timeout`` and
            ``active_deadline`` are refused (Argo takes them on leaf templates only).

    Returns:
        A :class:`StepsTemplate`, or a decorator producing one.

    Raises:
        CompileError: ``C123`` for ``timeout=`` or ``active_deadline=``.
    """
    return _graph_decorator(StepsTemplate, fn, name, options)  # type: ignore[no-any-return]
