"""Rendering ``@dag`` and ``@steps`` bodies, with the checks that need the whole graph.

Dependencies of a DAG task: every task whose values it uses (arguments, f-strings, ``over=``,
``.when()``, its hooks' arguments and expressions), plus ``.after()`` items. A task named in a
status expression (``a.failed``) is not also added as a bare dependency (Argo's bare ``a`` means
Succeeded, Skipped or Daemoned, which would contradict it). Checks: cycles, tasks of other
bodies, loop items outside their map, outputs of tasks that may be skipped used without a
default, step order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tiphys.argo.depends import parse_depends
from tiphys.argo.graphs import find_cycles
from tiphys.argo.tags import simple_tags
from tiphys.compile.artifacts import arguments_field
from tiphys.compile.hooks import hook_refs, task_hooks_field
from tiphys.compile.render import RefRenderer, depends_text, refs_in
from tiphys.dsl._location import fail
from tiphys.dsl.artifacts import Artifact, ArtifactArgument, InputArtifactRef, TaskArtifactRef
from tiphys.dsl.graph import DagTemplate, GraphTemplate
from tiphys.dsl.loops import Loop, Sequence
from tiphys.dsl.refs import Condition, Depends, DependsTerm, Ref, TaskRef, Trace
from tiphys.dsl.template import Output, Task, Template
from tiphys.dsl.template_ref import TemplateRef
from tiphys.errors import did_you_mean

TemplateNamer = Callable[[Task[Any]], "str | dict[str, Any]"]
"""Gives the emitted template name of a task, or the ``inline`` body of an inline template."""


def _condition_refs(task: Task[Any]) -> list[Ref]:
    return task.condition.refs() if isinstance(task.condition, Condition) else []


def _value_refs(task: Task[Any], renderer: RefRenderer) -> list[Ref]:
    refs: list[Ref] = []
    for value in task.arguments.values():
        refs += refs_in(value, renderer.scope, task.location)
    if task.loop is not None and task.loop.kind != "items":
        refs += refs_in(task.loop.value, renderer.scope, task.location)
        if isinstance(task.loop.value, Sequence):
            for part in (task.loop.value.count, task.loop.value.start, task.loop.value.end):
                refs += refs_in(part, renderer.scope, task.location)
    return refs + _condition_refs(task) + hook_refs(task, renderer.scope)


def _raw_sources(task: Task[Any], names: dict[str, Task[Any]]) -> list[Task[Any]]:
    """Tasks named by ``{{tasks.<name>...}}`` in raw strings (a raw ``when``, arguments)."""
    values = [v.value if isinstance(v, ArtifactArgument) else v for v in task.arguments.values()]
    texts = [v for v in values if isinstance(v, str)]
    if isinstance(task.condition, str):
        texts.append(task.condition)
    found: list[Task[Any]] = []
    for text in texts:
        for tag in simple_tags(text):
            head, _, rest = tag.partition(".")
            name = rest.partition(".")[0]
            if head == "tasks" and name in names and names[name] is not task:
                found.append(names[name])
    return found


def _sources(refs: Iterable[Ref]) -> list[Task[Any]]:
    seen: dict[int, Task[Any]] = {}
    for ref in refs:
        source = ref.task()
        if source is not None:
            seen.setdefault(id(source), source)
    return list(seen.values())


def _loop_fields(loop: Loop, renderer: RefRenderer, task: Task[Any]) -> dict[str, Any]:
    if loop.kind == "items":
        return {"withItems": list(loop.value)}
    if loop.kind == "param":
        return {"withParam": renderer.text(loop.value, task.location)}
    seq: Sequence = loop.value
    out: dict[str, Any] = {}
    for key in ("count", "start", "end"):
        value = getattr(seq, key)
        if value is not None:
            out[key] = renderer.text(value, task.location)
    if seq.format:
        out["format"] = seq.format
    return {"withSequence": out}


def _task_fields(
    task: Task[Any], renderer: RefRenderer, namer: TemplateNamer, depends: str | None
) -> dict[str, Any]:
    renderer.current = task
    out: dict[str, Any] = {"name": task.name}
    if isinstance(task.template, TemplateRef):
        if task.retry_ is not None:
            raise fail(
                "C150",
                f"task {task.name!r} runs {task.template!r} (templateRef) and cannot have "
                ".retry(): Argo keeps retries on templates; give that template retry= in its "
                "WorkflowTemplate",
                task.location,
            )
        out["templateRef"] = task.template.to_argo()
    else:
        target = namer(task)
        out["template" if isinstance(target, str) else "inline"] = target
    if depends:
        out["depends"] = depends
    if task.condition is not None:
        out["when"] = renderer.when(task.condition)
    arguments = arguments_field(task.template, task.arguments, renderer, task.location)
    if arguments:
        out["arguments"] = arguments
    if task.loop is not None:
        out.update(_loop_fields(task.loop, renderer, task))
    if task.continue_on_:
        out["continueOn"] = dict(task.continue_on_)
    if task.hooks:
        out["hooks"] = task_hooks_field(task, renderer)
    return out


def _may_not_run(task: Task[Any]) -> str | None:
    if task.condition is not None:
        return "is skipped when its .when() condition is false"
    if any(isinstance(i, Depends) for i in task.after_items):
        return "is omitted when its .after() status expression is false"
    return None


def _unsafe_outputs(refs: Iterable[Ref]) -> Iterator[tuple[TaskRef, str]]:
    """Output refs of tasks that may not run, with why."""
    for ref in refs:
        if isinstance(ref, TaskRef) and ref.field in ("result", "parameter", "artifact"):
            why = _may_not_run(ref.source)
            if why is not None:
                yield ref, why


def _check_skippable(task: Task[Any], scope: Trace) -> None:
    """Outputs of a task that may not run (v4.0.7+: the consumer fails). Only a reference
    passed whole to an input with a default, or an output with a default, is rescued
    (scope.go absentOptionalRef); text built around one, or a condition, is not."""
    for value in task.arguments.values():
        if isinstance(value, str):
            for ref, why in _unsafe_outputs(refs_in(value, scope, task.location)):
                raise fail(
                    "C108",
                    f"task {task.name!r} uses {ref.description} inside a text, but that task "
                    f"{why}, and Argo (v4.0.7+) then fails {task.name!r}: pass the value whole "
                    "to an input that has a default",
                    task.location,
                )
    for ref, why in _unsafe_outputs(_condition_refs(task)):
        raise fail(
            "C108",
            f"task {task.name!r} uses {ref.description} in its condition, but that task {why}, "
            f"and Argo (v4.0.7+) then fails {task.name!r}: decide in a @script, or write a raw "
            "condition with a default, e.g. \"{{=(tasks.x.outputs.result ?? '') == 'y'}}\"",
            task.location,
        )
    specs = {s.name: s for s in task.template.inputs}
    for name, value in task.arguments.items():
        spec = specs.get(name)  # unknown for an untyped template_ref()
        if not isinstance(value, TaskRef) or spec is None or not spec.required:
            continue
        for _, reason in _unsafe_outputs([value]):
            output = value.source.template.outputs.get(value.name)
            if value.field == "parameter" and output is not None and output.default is not None:
                continue
            raise fail(
                "C108",
                f"task {task.name!r} passes {value.description} to input {name!r}, but that "
                f"task {reason}, and Argo (v4.0.7+) then fails {task.name!r}. Give input "
                f"{name!r} of template {task.template.name!r} a default, or the output a "
                "default (Output(..., default=...))",
                task.location,
            )
    artifacts = {a.name: a for a in task.template.artifact_inputs}
    for name, value in task.arguments.items():
        given = value.value if isinstance(value, ArtifactArgument) else None
        declared = artifacts.get(name)  # None: an untyped template reference
        if not isinstance(given, TaskArtifactRef) or declared is None or not declared.required:
            continue
        for _, reason in _unsafe_outputs([given]):
            raise fail(
                "C108",
                f"task {task.name!r} passes {given.description} to input artifact {name!r}, but "
                f"that task {reason}, and Argo then fails {task.name!r}. Make input {name!r} of "
                f"template {task.template.name!r} optional ({declared.py_name}: Artifact "
                "| None = None) to run it without the file",
                task.location,
            )


def _check_cycles(deps: dict[int, list[Task[Any]]], tasks: list[Task[Any]]) -> None:
    for cycle in find_cycles(tasks, lambda task: deps.get(id(task), [])):
        names = " -> ".join(t.name for t in cycle)
        raise fail("C105", f"dependency cycle: {names}", cycle[-1].location)


def _returned(template: GraphTemplate[Any, Any], renderer: RefRenderer) -> dict[str, str]:
    renderer.current = None
    graph = template.graph()
    for ref, why in _unsafe_outputs(graph.returned.values()):
        raise fail(
            "C108",
            f"@{template.kind} {template.name!r} returns {ref.description}, but that task {why}: "
            "Argo then cannot resolve the returned value and fails the node. Return a value of "
            "a task that always runs",
            template.location,
        )
    return {
        name: (
            renderer.artifact_tag(value, template.location)
            if isinstance(value, TaskArtifactRef | InputArtifactRef)
            else renderer.text(value, template.location)
        )
        for name, value in graph.returned.items()
        if not isinstance(value, Artifact | Output)  # Argo text: written as declared
    }


def _raw_named(task: Task[Any], names: dict[str, Task[Any]], template: str) -> list[Task[Any]]:
    """The tasks a raw ``.after("...")`` string names, in order."""
    if task.raw_depends is None:
        return []
    found: list[Task[Any]] = []
    for name in parse_depends(task.raw_depends):
        if name not in names:
            raise fail(
                "C106",
                f"task {task.name!r} depends on {name!r} (.after({task.raw_depends!r})), but "
                f"template {template!r} has no task of that name (tasks: {', '.join(names)})",
                task.location,
            )
        found.append(names[name])
    return found


def _covered(start: list[Task[Any]], direct: dict[int, list[Task[Any]]]) -> set[int]:
    """Ids of ``start`` and of every task they depend on, directly or not."""
    seen: set[int] = set()
    stack = list(start)
    while stack:
        task = stack.pop()
        if id(task) not in seen:
            seen.add(id(task))
            stack.extend(direct.get(id(task), []))
    return seen


def render_dag(
    template: Template[Any, Any], namer: TemplateNamer
) -> tuple[dict[str, Any], dict[str, str]]:
    """Render a ``@dag`` template's ``dag`` field and its output values.

    Args:
        template: A :class:`~tiphys.dsl.graph.DagTemplate`.
        namer: Emitted template name of each task.

    Returns:
        ``({"dag": {...}}, {output name: "{{tasks...}}"})``.

    Raises:
        CompileError: Cycles, foreign tasks, misused loop items, unsafe skipped outputs.
    """
    graph_template = _graph_template(template)
    graph = graph_template.graph()
    members = {id(t): t for t in graph.tasks}
    renderer = RefRenderer(graph.scope, members, template.name)
    deps: dict[int, list[Task[Any]]] = {}
    rendered: list[dict[str, Any]] = []
    direct = {
        id(t): [
            *_raw_named(t, graph.names, template.name),
            *(i for i in t.after_items if isinstance(i, Task)),
            *(x for d in t.after_items if isinstance(d, Depends) for x in d.tasks()),
        ]
        for t in graph.tasks
    }
    for task in graph.tasks:
        renderer.current = task
        explicit = [i for i in task.after_items if isinstance(i, Depends)]
        after = [i for i in task.after_items if isinstance(i, Task)]
        sources = _sources(_value_refs(task, renderer))
        seen = {id(s) for s in sources}
        for extra in [*_raw_sources(task, graph.names), *after]:
            if id(extra) not in seen:
                seen.add(id(extra))
                sources.append(extra)
        in_explicit = [t for d in explicit for t in d.tasks()]
        named = {id(t) for t in in_explicit}
        for t in [*sources, *in_explicit]:
            if id(t) not in members:
                raise fail(
                    "C106",
                    f"task {task.name!r} depends on task {t.name!r}, which is not part of "
                    f"template {template.name!r}",
                    task.location,
                )
            if t is task:
                raise fail("C105", f"task {task.name!r} depends on itself", task.location)
        if task.raw_depends is not None:
            # A raw depends string is used verbatim; it covers the tasks it names and their
            # ancestors, so only references to other tasks add terms.
            raw_named = _raw_named(task, graph.names, template.name)
            named |= _covered(raw_named, direct)
            sources += [t for t in raw_named if id(t) not in seen]
        terms = [t.name for t in sources if id(t) not in named]
        terms += [
            depends_text(d) if not isinstance(d, DependsTerm) or d.status else d.source.name
            for d in explicit
        ]
        if task.raw_depends:
            raw = task.raw_depends
            terms = [f"({raw})" if terms and ("||" in raw) else raw, *terms]
        deps[id(task)] = [*sources, *in_explicit]
        _check_skippable(task, renderer.scope)
        rendered.append(_task_fields(task, renderer, namer, " && ".join(terms) or None))
    _check_cycles(deps, graph.tasks)
    body: dict[str, Any] = {"tasks": rendered}
    if template.options.fail_fast is not None:
        body["failFast"] = template.options.fail_fast
    if isinstance(graph_template, DagTemplate) and graph_template.target is not None:
        body["target"] = _target(graph_template, graph.names)
    return {"dag": body}, _returned(graph_template, renderer)


def _target(template: DagTemplate[Any, Any], names: dict[str, Task[Any]]) -> str:
    """``dag.target``, each name checked to be a task (unless the text holds an Argo tag)."""
    target = str(template.target)
    if "{{" not in target:
        for name in target.split():
            if name not in names:
                raise fail(
                    "C106",
                    f"@dag {template.name!r} has target {name!r}, but no task of that name "
                    f"(tasks: {', '.join(names)}).{did_you_mean(name, list(names))}",
                    template.location,
                )
    return target


def render_steps(
    template: Template[Any, Any], namer: TemplateNamer
) -> tuple[dict[str, Any], dict[str, str]]:
    """Render a ``@steps`` template's ``steps`` field and its output values.

    Args:
        template: A :class:`~tiphys.dsl.graph.StepsTemplate`.
        namer: Emitted template name of each step.

    Returns:
        ``({"steps": [[...], ...]}, {output name: "{{steps...}}"})``.

    Raises:
        CompileError: A step uses a value of a step in its own or a later group, ``.after()``
            was used, or misused loop items / skipped outputs.
    """
    graph_template = _graph_template(template)
    graph = graph_template.graph()
    group_of = {id(t): i for i, group in enumerate(graph.groups) for t in group}
    renderer = RefRenderer(graph.scope, {id(t): t for t in graph.tasks}, template.name)
    groups: list[list[dict[str, Any]]] = []
    for index, group in enumerate(graph.groups):
        out = []
        for task in group:
            renderer.current = task
            if task.after_items:
                raise fail(
                    "C119",
                    ".after() is for @dag tasks; in @steps the order of calls is the order of "
                    "steps (use `with parallel():` to run steps together)",
                    task.location,
                )
            for source in _sources(_value_refs(task, renderer)):
                if group_of.get(id(source), index) >= index and id(source) in group_of:
                    raise fail(
                        "C106",
                        f"step {task.name!r} uses a value of step {source.name!r}, which runs "
                        "in the same parallel group or later; move it to an earlier step",
                        task.location,
                    )
            _check_skippable(task, renderer.scope)
            out.append(_task_fields(task, renderer, namer, None))
        groups.append(out)
    body: dict[str, Any] = {"steps": groups}
    if template.options.fail_fast is not None:
        body["failFast"] = template.options.fail_fast  # Template.failFast, read with parallelism
    return body, _returned(graph_template, renderer)


def _graph_template(template: Template[Any, Any]) -> GraphTemplate[Any, Any]:
    if not isinstance(template, GraphTemplate):
        raise TypeError(f"{template!r} is not a @dag or @steps template")
    return template
