"""Rendering references, conditions and status expressions as Argo text.

Two spellings of a reference: the template tag (``{{tasks.build.outputs.result}}``) used in
arguments and env, and the expr-lang form (``tasks.build.outputs.result``) used inside
``{{= ... }}`` conditions, where numbers are read with ``asInt``/``asFloat`` per declared type.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

from tiphys.argo import expr
from tiphys.dsl._location import fail
from tiphys.dsl.artifacts import ArtifactRef, InputArtifactRef, TaskArtifactRef
from tiphys.dsl.params import base_type, param_value
from tiphys.dsl.refs import (
    MARK_END,
    MARK_START,
    BoolOp,
    Compare,
    Condition,
    Depends,
    DependsNot,
    DependsOp,
    DependsTerm,
    InputRef,
    ItemRef,
    Not,
    Ref,
    TaskRef,
    Trace,
)
from tiphys.dsl.template import Task
from tiphys.errors import Location, did_you_mean

_MARK_RE = re.compile(re.escape(MARK_START) + r"(\d+)" + re.escape(MARK_END))
# Task values that are not outputs: ``{{tasks.<name>.<field>}}``.
_NODE_FIELDS = frozenset({"exitCode", "status", "ip", "startedAt", "finishedAt"})


def split_markers(text: str, scope: Trace, where: Location) -> Iterator[str | Ref]:
    """Split text into literal pieces and the refs its markers stand for.

    Args:
        text: A string that may hold markers.
        scope: The refs of the body the text was built in.
        where: Location for the error.

    Yields:
        Strings and refs, in order.

    Raises:
        CompileError: A marker of a ref created in another body.
    """
    pos = 0
    for match in _MARK_RE.finditer(text):
        if match.start() > pos:
            yield text[pos : match.start()]
        ref = scope.refs.get(int(match.group(1)))
        if ref is None:
            raise fail(
                "C106",
                "a value from another template's body was formatted into this one; pass it as "
                "an argument instead",
                where,
            )
        yield ref
        pos = match.end()
    if pos < len(text):
        yield text[pos:]


def refs_in(value: Any, scope: Trace, where: Location) -> list[Ref]:
    """Every ref inside an argument value (a ref, a string with markers, lists, dicts)."""
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, str):
        return [p for p in split_markers(value, scope, where) if isinstance(p, Ref)]
    if isinstance(value, list | tuple):
        return [r for v in value for r in refs_in(v, scope, where)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in refs_in(v, scope, where)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # locations, artifacts
        return [
            r
            for f in dataclasses.fields(value)
            for r in refs_in(getattr(value, f.name), scope, where)
        ]
    return []


def _check_item_key(ref: ItemRef, items: list[Any]) -> None:
    """The first key of ``it["key"]`` must exist in the constant items of ``withItems``."""
    key = ref.path[0]
    if not all(isinstance(item, dict) for item in items):
        raise fail(
            "C116",
            f"the loop items are not objects, so item {key!r} does not exist: use the item "
            "itself (lambda it: it)",
            ref.location,
        )
    if all(key in item for item in items):
        return
    keys = list(dict.fromkeys(k for item in items for k in item))
    raise fail(
        "C116",
        f"the loop items have no key {key!r} (keys: {', '.join(keys)}).{did_you_mean(key, keys)}",
        ref.location,
    )


def _check_result(ref: TaskRef, where: Location) -> None:
    """``task.result`` must exist, and aggregate, for the template the task runs."""
    task, template = ref.source, ref.source.template
    if template.result_parameter is not None:
        return
    if not template.produces_result:
        raise fail(
            "C107",
            f"result of task {task.name!r} is used, but a @{template.kind} template has no "
            f"result: use its outputs ({', '.join(template.outputs) or 'none'})",
            where,
        )
    if template.kind in ("dag", "steps") and template.outputs:
        names = list(template.outputs)
        raise fail(
            "C107",
            f"result of task {task.name!r} is used, but @{template.kind} {template.name!r} "
            f"returns outputs {', '.join(names)} (a dict), not one value: use "
            f".outputs.{names[0].replace('-', '_')}",
            where,
        )
    if template.kind in ("dag", "steps"):
        raise fail(
            "C107",
            f"result of task {task.name!r} is used, but @{template.kind} {template.name!r} "
            "returns no value: return one from its body (return t.result)",
            where,
        )
    if task.loop is not None and not template.result_is_json:
        raise fail(
            "C121",
            f"result of task {task.name!r} is used, but that task loops over a template whose "
            "standard output need not be JSON, and Argo fails the workflow when it cannot read "
            "every iteration's result as JSON. Declare an output parameter "
            "(outputs={'name': '/path'}) and use .outputs.name, which Argo collects as a JSON "
            "list of strings, or return the value from a Python @script",
            where,
        )


class RefRenderer:
    """Renders the refs of one traced body.

    Args:
        scope: The refs created while the body ran.
        tasks: Tasks of the body by identity (``None`` for container/script bodies).
        template: Name of the template being rendered (for messages).
    """

    def __init__(self, scope: Trace, tasks: dict[int, Task[Any]] | None, template: str) -> None:
        self.scope = scope
        self.tasks = tasks or {}
        self.leaf = tasks is None  # a container/script body: input artifacts are paths
        self.template = template
        self.current: Task[Any] | None = None

    # -- checks ---------------------------------------------------------------------------
    def _check(self, ref: Ref, where: Location, artifact: bool = False) -> None:
        if not artifact and isinstance(ref, TaskArtifactRef | InputArtifactRef) and not self.leaf:
            raise fail(
                "C140",
                f"{ref.description} is an artifact (a file), not a value: pass it to an artifact "
                "input of a task (name: Artifact); a template that needs its contents as text "
                "reads the file",
                where,
            )
        if isinstance(ref, ItemRef) and (self.current is None or ref.owner is not self.current):
            raise fail(
                "C116",
                "a loop item is used outside the .map() that created it; use it only in that "
                "map's arguments (x=lambda it: it['name'])",
                where,
            )
        if isinstance(ref, ItemRef) and len(ref.path) > 1:
            first, dotted = ref.path[0], ".".join(("item", *ref.path))
            raise fail(
                "C116",
                f"Argo defines {{{{item}}}} and {{{{item.<key>}}}} only, not {dotted}: pass "
                f"it[{first!r}] to a dict input and read {ref.path[1]!r} there",
                ref.location,
            )
        loop = self.current.loop if self.current is not None else None
        if isinstance(ref, ItemRef) and ref.path and loop is not None and loop.kind == "items":
            _check_item_key(ref, loop.value)
        if isinstance(ref, TaskRef) and ref.field == "result":
            _check_result(ref, where)
        if isinstance(ref, TaskRef) and id(ref.source) not in self.tasks:
            raise fail(
                "C106",
                f"{ref.description} is used in template {self.template!r}, but that task is not "
                f"part of it; pass the value in as an input parameter",
                where,
            )

    def artifact_tag(self, ref: ArtifactRef, where: Location) -> str:
        """The ``{{...}}`` naming an artifact, for a ``from`` (``{{tasks.a.outputs.artifacts.x}}``,
        ``{{inputs.artifacts.x}}``).

        Raises:
            CompileError: A task of another body (C106).
        """
        self._check(ref, where, artifact=True)
        return "{{" + ref.from_path() + "}}"

    # -- template tags ---------------------------------------------------------------------
    def tag_path(self, ref: Ref) -> str:
        """The variable inside ``{{ }}`` (``inputs.parameters.tag``)."""
        if isinstance(ref, InputArtifactRef):
            return f"inputs.artifacts.{ref.name}.path"
        if isinstance(ref, TaskArtifactRef):
            return ref.from_path()
        if isinstance(ref, InputRef):
            return f"inputs.parameters.{ref.name}"
        if isinstance(ref, ItemRef):
            return ".".join(("item", *ref.path))
        if isinstance(ref, TaskRef):
            task = ref.source
            base = f"{'tasks' if task.context == 'dag' else 'steps'}.{task.name}"
            if ref.field in _NODE_FIELDS:
                return f"{base}.{ref.field}"
            if ref.field == "result":
                return f"{base}.{self._result_path(task)}"
            return f"{base}.outputs.parameters.{ref.name}"
        raise TypeError(f"unknown reference {ref!r}")

    @staticmethod
    def _result_path(task: Task[Any]) -> str:
        """``outputs.result``, or the result parameter for loops of ``str`` results (their
        aggregate must be JSON) and for ``@dag``/``@steps`` (which have no ``result``)."""
        param = task.template.result_parameter
        if param is not None and (task.loop is not None or task.template.kind in ("dag", "steps")):
            return f"outputs.parameters.{param}"
        return "outputs.result"

    def text(self, value: Any, where: Location, sub: Callable[[Ref], str] | None = None) -> str:
        """Render an argument value as an Argo string.

        Args:
            value: A ref, a string (markers replaced), or a constant (``param_value``).
            where: Location for errors.
            sub: How to write a ref (default: its ``{{...}}`` tag).

        Returns:
            The parameter value text.

        Raises:
            CompileError: A misused ref, or a value with no parameter form.
        """
        write = sub or (lambda r: "{{" + self.tag_path(r) + "}}")
        if isinstance(value, Ref):
            self._check(value, where)
            return write(value)
        if isinstance(value, str):
            if MARK_START not in value:
                return value
            out = []
            for piece in split_markers(value, self.scope, where):
                if isinstance(piece, Ref):
                    self._check(piece, where)
                    out.append(write(piece))
                else:
                    out.append(piece)
            return "".join(out)
        try:
            if refs_in(value, self.scope, where):
                raise fail(
                    "C111",
                    "references inside a list or dict argument are not supported; pass the "
                    "reference itself or build a string with an f-string",
                    where,
                )
            return param_value(value)
        except TypeError as exc:
            raise fail("C103", str(exc), where) from None

    # -- expr -------------------------------------------------------------------------------
    def expr_path(self, ref: Ref, where: Location) -> str:
        """The expr-lang spelling of a ref (``tasks['run-tests'].outputs.result``)."""
        self._check(ref, where)
        parts = self.tag_path(ref).split(".")
        text = parts[0]
        for part in parts[1:]:
            text = expr.member(text, part)
        return text

    def _operand(self, value: Any, other: Any, where: Location) -> str:
        if isinstance(value, Ref):
            path = self.expr_path(value, where)
            kind = base_type(value.type) if value.type is not None else None
            if kind is None and not isinstance(other, Ref) and not isinstance(other, bool):
                kind = type(other) if isinstance(other, int | float) else None
            if kind is int:
                return f"asInt({path})"
            if kind is float:
                return f"asFloat({path})"
            return path
        if isinstance(value, bool):
            return expr.string_literal("true" if value else "false")
        if isinstance(value, str) and MARK_START in value:
            return " + ".join(
                self.expr_path(p, where) if isinstance(p, Ref) else expr.string_literal(p)
                for p in split_markers(value, self.scope, where)
            )
        try:
            return expr.literal(value)
        except TypeError:
            raise fail("C103", f"{value!r} cannot be used in a condition", where) from None

    def condition_expr(self, cond: Condition) -> str:
        """The expr-lang text of a condition (no ``{{= }}`` around it)."""
        if isinstance(cond, Compare):
            left = self._operand(cond.left, cond.right, cond.location)
            if cond.op == "in":
                items = ", ".join(self._operand(v, cond.left, cond.location) for v in cond.right)
                return f"{left} in [{items}]"
            right = self._operand(cond.right, cond.left, cond.location)
            return f"{left} {cond.op} {right}"
        if isinstance(cond, BoolOp):
            return (
                f"({self.condition_expr(cond.left)}) {cond.op} ({self.condition_expr(cond.right)})"
            )
        if isinstance(cond, Not):
            return f"!({self.condition_expr(cond.operand)})"
        raise TypeError(f"unknown condition {cond!r}")

    def when(self, cond: Condition | str) -> str:
        """Render a ``when``: ``{{=<expr>}}`` for conditions; a raw string unchanged."""
        if isinstance(cond, str):
            return cond
        return "{{=" + self.condition_expr(cond) + "}}"


def depends_text(item: Depends) -> str:
    """Render a status expression in Argo's enhanced ``depends`` syntax."""
    if isinstance(item, DependsTerm):
        return item.source.name + (f".{item.status}" if item.status else "")
    if isinstance(item, DependsOp):
        return f"({depends_text(item.left)} {item.op} {depends_text(item.right)})"
    if isinstance(item, DependsNot):
        return f"!{depends_text(item.operand)}"
    raise TypeError(f"unknown status expression {item!r}")
