"""Converting ``dag`` and ``steps`` bodies to calls of the templates.

Each task becomes one statement: ``echo(message="A").named("A").after("B && C")``. Task names are
given with ``.named()`` when they differ from the name tiphys would choose; ``depends`` (and
``dependencies``) become a raw ``.after("...")`` string, ``when`` a raw ``.when("...")``,
``withItems``/``withParam``/``withSequence`` a ``.map(over=...)``, ``continueOn`` a
``.continue_on()``. A body holding something the DSL cannot call (a field without a typed form)
is written whole into ``patch=`` and the template is marked as a fallback.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from tiphys.argo.expr import KEYWORDS
from tiphys.convert.artifacts import argument_code
from tiphys.convert.model import DocContext, call
from tiphys.convert.pywriter import Names, identifier, literal
from tiphys.convert.templates import (
    ARTIFACT,
    CALL_NAMES,
    Patcher,
    TemplateCode,
    scalar_text,
    text_code,
)

_TASK_FIELDS = frozenset(
    {
        "inline",
        "name",
        "template",
        "arguments",
        "depends",
        "dependencies",
        "when",
        "withItems",
        "withParam",
        "withSequence",
        "continueOn",
        "hooks",
        "onExit",
        "templateRef",
    }
)


REF = "#ref "  # prefix of the key of a template_ref(...) variable in DocContext.variables


class Unsupported(Exception):
    """A task has a field the DSL cannot write as a call (yet)."""


def _argument_kwargs(
    ctx: DocContext,
    task: Mapping[str, Any],
    callee: str,
    names: Mapping[str, str],
    loop_var: str = "",
) -> list[str]:
    """The arguments of a call, in YAML order: ``name=value``, and ``**{...}`` for runs of names
    that are no identifiers; parameters as text, artifacts as their ``from`` text or
    ``Artifact(location=...)``. ``loop_var`` names the item of a ``.map()`` (none: no loop)."""
    arguments = task.get("arguments") or {}
    if not isinstance(arguments, Mapping):
        raise Unsupported("arguments")
    if set(arguments) - {"parameters", "artifacts"}:
        raise Unsupported("arguments")
    target = ctx.templates.get(callee)
    is_ref = callee.startswith(REF)
    if target is None and not is_ref:
        raise Unsupported("template")
    inputs = (target.get("inputs") or {}) if target else {}
    declared = [str(p["name"]) for p in inputs.get("parameters") or []]
    declared_artifacts = [str(a.get("name")) for a in inputs.get("artifacts") or []]
    raw_form = is_ref or (target is not None and "script" in target)
    py_of: dict[str, str] = {}
    if not raw_form:
        # The callee's signature names, taken in the order templates.signature takes them.
        taken = Names(ctx.reserved.get(callee, CALL_NAMES))
        py_of = {n: taken.take(n, fallback="param") for n in declared}
        py_of |= {ARTIFACT + n: taken.take(n, fallback="artifact") for n in declared_artifacts}
    values: list[tuple[str, str, str]] = []  # (argo name, python name, value source)
    for param in arguments.get("parameters") or []:
        if not isinstance(param, Mapping) or set(param) - {"name", "value"} or "value" not in param:
            raise Unsupported("arguments.parameters")
        name = str(param["name"])
        if name not in declared and not is_ref:
            raise Unsupported("arguments.parameters (not an input of the template)")
        value = text_code(param["value"], names, item=loop_var)
        values.append((name, py_of.get(name, name), value))
    declared_by_name = {
        a.get("name"): a for a in inputs.get("artifacts") or [] if isinstance(a, Mapping)
    }
    for art in arguments.get("artifacts") or []:
        name_of = art.get("name") if isinstance(art, Mapping) else None
        code = argument_code(ctx, art, names, declared_by_name.get(name_of))
        if code is None:
            raise Unsupported("arguments.artifacts")
        name = str(art["name"])
        if name not in declared_artifacts and not is_ref:
            raise Unsupported("arguments.artifacts (not an input of the template)")
        values.append((name, py_of.get(ARTIFACT + name, name), code))
    parts: list[str] = []
    starred: list[str] = []
    for name, py, value in values:
        if py.isidentifier() and py == identifier(py):
            if starred:
                parts.append("**{" + ", ".join(starred) + "}")
                starred = []
            parts.append(f"{py}={value}")
        else:
            starred.append(f"{literal(name)}: {value}")
    if starred:
        parts.append("**{" + ", ".join(starred) + "}")
    return parts


def _hooks(ctx: DocContext, task: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """``.on_exit(...)`` / ``.hook(...)`` calls for a task's ``onExit`` and ``hooks``."""
    out = ""
    if "onExit" in task:
        if task["onExit"] not in ctx.variables or "exit" in (task.get("hooks") or {}):
            raise Unsupported("onExit")
        out += f".on_exit({ctx.variables[task['onExit']]})"
    hooks = task.get("hooks") or {}
    if not isinstance(hooks, Mapping):
        raise Unsupported("hooks")
    for name, hook in hooks.items():
        fields = {"template", "templateRef", "expression", "arguments"}
        if not isinstance(hook, Mapping) or set(hook) - fields:
            raise Unsupported("hooks")
        callee = hook.get("template")
        if "templateRef" in hook and "template" not in hook and id(hook) in ctx.ref_of:
            callee = ctx.ref_of[id(hook)]
        if not isinstance(callee, str) or callee not in ctx.variables:
            raise Unsupported("hooks.templateRef")
        parts = _argument_kwargs(ctx, hook, callee, names)
        if any(p.startswith("expression=") for p in parts):
            raise Unsupported("hooks (an input called expression)")
        variable = ctx.variables[callee]
        if name == "exit" and "expression" not in hook:
            out += call(".on_exit", [variable, *parts], [])
        else:
            expression = (
                [f"expression={literal(scalar_text(hook['expression']))}"]
                if ("expression" in hook)
                else []
            )
            out += call(".hook", [literal(str(name)), variable, *expression, *parts], [])
    return out


def _loop(task: Mapping[str, Any]) -> str | None:
    if "withItems" in task:
        return literal(task["withItems"])
    if "withParam" in task:
        return literal(scalar_text(task["withParam"]))
    if "withSequence" in task:
        seq = task["withSequence"]
        if not isinstance(seq, Mapping) or set(seq) - {"count", "start", "end", "format"}:
            raise Unsupported("withSequence")
        kwargs = [(k, literal(scalar_text(v))) for k, v in seq.items()]
        return call("Sequence", [], kwargs)
    return None


def _loop_var(names: Mapping[str, str]) -> str:
    """The parameter name of a ``.map()`` lambda: ``it``, unless an input already has it."""
    taken = Names(names.values())
    return taken.take("it")


def _base(ctx: DocContext, task: Mapping[str, Any], callee: str) -> str:
    """The name the DSL gives a call's task (its template's name; a reference's target)."""
    ref = task.get("templateRef")
    if callee.startswith(REF) and isinstance(ref, Mapping):
        return str(ref.get("template"))
    return callee


def _auto_name(
    ctx: DocContext, task: Mapping[str, Any], callee: str, auto_names: Mapping[str, int]
) -> str | None:
    """The task name the DSL would give this call when it has no ``.named()`` (``base``,
    then ``base-2``... over the calls written without one), or None (a name the DSL changes)."""
    base = _base(ctx, task, callee)
    if base in KEYWORDS:
        return None
    n = auto_names.get(base, 0) + 1
    return base if n == 1 else f"{base}-{n}"


def task_statement(
    ctx: DocContext,
    task: Mapping[str, Any],
    names: Mapping[str, str],
    auto_names: dict[str, int],
    kind: str,
) -> str:
    """One task or step as a chained call."""
    unknown = set(task) - _TASK_FIELDS
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    callee = str(task.get("template", ""))
    if "templateRef" in task:
        if "template" in task or id(task) not in ctx.ref_of:
            raise Unsupported("templateRef")
        callee = ctx.ref_of[id(task)]
    if "inline" in task:
        if "template" in task or id(task) not in ctx.inline_of:
            raise Unsupported("inline")
        callee = ctx.inline_of[id(task)]
    if callee not in ctx.variables:
        raise Unsupported("template")
    looped = any(k in task for k in ("withItems", "withParam", "withSequence"))
    parts = _argument_kwargs(ctx, task, callee, names, _loop_var(names) if looped else "")
    loop = _loop(task)
    if loop is not None:
        if "Sequence(" in loop:
            ctx.module.use("Sequence")
        expr = call(f"{ctx.variables[callee]}.map", [f"over={loop}", *parts], [])
    else:
        expr = call(ctx.variables[callee], parts, [])
    name = str(task.get("name", ""))
    if name == _auto_name(ctx, task, callee, auto_names):
        base = _base(ctx, task, callee)
        auto_names[base] = auto_names.get(base, 0) + 1
    else:
        expr += f".named({literal(name)})"
    depends = task.get("depends")
    if "dependencies" in task:
        deps = task["dependencies"] or []
        if depends or not isinstance(deps, list):
            raise Unsupported("dependencies")
        depends = " && ".join(str(d) for d in deps) or None
    if depends:
        if kind != "dag":
            raise Unsupported("depends")
        expr += f".after({literal(str(depends))})"
    if "when" in task:
        expr += f".when({literal(scalar_text(task['when']))})"
    expr += _hooks(ctx, task, names)
    if "continueOn" in task:
        cont = task["continueOn"] or {}
        if not isinstance(cont, Mapping) or set(cont) - {"failed", "error"}:
            raise Unsupported("continueOn")
        failed = bool(cont.get("failed", False))
        error = bool(cont.get("error", False))
        if failed or error:
            expr += f".continue_on(failed={failed}, error={error})"
    return expr


def graph_body(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """Write a ``@dag``/``@steps`` template (decorator options and body)."""
    kind = code.kind
    code.decorator = ctx.module.use(kind)
    names = code.signature.py_names
    auto_names: dict[str, int] = {}
    body = template[kind]
    lines: list[str] = []
    try:
        if code.name in ctx.fallback:
            raise Unsupported(ctx.fallback_why.get(code.name, "an earlier pass"))
        if kind == "dag":
            if not isinstance(body, Mapping):
                raise Unsupported("dag")
            for key, value in body.items():
                if key == "failFast" and isinstance(value, bool):
                    code.kwargs.append(("fail_fast", repr(value)))
                elif key == "target" and isinstance(value, str) and value.strip():
                    code.kwargs.append(("target", literal(value)))
                elif key != "tasks":
                    patcher.put(("dag", key), value)
            for task in body.get("tasks") or []:
                lines.append(task_statement(ctx, task, names, auto_names, "dag"))
        else:
            if not isinstance(body, list):
                raise Unsupported("steps")
            for group in body:
                if not isinstance(group, list):
                    raise Unsupported("steps")
                if len(group) == 1:
                    lines.append(task_statement(ctx, group[0], names, auto_names, "steps"))
                elif group:
                    ctx.module.use("parallel")
                    lines.append("with parallel():")
                    for step in group:
                        lines.append("    " + task_statement(ctx, step, names, auto_names, "steps"))
                else:
                    raise Unsupported("empty step group")
    except Unsupported as exc:
        ctx.fallback.add(code.name)
        why = ctx.fallback_why.setdefault(code.name, f"{exc} has no call form")
        what = "tasks" if kind == "dag" else "steps"
        text = f"The {what} are in patch=: tiphys convert cannot write them as calls ({why})."
        lines = [f"# {line}" for line in textwrap.wrap(text, 88)] + ["pass"]
        if kind == "dag":
            patcher.put(("dag", "tasks"), body.get("tasks") if isinstance(body, Mapping) else body)
        else:
            patcher.put(("steps",), body)
    code.body = lines


def _ref_holders(template: Mapping[str, Any]) -> list[Any]:
    """The tasks or steps of a template, and their hooks: what may carry a ``templateRef``."""
    tasks: list[Any] = []
    if isinstance(template.get("dag"), Mapping):
        tasks = list(template["dag"].get("tasks") or [])
    elif isinstance(template.get("steps"), list):
        tasks = [s for g in template["steps"] if isinstance(g, list) for s in g]
    hooks = [
        hook
        for task in tasks
        if isinstance(task, Mapping) and isinstance(task.get("hooks"), Mapping)
        for hook in task["hooks"].values()
    ]
    return tasks + hooks


def register_refs(ctx: DocContext, extra: list[Any] | None = None) -> list[str]:
    """A ``template_ref(...)`` variable per distinct ``templateRef`` of the tasks, steps and
    hooks (and of ``extra`` holders, such as workflow hooks).

    Returns:
        The lines defining them.
    """
    lines: list[str] = []
    found: dict[tuple[str, str, bool], str] = {}
    holders = [h for t in list(ctx.templates.values()) for h in _ref_holders(t)]
    for holder in holders + list(extra or []):
        ref = holder.get("templateRef") if isinstance(holder, Mapping) else None
        if not isinstance(ref, Mapping) or set(ref) - {"name", "template", "clusterScope"}:
            continue
        name, target = ref.get("name"), ref.get("template")
        cluster = ref.get("clusterScope", False)
        if not isinstance(name, str) or not isinstance(target, str) or cluster not in (True, False):
            continue
        key = (name, target, bool(cluster))
        if key not in found:
            base = target if ctx.module.names.free(identifier(target)) else f"{target}-ref"
            variable = ctx.module.names.take(base, fallback="ref")
            found[key] = variable
            ctx.variables[REF + variable] = variable
            kwargs = [("cluster_scope", "True")] if cluster else []
            function = ctx.module.use("template_ref")
            code = call(function, [literal(name), literal(target)], kwargs)
            lines.append(f"{variable} = {code}")
        ctx.ref_of[id(holder)] = REF + found[key]
    return lines


def graph_calls(template: Mapping[str, Any]) -> list[str]:
    """Names of the templates a ``dag``/``steps`` template calls by name (hooks included)."""
    found: list[str] = []
    tasks: list[Any] = []
    if isinstance(template.get("dag"), Mapping):
        tasks = list(template["dag"].get("tasks") or [])
    elif isinstance(template.get("steps"), list):
        tasks = [s for g in template["steps"] if isinstance(g, list) for s in g]
    for task in tasks:
        if not isinstance(task, Mapping):
            continue
        if isinstance(task.get("template"), str):
            found.append(task["template"])
        if isinstance(task.get("onExit"), str):
            found.append(task["onExit"])
        hooks = task.get("hooks")
        for hook in hooks.values() if isinstance(hooks, Mapping) else []:
            if isinstance(hook, Mapping) and isinstance(hook.get("template"), str):
                found.append(hook["template"])
    return found
