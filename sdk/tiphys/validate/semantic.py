"""Semantic checks of Argo manifests: what a schema cannot say.

The rules follow Argo v4.1.2's own validator (``workflow/validate/validate.go``), checked on the
plain dict before anything is sent. Each finding is a :class:`~tiphys.errors.Diagnostic` with a
field path and a message that says what to do:

======  ======================================================================================
V100    no ``entrypoint`` (a Workflow or CronWorkflow without ``workflowTemplateRef``)
V101    ``entrypoint``, ``onExit``, a hook's or a task's/step's ``template`` names no template
        of ``spec.templates``
V102    duplicate name: templates, DAG tasks, steps (across all groups of a template),
        parameters and artifacts of one list
V103    invalid template/task/step name (``[a-zA-Z0-9][-a-zA-Z0-9]*``, <= 128) or
        parameter/artifact name (``[-a-zA-Z0-9_]+``)
V104    template or step without a name
V105    ``depends``/``dependencies`` names a task that is not in the DAG
V106    ``depends`` and ``dependencies`` mixed in one DAG
V107    dependency cycle in a DAG
V108    ``depends`` expression that does not parse
V109    invalid ``metadata.name`` (DNS-1123, <= 63 characters; CronWorkflow <= 52)
V110    invalid ``metadata.generateName`` prefix (warning when Kubernetes will truncate it)
V111    neither ``metadata.name`` nor ``metadata.generateName`` (a warning: a name can also be
        given at submit time)
V112    ``spec.templates`` next to ``workflowTemplateRef``
V113    a hook other than ``exit`` without ``expression``
V114    ``container``/``script`` template without ``image`` (and no ``templateDefaults`` image)
V115    task name starting with a digit in a DAG that uses ``depends``/``dependencies``
V116    a Workflow argument without ``value``/``valueFrom`` (a warning: ``-p`` can give it at
        submit time) or a CronWorkflow one (an error: nobody can)
======  ======================================================================================

``templateRef`` (templates of other WorkflowTemplates) is out of scope: it is not checked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tiphys.argo.depends import DependsSyntaxError, parse_depends
from tiphys.argo.names import (
    CRON_NAME_MAX,
    OBJECT_NAME_MAX,
    TEMPLATE_NAME_MAX,
    object_name_problem,
    parameter_name_problem,
    template_name_problem,
)
from tiphys.argo.paths import join, locate
from tiphys.errors import Diagnostic, Severity, closest
from tiphys.validate.schema import kind_error

__all__ = ["check_semantics"]


@dataclass(frozen=True)
class _NameRule:
    """How Argo names one kind of thing (rules in :mod:`tiphys.argo.names`)."""

    problem: Callable[[str], str | None]
    fix: Callable[[str], str]  # a valid name close to an invalid one, for "did you mean"


_FIELD_NAME = _NameRule(
    template_name_problem,
    lambda name: re.sub(r"[^-a-zA-Z0-9]+", "-", name).strip("-")[:TEMPLATE_NAME_MAX],
)
_PARAM_NAME = _NameRule(
    parameter_name_problem,
    lambda name: re.sub(r"[^-a-zA-Z0-9_]+", "_", name).strip("_"),
)
_GENERATED_PREFIX_MAX = 58  # Kubernetes truncates generateName to 58 and appends 5 characters
_DATA_LISTS = (("parameters", "parameter"), ("artifacts", "artifact"))
_IMAGE_TEMPLATES = ("container", "script")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _indexed(value: object, path: str) -> list[tuple[Mapping[str, Any], str]]:
    """The mapping items of a list, each with its path (other items are the schema's job)."""
    if not isinstance(value, list):
        return []
    return [(item, join(path, i)) for i, item in enumerate(value) if isinstance(item, Mapping)]


def _hint(name: str, choices: Iterable[str], noun: str) -> str:
    """``. Did you mean 'x'?`` for a close choice, else `` (<noun>: a, b)``."""
    options = sorted(set(choices))
    close = closest(name, options)
    if close:
        return f". Did you mean '{close}'?"
    return f" ({noun}: {', '.join(options)})" if options else f" (there are no {noun})"


def _dns_fix(name: str, kind: str) -> str:
    limit = CRON_NAME_MAX if kind == "CronWorkflow" else OBJECT_NAME_MAX
    return re.sub(r"[^-a-z0-9.]+", "-", name.lower()).strip("-.")[:limit].rstrip("-.")


def _did_you_mean(fixed: str, problem: Callable[[str], str | None]) -> str:
    return f". Did you mean '{fixed}'?" if fixed and problem(fixed) is None else ""


class _Checker:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.diagnostics: list[Diagnostic] = []
        self.template_names: set[str] = set()
        self.local_refs = True  # False when templates come from a workflowTemplateRef
        self.default_images: set[str] = set()  # template types with a templateDefaults image

    def add(self, code: str, message: str, path: str, severity: Severity = "error") -> None:
        self.diagnostics.append(Diagnostic(code, message, severity, path=path))

    # -- metadata -----------------------------------------------------------------------------

    def metadata(self, meta: Mapping[str, Any]) -> None:
        name, prefix = meta.get("name"), meta.get("generateName")
        if isinstance(name, str) and name:
            self.object_name(name)
        elif isinstance(prefix, str) and prefix:
            self.generate_name(prefix)
        else:
            misplaced = [k for k in ("name", "generateName") if k in _mapping(meta.get("labels"))]
            hint = (
                f" ('{misplaced[0]}' is indented under metadata.labels: move it up one level)"
                if misplaced
                else ""
            )
            self.add(
                "V111",
                f"the {self.kind} has no name: set metadata.name, or metadata.generateName "
                f"(a prefix such as 'my-workflow-'), or give one when submitting{hint}",
                "metadata",
                "warning",
            )

    def object_name(self, name: str) -> None:
        problem = object_name_problem(name, kind=self.kind)
        if problem is not None:
            fixed = _dns_fix(name, self.kind)
            check = functools.partial(object_name_problem, kind=self.kind)
            self.add(
                "V109",
                f"invalid metadata.name: {problem}{_did_you_mean(fixed, check)}",
                "metadata.name",
            )

    def generate_name(self, prefix: str) -> None:
        problem = object_name_problem(prefix, kind=self.kind, generate=True)
        if problem is not None:
            fixed = _dns_fix(prefix, self.kind) + "-"
            check = functools.partial(object_name_problem, kind=self.kind, generate=True)
            self.add(
                "V110",
                f"invalid metadata.generateName: {problem}{_did_you_mean(fixed, check)}",
                "metadata.generateName",
            )
        elif len(prefix) > _GENERATED_PREFIX_MAX:
            self.add(
                "V110",
                f"metadata.generateName is {len(prefix)} characters long; Kubernetes truncates "
                f"it to {_GENERATED_PREFIX_MAX} before adding a 5-character suffix",
                "metadata.generateName",
                "warning",
            )

    # -- names --------------------------------------------------------------------------------

    def names(
        self,
        items: Sequence[tuple[Mapping[str, Any], str]],
        what: str,
        rule: _NameRule,
        required: bool,
    ) -> list[str]:
        """Check the names of a list of things that must be uniquely named; return them."""
        first: dict[str, str] = {}
        for item, path in items:
            name = item.get("name")
            if not isinstance(name, str) or not name:
                if required:
                    self.add("V104", f"this {what} has no name: add 'name: <{what}-name>'", path)
                continue
            name_path = join(path, "name")
            problem = rule.problem(name)
            if problem is not None:
                hint = _did_you_mean(rule.fix(name), rule.problem)
                self.add("V103", f"invalid {what} name: {problem}{hint}", name_path)
            if name in first:
                self.add(
                    "V102",
                    f"duplicate {what} name '{name}' (also at {first[name]}): "
                    f"{what} names must be unique; rename one",
                    name_path,
                )
            else:
                first[name] = path
        return list(first)

    def data_names(self, holder: object, path: str) -> None:
        """Names of ``parameters`` and ``artifacts`` of inputs, outputs or arguments."""
        for key, what in _DATA_LISTS:
            sub = join(path, key)
            self.names(_indexed(_mapping(holder).get(key), sub), what, _PARAM_NAME, False)

    # -- template references --------------------------------------------------------------------

    def template_ref(self, name: object, path: str, role: str) -> None:
        if not self.local_refs or not isinstance(name, str) or "{{" in name:
            return
        if name not in self.template_names:
            hint = _hint(name, self.template_names, "templates")
            self.add(
                "V101",
                f"{role} refers to template '{name}', which is not defined in this "
                f"{self.kind}'s templates; define it or fix the name{hint}",
                path,
            )

    def hooks(self, hooks: object, path: str) -> None:
        for name, hook in _mapping(hooks).items():
            hook_path = join(path, str(name))
            hook = _mapping(hook)
            if name != "exit" and not hook.get("expression"):
                self.add(
                    "V113",
                    f"hook '{name}' has no expression; only the 'exit' hook runs without one: "
                    "add 'expression: <condition>' or rename it to 'exit'",
                    hook_path,
                )
            self.template_ref(hook.get("template"), join(hook_path, "template"), f"hook '{name}'")

    def call(self, item: Mapping[str, Any], path: str, what: str) -> None:
        """A DAG task or a step: the template it runs, its hooks, arguments, inline template."""
        name = item.get("name")
        role = f"{what} '{name}'" if isinstance(name, str) else what
        if "templateRef" not in item and "inline" not in item:
            self.template_ref(item.get("template"), join(path, "template"), role)
        self.template_ref(item.get("onExit"), join(path, "onExit"), f"onExit of {role}")
        self.hooks(item.get("hooks"), join(path, "hooks"))
        self.data_names(item.get("arguments"), join(path, "arguments"))
        if isinstance(item.get("inline"), Mapping):
            self.template(item["inline"], join(path, "inline"))

    # -- spec and templates -------------------------------------------------------------------

    def spec(self, spec: Mapping[str, Any], path: str) -> None:
        templates = _indexed(spec.get("templates"), join(path, "templates"))
        self.template_names = set(self.names(templates, "template", _FIELD_NAME, True))
        defaults = _mapping(spec.get("templateDefaults"))
        self.default_images = {
            t for t in _IMAGE_TEMPLATES if _mapping(defaults.get(t)).get("image")
        }
        if "workflowTemplateRef" in spec:
            self.local_refs = False
            if templates:
                self.add(
                    "V112",
                    "a workflow that uses workflowTemplateRef cannot define templates: move "
                    "them into the referenced WorkflowTemplate or drop workflowTemplateRef",
                    join(path, "templates"),
                )
        entrypoint = spec.get("entrypoint")
        if not entrypoint and self.local_refs and self.kind in ("Workflow", "CronWorkflow"):
            self.add(
                "V100",
                f"the {self.kind} has no entrypoint: set {path}.entrypoint to the template "
                f"that runs first (templates: {', '.join(sorted(self.template_names))})",
                join(path, "entrypoint"),
            )
        self.template_ref(entrypoint or None, join(path, "entrypoint"), "entrypoint")
        self.template_ref(spec.get("onExit"), join(path, "onExit"), "onExit")
        self.hooks(spec.get("hooks"), join(path, "hooks"))
        self.data_names(spec.get("arguments"), join(path, "arguments"))
        self.argument_values(spec.get("arguments"), join(path, "arguments"))
        for template, template_path in templates:
            self.template(template, template_path)

    def argument_values(self, arguments: object, path: str) -> None:
        if self.kind not in ("Workflow", "CronWorkflow"):
            return
        params = _indexed(_mapping(arguments).get("parameters"), join(path, "parameters"))
        for param, param_path in params:
            if "value" in param or "valueFrom" in param:
                continue
            name = param.get("name")
            if self.kind == "Workflow":
                advice = f"give it with -p {name}=... when submitting, or set a value"
            else:
                advice = "a CronWorkflow is submitted by its schedule: set a value"
            self.add(
                "V116",
                f"argument {name!r} has no value, and Argo refuses to run the {self.kind} "
                f"without one: {advice}",
                param_path,
                "warning" if self.kind == "Workflow" else "error",
            )

    def template(self, template: Mapping[str, Any], path: str) -> None:
        self.data_names(template.get("inputs"), join(path, "inputs"))
        self.data_names(template.get("outputs"), join(path, "outputs"))
        for kind in _IMAGE_TEMPLATES:
            body = template.get(kind)
            if (
                isinstance(body, Mapping)
                and not body.get("image")
                and kind not in self.default_images
            ):
                self.add(
                    "V114",
                    f"{kind} template has no image: set {kind}.image, or "
                    f"spec.templateDefaults.{kind}.image for every template",
                    join(path, kind),
                )
        if isinstance(template.get("dag"), Mapping):
            self.dag(template["dag"], join(path, "dag"))
        if isinstance(template.get("steps"), list):
            steps = [
                step
                for g, group in enumerate(template["steps"])
                for step in _indexed(group, join(join(path, "steps"), g))
            ]
            self.names(steps, "step", _FIELD_NAME, True)
            for step, step_path in steps:
                self.call(step, step_path, "step")

    def dag(self, dag: Mapping[str, Any], path: str) -> None:
        tasks = _indexed(dag.get("tasks"), join(path, "tasks"))
        known = set(self.names(tasks, "task", _FIELD_NAME, False))
        uses_depends = any(isinstance(t.get("depends"), str) and t["depends"] for t, _ in tasks)
        mixed_reported = False
        graph: dict[str, list[str]] = {}
        where: dict[str, str] = {}
        for task, task_path in tasks:
            self.call(task, task_path, "task")
            name = task.get("name")
            deps = self.dependencies(task, task_path)
            if uses_depends and task.get("dependencies") and not mixed_reported:
                self.add(
                    "V106",
                    "this DAG mixes 'depends' and 'dependencies'; Argo allows only one kind "
                    "per DAG: write every dependency as 'depends'",
                    join(task_path, "dependencies"),
                )
                mixed_reported = True
            if not isinstance(name, str) or not name:
                continue
            if (uses_depends or deps) and name[0].isdigit():
                self.add(
                    "V115",
                    f"task name '{name}' starts with a digit, which Argo rejects in a DAG that "
                    "uses depends or dependencies: rename it",
                    join(task_path, "name"),
                )
            for dep, dep_path in deps:
                if dep not in known:
                    self.add(
                        "V105",
                        f"task '{name}' depends on '{dep}', which is not a task of this DAG"
                        f"{_hint(dep, known, 'tasks')}",
                        dep_path,
                    )
            graph[name] = [dep for dep, _ in deps if dep in known]
            where[name] = deps[0][1] if deps else task_path
        self.cycles(graph, where)

    def dependencies(self, task: Mapping[str, Any], path: str) -> list[tuple[str, str]]:
        """The tasks a DAG task waits for, each with the path where it is named."""
        found: list[tuple[str, str]] = []
        depends = task.get("depends")
        if isinstance(depends, str) and depends:
            depends_path = join(path, "depends")
            try:
                found += [(name, depends_path) for name in parse_depends(depends)]
            except DependsSyntaxError as exc:
                self.add(
                    "V108",
                    f"depends {depends!r} is invalid at column {exc.column}: {exc.reason}",
                    depends_path,
                )
        listed = task.get("dependencies")
        if isinstance(listed, list):
            listed_path = join(path, "dependencies")
            found += [(d, join(listed_path, j)) for j, d in enumerate(listed) if isinstance(d, str)]
        return found

    def cycles(self, graph: Mapping[str, Sequence[str]], where: Mapping[str, str]) -> None:
        """Report each dependency cycle once, as ``a -> b -> a`` (iterative DFS)."""
        done: set[str] = set()
        reported: set[frozenset[str]] = set()
        for root in graph:
            if root in done:
                continue
            stack = [root]
            on_stack = {root}
            pending = [iter(graph[root])]
            while pending:
                dep = next(pending[-1], None)
                if dep is None:
                    on_stack.discard(stack[-1])
                    done.add(stack.pop())
                    pending.pop()
                elif dep in on_stack:
                    cycle = [*stack[stack.index(dep) :], dep]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self.add(
                            "V107",
                            f"dependency cycle {' -> '.join(cycle)}: these tasks wait for each "
                            "other forever; remove one of these dependencies",
                            where[cycle[0]],
                        )
                elif dep not in done:
                    stack.append(dep)
                    on_stack.add(dep)
                    pending.append(iter(graph.get(dep, ())))


def check_semantics(
    doc: Mapping[str, Any],
    *,
    file: str = "",
    line_of: Callable[[str], int] | None = None,
) -> list[Diagnostic]:
    """Check the rules Argo's validator enforces beyond the schema (codes ``V100``-``V116``).

    The checks read the dict defensively: a field of the wrong type is skipped here and
    reported by :func:`tiphys.validate.validate_schema`.

    Args:
        doc: A parsed manifest of one of :data:`tiphys.validate.ARGO_KINDS`. A CronWorkflow's
            workflow is read from ``spec.workflowSpec``.
        file: The file it came from, for diagnostic locations.
        line_of: Maps a field path to its line in ``file``.

    Returns:
        The diagnostics in document order, each with a ``path`` (and a location when ``file``
        or ``line_of`` is given); empty when nothing is wrong.
    """
    problem = kind_error(doc)
    if problem is not None:
        return locate([problem], file, line_of)
    kind = str(doc["kind"])
    checker = _Checker(kind)
    checker.metadata(_mapping(doc.get("metadata")))
    spec = _mapping(doc.get("spec"))
    spec_path = "spec"
    if kind == "CronWorkflow":
        spec, spec_path = _mapping(spec.get("workflowSpec")), "spec.workflowSpec"
    checker.spec(spec, spec_path)
    return locate(checker.diagnostics, file, line_of)
