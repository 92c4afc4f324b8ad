"""Checks of the variables that ``{{...}}`` tags name (codes ``V122``-``V129``, ``V168``).

Every string of every template is scanned with :func:`tiphys.argo.tags.simple_tags`; each tag is
checked against what is defined where the string sits (its *scope*):

* ``inputs.parameters.X`` and ``inputs.artifacts.X``: an input of the template;
  ``inputs.artifacts.X.path`` only in a template that runs a container (``V168``);
* ``tasks.X.*``: in the tasks and the outputs of a DAG template only; X a task of that DAG and,
  in a task, one it waits for (through ``depends``/``dependencies``, transitively); in a task's
  hooks the task itself too;
* ``steps.X.*``: in the steps and the outputs of a steps template only; X a step of an earlier
  group (or, in a step's hooks, the step itself);
* ``tasks.X.outputs.parameters.P`` and ``...artifacts.A``: an output of X's template when it is a
  template of this manifest;
* ``workflow.parameters.X``: a parameter of ``spec.arguments``; other ``workflow.*``: a known
  variable;
* ``item``: in a task or step that loops (``withItems``, ``withParam``, ``withSequence``).

A template's ``metrics`` have variables of their own (``status``, ``duration``...): only their
``inputs.*`` tags are checked. Where the scope is not known for sure (workflow-level
``metrics``, ``templateDefaults``, a DAG template's other fields, templates of a
``workflowTemplateRef``), nothing is reported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tiphys.argo.depends import DependsSyntaxError, parse_depends
from tiphys.argo.paths import PathPart, join
from tiphys.argo.tags import NODE_FIELDS, WORKFLOW_PREFIXES, WORKFLOW_VARIABLES, simple_tags
from tiphys.errors import Severity, choices_hint, closest

__all__ = ["check_references"]

Add = Callable[[str, str, str, Severity], None]
"""Records a finding: ``add(code, message, path, severity)``."""

_LOOPS = ("withItems", "withParam", "withSequence")
_NODE_KINDS = {"tasks": ("dag", "task"), "steps": ("steps", "step")}
_SKIPPED_KEYS = frozenset({"metrics"})  # their own scope (status, duration...): see metric_inputs


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _names(items: object) -> frozenset[str]:
    return frozenset(
        i["name"] for i in _list(items) if isinstance(i, Mapping) and isinstance(i.get("name"), str)
    )


_Link = tuple[Any, PathPart] | None  # (parent link, key) down from a path; None: the path itself


def _strings(value: object, path: str, key: PathPart | None = None) -> Iterator[tuple[str, str]]:
    """Every string below ``value`` (at ``path``, or at ``key`` below it) holding ``{{``.

    Each string comes with its path; mapping keys are not searched and ``metrics`` are
    skipped. Paths are built only for the strings found: each stack entry carries its parent's
    entry and its own key.
    """
    stack: list[tuple[object, _Link]] = [(value, None if key is None else (None, key))]
    while stack:
        item, link = stack.pop()
        if type(item) is str:
            if "{{" in item:
                parts: list[PathPart] = []
                while link is not None:
                    link, part = link
                    parts.append(part)
                where = path
                for part in reversed(parts):
                    where = join(where, part)
                yield item, where
        elif isinstance(item, dict):
            stack.extend(
                (v, (link, str(k)))
                for k, v in reversed(list(item.items()))
                if k not in _SKIPPED_KEYS and not isinstance(v, (bool, int, float))
            )
        elif isinstance(item, list):
            stack.extend((v, (link, i)) for i, v in reversed(list(enumerate(item))))


@dataclass(frozen=True)
class _Scope:
    """What the strings of one part of a template may name."""

    template: str  # name of the template
    inputs: Mapping[str, frozenset[str]]  # "parameters"/"artifacts" -> input names
    nodes: str | None = None  # "tasks" in a DAG template, "steps" in a steps template
    members: Mapping[str, Mapping[str, Any]] | None = None  # task/step name -> task/step
    visible: Callable[[str], bool] | None = None  # may this part use node X? None: unchecked
    user: str = ""  # "task 'b'" / "step 'b'" whose field this is ("" for template fields)
    loop: bool = False  # item is defined here
    leaf: bool = False  # a container/script/... template: no tasks or steps at all


class _References:
    def __init__(
        self,
        spec: Mapping[str, Any],
        kind: str,
        add: Add,
        graphs: Mapping[int, Mapping[str, list[str]]],
    ) -> None:
        self.add = add
        self.graphs = graphs
        self.kind = kind
        self.templates = {
            t["name"]: t
            for t in _list(spec.get("templates"))
            if isinstance(t, Mapping) and isinstance(t.get("name"), str)
        }
        defaults = _mapping(_mapping(spec.get("templateDefaults")).get("inputs"))
        self.default_inputs = {k: _names(defaults.get(k)) for k in ("parameters", "artifacts")}
        arguments = _mapping(spec.get("arguments"))
        self.workflow_params: frozenset[str] | None = (
            None if "workflowTemplateRef" in spec else _names(arguments.get("parameters"))
        )

    # -- walking ----------------------------------------------------------------------------------

    def template(self, template: Mapping[str, Any], path: str, loop: bool = False) -> None:
        inputs = _mapping(template.get("inputs"))
        scope = _Scope(
            template=str(template.get("name") or "(inline)"),
            inputs={
                k: _names(inputs.get(k)) | defaults for k, defaults in self.default_inputs.items()
            },
            loop=loop,
        )
        self.metric_inputs(template.get("metrics"), join(path, "metrics"), scope)
        dag, steps = template.get("dag"), template.get("steps")
        if isinstance(dag, Mapping):
            self.dag(dag, template, path, scope)
        elif isinstance(steps, list):
            self.steps(steps, template, path, scope)
        else:
            self.strings(template, path, replace(scope, leaf=True))

    def dag(
        self, dag: Mapping[str, Any], template: Mapping[str, Any], path: str, scope: _Scope
    ) -> None:
        tasks_path = join(join(path, "dag"), "tasks")
        tasks = [
            (t, join(tasks_path, i))
            for i, t in enumerate(_list(dag.get("tasks")))
            if isinstance(t, Mapping)
        ]
        members = {t["name"]: t for t, _ in tasks if isinstance(t.get("name"), str)}
        graph = self.graphs.get(id(dag)) or {n: _dependencies(t) for n, t in members.items()}
        scope = replace(scope, nodes="tasks", members=members)
        self.template_fields(template, path, scope)
        for key, value in dag.items():  # target: '{{inputs.parameters.target}}'
            if key != "tasks":
                self.strings(value, join(join(path, "dag"), str(key)), scope)
        ancestry = _Ancestry(graph)
        for task, task_path in tasks:
            self.node(task, task_path, scope, ancestry.of(str(task.get("name", ""))))

    def steps(
        self, groups: list[Any], template: Mapping[str, Any], path: str, scope: _Scope
    ) -> None:
        placed = [
            (g, step, join(join(join(path, "steps"), g), i))
            for g, group in enumerate(groups)
            for i, step in enumerate(_list(group))
            if isinstance(step, Mapping)
        ]
        members = {s["name"]: s for _, s, _ in placed if isinstance(s.get("name"), str)}
        group_of = {s["name"]: g for g, s, _ in placed if isinstance(s.get("name"), str)}
        scope = replace(scope, nodes="steps", members=members)
        self.template_fields(template, path, scope)
        for g, step, step_path in placed:

            def earlier(other: str, g: int = g) -> bool:
                return group_of.get(other, g) < g

            self.node(step, step_path, scope, earlier)

    def template_fields(self, template: Mapping[str, Any], path: str, scope: _Scope) -> None:
        """A DAG or steps template's own fields: outputs may use every node; others unchecked."""
        for key, value in template.items():
            if key in ("dag", "steps"):
                continue
            everything = key == "outputs"
            self.strings(
                value,
                join(path, str(key)),
                replace(scope, visible=(lambda _n: True) if everything else None),
            )

    def node(
        self, node: Mapping[str, Any], path: str, scope: _Scope, visible: Callable[[str], bool]
    ) -> None:
        """A DAG task or a step, which may use the nodes ``visible`` says it may.

        Its hooks may use the node itself too; its inline template is a template of its own.
        """
        name = str(node.get("name", ""))
        noun = "task" if scope.nodes == "tasks" else "step"
        loop = any(node.get(k) for k in _LOOPS)
        scope = replace(scope, visible=visible, user=f"{noun} '{name}'", loop=loop)
        for key, value in node.items():
            if key == "inline":
                if isinstance(value, Mapping):
                    self.template(value, join(path, "inline"), loop=loop)
                continue
            part = scope
            if key == "hooks":

                def with_self(other: str) -> bool:
                    return other == name or visible(other)

                part = replace(scope, visible=with_self)
            self.strings(value, path, part, str(key))

    def metric_inputs(self, metrics: object, path: str, scope: _Scope) -> None:
        """The ``inputs.*`` tags of a template's metrics (the rest of their variables, such as
        ``status`` and ``duration``, are the metric's own)."""
        if metrics is None:
            return
        for text, where in _strings(metrics, path):
            for tag in simple_tags(text):
                root, _, rest = tag.partition(".")
                if root == "inputs":
                    self.inputs(tag, rest, where, scope)

    def strings(self, value: object, path: str, scope: _Scope, key: PathPart | None = None) -> None:
        """Check the tags of every string below ``value`` (at ``path``, or ``key`` below it)."""
        for text, where in _strings(value, path, key):
            for tag in simple_tags(text):
                self.tag(tag, where, scope)

    # -- one tag ----------------------------------------------------------------------------------

    def tag(self, tag: str, path: str, scope: _Scope) -> None:
        root, _, rest = tag.partition(".")
        if root == "item" or tag.startswith("item["):
            if not scope.loop:
                where = f"not in template '{scope.template}'"
                if scope.user:
                    where = f"and {scope.user} has none"
                self.add(
                    "V129",
                    f"'{{{{{tag}}}}}' is only defined in a task or step with withItems, "
                    f"withParam or withSequence, {where}: pass the item as an argument "
                    "(value: '{{item}}') and use an input instead",
                    path,
                    "error",
                )
        elif root == "inputs":
            self.inputs(tag, rest, path, scope)
        elif root in _NODE_KINDS and not rest.startswith("name"):
            self.node_ref(tag, root, rest, path, scope)
        elif root == "workflow":
            self.workflow(tag, rest, path)

    def inputs(self, tag: str, rest: str, path: str, scope: _Scope) -> None:
        group, _, name = rest.partition(".")
        if group not in scope.inputs:
            hint = choices_hint(group, ("parameters", "artifacts"), "input kinds")
            self.add(
                "V122",
                f"'{{{{{tag}}}}}' is not a variable: inputs has only parameters and "
                f"artifacts{hint}",
                path,
                "error",
            )
            return
        if not name:
            return  # {{inputs.parameters}}: all of them, as JSON
        if group == "artifacts":
            name, _, field = name.partition(".")  # inputs.artifacts.X.path
            if field and scope.nodes is not None and name in scope.inputs[group]:
                self.add(
                    "V168",
                    f"'{{{{{tag}}}}}' does not exist in {scope.nodes[:-1].replace('task', 'dag')} "
                    f"template '{scope.template}': only templates that run a container place "
                    f"input artifacts at a path. Pass the artifact on with from: "
                    f"'{{{{inputs.artifacts.{name}}}}}'",
                    path,
                    "error",
                )
                return
        known = scope.inputs[group]
        if name not in known:
            noun = group[:-1]
            self.add(
                "V122",
                f"'{{{{{tag}}}}}' names no input {noun} of template '{scope.template}': "
                f"declare it under inputs.{group} or fix the name"
                f"{choices_hint(name, known, f'input {group}')}",
                path,
                "error",
            )

    def node_ref(self, tag: str, root: str, rest: str, path: str, scope: _Scope) -> None:
        template_kind, noun = _NODE_KINDS[root]
        if scope.nodes != root:
            if scope.leaf or scope.nodes is not None:
                self.add(
                    "V123",
                    f"'{{{{{tag}}}}}' is only defined in the {root} of a {template_kind} "
                    f"template, and template '{scope.template}' is "
                    f"{'not one' if scope.leaf else f'a {_other(template_kind)} template'}: "
                    "pass the value as an argument instead",
                    path,
                    "error",
                )
            return
        if scope.visible is None or scope.members is None:
            return
        name, _, field = rest.partition(".")
        if name not in scope.members:
            self.add(
                "V124",
                f"'{{{{{tag}}}}}' names no {noun} of template '{scope.template}'"
                f"{choices_hint(name, scope.members.keys(), root)}",
                path,
                "error",
            )
            return
        if not scope.visible(name):
            if root == "tasks":
                advice = f'add it to the depends of {scope.user} (depends: "{name}")'
                why = f"does not depend on '{name}'"
            else:
                advice = f"move {noun} '{name}' to an earlier step group"
                why = f"'{name}' runs in the same step group or a later one"
            self.add(
                "V125",
                f"{scope.user} uses '{{{{{tag}}}}}' but {why}, so it is not known yet: {advice}",
                path,
                "error",
            )
            return
        self.node_field(tag, noun, name, field, path, scope.members[name])

    def node_field(
        self, tag: str, noun: str, name: str, field: str, path: str, producer: Mapping[str, Any]
    ) -> None:
        group, _, output = field.removeprefix("outputs.").partition(".")
        if field.startswith("outputs.") and group in ("parameters", "artifacts") and output:
            template = self.local_template(producer)
            if template is None:
                return
            known = _names(_mapping(template.get("outputs")).get(group))
            if output not in known:
                self.add(
                    "V126",
                    f"'{{{{{tag}}}}}': template '{template['name']}' (run by {noun} '{name}') "
                    f"has no output {group[:-1]} '{output}'; add it to its outputs.{group} or "
                    f"fix the name{choices_hint(output, known, f'output {group}')}",
                    path,
                    "error",
                )
        elif field not in NODE_FIELDS:
            fields = (*NODE_FIELDS, "outputs.parameters.<name>", "outputs.artifacts.<name>")
            close = closest(field, NODE_FIELDS)
            hint = f". Did you mean '{close}'?" if close else f" (fields: {', '.join(fields)})"
            self.add(
                "V126",
                f"'{{{{{tag}}}}}' is not a variable: '{field}' is not a field of a {noun}{hint}",
                path,
                "error",
            )

    def local_template(self, producer: Mapping[str, Any]) -> Mapping[str, Any] | None:
        name = producer.get("template")
        if "templateRef" in producer or "inline" in producer or not isinstance(name, str):
            return None
        return self.templates.get(name)

    def workflow(self, tag: str, rest: str, path: str) -> None:
        if rest.startswith("parameters.") and self.workflow_params is not None:
            name = rest.removeprefix("parameters.")
            if name != "json" and name not in self.workflow_params:
                # A template's submitter (argo submit -p, an event binding) may add parameters.
                template = self.kind not in ("Workflow", "CronWorkflow")
                risk = f", so it works only if every submitter passes '{name}'" if template else ""
                self.add(
                    "V127",
                    f"'{{{{{tag}}}}}' names no parameter of spec.arguments.parameters{risk}: "
                    f"declare it there or fix the name"
                    f"{choices_hint(name, self.workflow_params, 'parameters')}",
                    path,
                    "warning" if template else "error",
                )
        elif rest not in WORKFLOW_VARIABLES and not rest.startswith(WORKFLOW_PREFIXES):
            close = closest(rest, WORKFLOW_VARIABLES)
            hint = f". Did you mean 'workflow.{close}'?" if close else ""
            self.add(
                "V128",
                f"'{{{{{tag}}}}}' is not a workflow variable (see Argo's docs/variables.md){hint}",
                path,
                "error",
            )


def _other(kind: str) -> str:
    return "steps" if kind == "dag" else "dag"


def _dependencies(task: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    depends = task.get("depends")
    if isinstance(depends, str) and depends:
        with contextlib.suppress(DependsSyntaxError):  # reported as V108
            found += parse_depends(depends)
    found += [d for d in _list(task.get("dependencies")) if isinstance(d, str)]
    return found


class _Ancestry:
    """Which tasks of a DAG each task waits for, directly or not.

    The transitive sets are computed on the first question that the direct dependencies do not
    answer, once per DAG, as bit sets (Python ints): linear in the size of the graph.
    """

    def __init__(self, graph: Mapping[str, Sequence[str]]) -> None:
        self.graph = graph
        self.index = {name: i for i, name in enumerate(graph)}
        self.bits: dict[str, int] | None = None

    def of(self, task: str) -> Callable[[str], bool]:
        """``visible(x)``: whether ``task`` waits for task ``x``."""
        direct = frozenset(self.graph.get(task, ()))

        def visible(other: str) -> bool:
            if other in direct:
                return True
            position = self.index.get(other)
            return position is not None and bool(self.ancestors().get(task, 0) >> position & 1)

        return visible

    def ancestors(self) -> dict[str, int]:
        if self.bits is None:
            self.bits = {}
            for root in self.graph:
                self.visit(root, self.bits)
        return self.bits

    def visit(self, root: str, bits: dict[str, int]) -> None:
        """Fill ``bits`` for ``root`` and what it waits for (iterative DFS; cycles are V107)."""
        graph, index = self.graph, self.index
        pending = [(root, iter(graph[root]))]
        on_path = {root}
        while pending:
            node, deps = pending[-1]
            dep = next(deps, None)
            if dep is None:
                value = 0
                for d in graph[node]:
                    if d in index:
                        value |= 1 << index[d] | bits.get(d, 0)
                bits[node] = value
                on_path.discard(node)
                pending.pop()
            elif dep in graph and dep not in bits and dep not in on_path:
                on_path.add(dep)
                pending.append((dep, iter(graph[dep])))


def check_references(
    spec: Mapping[str, Any],
    spec_path: str,
    kind: str,
    add: Add,
    graphs: Mapping[int, Mapping[str, list[str]]] | None = None,
) -> None:
    """Check the tags of every template of a workflow spec (see the module docstring).

    Args:
        spec: The workflow spec (a CronWorkflow's ``spec.workflowSpec``).
        spec_path: Its path, ``spec`` or ``spec.workflowSpec``.
        kind: The manifest's kind.
        add: Called once per finding.
        graphs: The dependencies of each DAG's tasks (``{task: [tasks it depends on]}``), by
            ``id()`` of the ``dag`` mapping, when already known; others are parsed here.
    """
    checker = _References(spec, kind, add, graphs or {})
    for i, template in enumerate(_list(spec.get("templates"))):
        if isinstance(template, Mapping):
            checker.template(template, join(join(spec_path, "templates"), i))
