"""References to values known only when the workflow runs, and the expressions built from them.

A :class:`Ref` stands for a parameter, a task's output, its status or a loop item. Refs are
compared with ``==``/``<``... to build :class:`Condition` objects (for ``.when()``), and a task's
status properties (``t.succeeded``) combine with ``|``, ``&`` and ``~`` into :class:`Depends`
expressions (for ``.after()``). Nothing here is rendered: the compiler turns refs into Argo text
(``{{tasks.a.outputs.result}}``, ``asInt(tasks.a.outputs.result) == 0``).

Formatting a ref into a string (``f"--tag={tag}"``) inserts a *marker* that the compiler replaces
with the ref's Argo text; markers also carry the data-flow dependency. Refs are keyed by identity.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

from tiphys.argo.expr_check import PHASES
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.params import base_type
from tiphys.errors import Location, did_you_mean

if TYPE_CHECKING:
    from tiphys.dsl.template import Builder, Task

MARK_START = "\x00tiphys-ref:"
MARK_END = "\x00"


def has_marker(value: Any) -> bool:
    """True when ``value`` is a string holding a formatted reference."""
    return isinstance(value, str) and MARK_START in value


_ids = itertools.count(1)
# Every ref by marker id while it lives, so that a message can show a marker as Argo text.
_LIVE: weakref.WeakValueDictionary[int, Ref] = weakref.WeakValueDictionary()
# A marker as is, or as ``repr`` writes it (``\\x00``) in a message quoting a user's value.
_MARK_RE = re.compile(r"(?:\x00|\\x00)tiphys-ref:(\d+)(?:\x00|\\x00)")


def readable(text: str) -> str:
    """``text`` with each marker written back as the Argo tag it stands for.

    Messages that show a user's value use it (through :func:`tiphys.dsl._location.fail`), so
    ``"echo " + x`` reads ``'echo {{inputs.parameters.x}}'``, never an internal marker.

    Args:
        text: Any text, possibly holding markers.

    Returns:
        The text with markers replaced (``{{...}}`` of a ref no longer alive: ``{{...}}``).
    """

    def tag(match: re.Match[str]) -> str:
        ref = _LIVE.get(int(match.group(1)))
        return ref.argo_text() if ref is not None else "{{...}}"

    return _MARK_RE.sub(tag, text)


class Trace:
    """A body being traced: the one piece of state the DSL keeps while it runs.

    Attributes:
        builder: Collects the tasks of a ``@dag``/``@steps`` body (``None`` while a
            ``@container`` or shell ``@script`` body runs symbolically).
        refs: The refs created meanwhile, by marker id; the compiler resolves the markers
            found in the body's strings through them.
    """

    __slots__ = ("builder", "refs")

    def __init__(self, builder: Builder | None) -> None:
        self.builder = builder
        self.refs: dict[int, Ref] = {}


_TRACE: ContextVar[Trace | None] = ContextVar("tiphys_trace", default=None)


def current_trace() -> Trace | None:
    """Return the trace running now, or ``None`` outside any traced body."""
    return _TRACE.get()


@contextmanager
def tracing(builder: Builder | None = None) -> Iterator[Trace]:
    """Trace a body inside the ``with`` block (the only time the context variable is set).

    Args:
        builder: Where template calls add tasks, or ``None`` for a symbolic run.

    Yields:
        The trace; read its refs after the block to resolve markers.
    """
    trace = Trace(builder)
    token = _TRACE.set(trace)
    try:
        yield trace
    finally:
        _TRACE.reset(token)


_RUNTIME_HINT = (
    "its value is only known when the workflow runs, so it cannot be used in Python logic at "
    "compile time. Pass it to a task as an argument, use it in an f-string, or compare it inside "
    ".when(...); to compute with it, do the work in a @script"
)


class Ref:
    """A value that exists only when the workflow runs.

    Attributes:
        type: The Python type declared for the value (``str``, ``int``...), or ``None``.
        description: Human-readable name used in error messages (``parameter 'tag'``).
    """

    __slots__ = ("__weakref__", "_id", "_what", "type")

    def __init__(self, type_: Any, description: str) -> None:
        self.type = type_
        self._what = description
        self._id = next(_ids)
        _LIVE[self._id] = self
        trace = _TRACE.get()
        if trace is not None:
            trace.refs[self._id] = self

    # -- what the compiler reads -------------------------------------------------------------
    @property
    def marker(self) -> str:
        """The marker string that stands for this ref inside formatted text."""
        return f"{MARK_START}{self._id}{MARK_END}"

    @property
    def description(self) -> str:
        """What the value is, for messages (``parameter 'tag' of template 'clone'``)."""
        return self._what

    def task(self) -> Task[Any] | None:
        """The task this value comes from (a data-flow dependency), if any."""
        return None

    def argo_text(self) -> str:
        """The Argo tag it stands for, for messages (``{{inputs.parameters.tag}}``)."""
        return f"{{{{{self._what}}}}}"

    # -- string building ---------------------------------------------------------------------
    def __str__(self) -> str:
        return self.marker

    def __format__(self, spec: str) -> str:
        if spec:
            raise fail(
                "C111", f"{self.description} cannot be formatted with {spec!r}: {_RUNTIME_HINT}"
            )
        return self.marker

    def __add__(self, other: object) -> str:
        if isinstance(other, str | Ref):
            return self.marker + str(other)
        raise fail("C111", f"{self.description} can only be joined with strings: {_RUNTIME_HINT}")

    def __radd__(self, other: object) -> str:
        if isinstance(other, str):
            return other + self.marker
        raise fail("C111", f"{self.description} can only be joined with strings: {_RUNTIME_HINT}")

    # -- comparisons build conditions ----------------------------------------------------------
    def __eq__(self, other: object) -> Condition:  # type: ignore[override]
        return Compare("==", self, other)

    def __ne__(self, other: object) -> Condition:  # type: ignore[override]
        return Compare("!=", self, other)

    def __lt__(self, other: object) -> Condition:
        return Compare("<", self, other)

    def __le__(self, other: object) -> Condition:
        return Compare("<=", self, other)

    def __gt__(self, other: object) -> Condition:
        return Compare(">", self, other)

    def __ge__(self, other: object) -> Condition:
        return Compare(">=", self, other)

    __hash__ = object.__hash__

    def is_in(self, values: list[Any] | tuple[Any, ...]) -> Condition:
        """Condition: the value is one of ``values`` (expr ``x in [...]``).

        Args:
            values: Constants (str, int, float, bool).

        Returns:
            A condition for ``.when()``.
        """
        return Compare("in", self, list(values))

    # -- everything else is a compile-time error ---------------------------------------------
    def _refuse(self, what: str) -> Any:
        raise fail("C111", f"{what} on {self.description}: {_RUNTIME_HINT}")

    def __bool__(self) -> bool:
        return bool(self._refuse("`if`/`and`/`or`/`not`"))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._refuse("iteration"))

    def __len__(self) -> int:
        return int(self._refuse("len()"))

    def __int__(self) -> int:
        return int(self._refuse("int()"))

    def __float__(self) -> float:
        return float(self._refuse("float()"))

    def __index__(self) -> int:
        return int(self._refuse("use as an index"))

    def __contains__(self, item: object) -> bool:
        return bool(self._refuse("`in`"))

    def __getitem__(self, key: object) -> Any:
        return self._refuse("indexing")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._refuse(f".{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._refuse("a call")

    def __abs__(self) -> Any:
        return self._refuse("abs()")

    def __round__(self, ndigits: int | None = None) -> Any:
        return self._refuse("round()")

    def __neg__(self) -> Any:
        return self._refuse("arithmetic (unary -)")

    def __pos__(self) -> Any:
        return self._refuse("arithmetic (unary +)")

    # -- bool values combine like conditions -----------------------------------------------
    def as_condition(self) -> Condition:
        """This ref as a condition (``ref == true``) when it is a bool, else a located error."""
        if self.type is not bool:
            raise fail(
                "C115",
                f"{self.description} is not a bool, so it is not a condition by itself; compare "
                "it: (x == 'value')",
            )
        return Compare("==", self, True)

    def __invert__(self) -> Condition:
        return Not(self.as_condition())

    def __and__(self, other: object) -> Condition:
        return BoolOp("&&", self.as_condition(), _as_condition(other))

    def __rand__(self, other: object) -> Condition:
        return BoolOp("&&", _as_condition(other), self.as_condition())

    def __or__(self, other: object) -> Condition:
        return BoolOp("||", self.as_condition(), _as_condition(other))

    def __ror__(self, other: object) -> Condition:
        return BoolOp("||", _as_condition(other), self.as_condition())

    def __repr__(self) -> str:
        return f"<{self.description}>"


def _arithmetic(symbol: str) -> Any:
    def refuse(self: Ref, other: object) -> Any:
        return self._refuse(f"arithmetic ({symbol})")

    return refuse


for _name, _symbol in (
    ("mul", "*"),
    ("sub", "-"),
    ("truediv", "/"),
    ("floordiv", "//"),
    ("mod", "%"),
    ("pow", "**"),
    ("lshift", "<<"),
    ("rshift", ">>"),
    ("xor", "^"),
    ("matmul", "@"),
):
    setattr(Ref, f"__{_name}__", _arithmetic(_symbol))
    setattr(Ref, f"__r{_name}__", _arithmetic(_symbol))


class InputRef(Ref):
    """An input parameter of the template being traced (``{{inputs.parameters.<name>}}``).

    Attributes:
        name: The Argo parameter name.
    """

    __slots__ = ("name",)

    def __init__(self, name: str, type_: Any, template: str) -> None:
        super().__init__(type_, f"parameter {name!r} of template {template!r}")
        self.name = name

    def argo_text(self) -> str:
        return f"{{{{inputs.parameters.{self.name}}}}}"


OutputField = Literal[
    "result", "parameter", "artifact", "exitCode", "status", "ip", "startedAt", "finishedAt"
]


class TaskRef(Ref):
    """A value produced by a task: its result, an output parameter, its status...

    Attributes:
        source: The task.
        field: Which value (``result``, ``parameter``, ``exitCode``, ``status``, ``ip``...).
        name: The output parameter's name when ``field == "parameter"``.
    """

    __slots__ = ("field", "name", "source")

    def __init__(self, source: Task[Any], field: OutputField, name: str, type_: Any) -> None:
        what = f"output {name!r}" if field == "parameter" else field
        super().__init__(type_, what)
        self.source = source
        self.field = field
        self.name = name

    @property
    def description(self) -> str:
        """What the value is, with the task's final name."""
        return f"{self._what} of task {self.source.name!r}"

    def task(self) -> Task[Any] | None:
        return self.source

    def argo_text(self) -> str:
        scope = "steps" if self.source.context == "steps" else "tasks"
        if self.field == "parameter":
            what = f"outputs.parameters.{self.name}"
        elif self.field == "artifact":
            what = f"outputs.artifacts.{self.name}"
        else:
            what = "outputs.result" if self.field == "result" else self.field
        return f"{{{{{scope}.{self.source.name}.{what}}}}}"


class ItemRef(Ref):
    """The current loop item of a ``.map()`` (``{{item}}`` or ``{{item.<key>}}``).

    Attributes:
        owner: The task whose loop the item belongs to (set when the task is created).
        path: Keys below the item (``it["name"]`` -> ``["name"]``).
    """

    __slots__ = ("location", "owner", "path")

    def __init__(self, path: tuple[str, ...] = ()) -> None:
        super().__init__(None, "the loop item")
        self.path = path
        self.owner: Task[Any] | None = None
        self.location = user_location()

    def argo_text(self) -> str:
        return "{{" + ".".join(("item", *self.path)) + "}}"

    def __getitem__(self, key: object) -> ItemRef:
        if not isinstance(key, str):
            raise fail("C111", "loop items can be indexed by string keys only (it['name'])")
        child = ItemRef((*self.path, key))
        child.owner = self.owner
        return child

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]


# ---------------------------------------------------------------------------------------------
# Conditions (``.when()``)
# ---------------------------------------------------------------------------------------------
_COND_HINT = (
    "a condition is evaluated when the workflow runs, not in Python: pass it to .when(...). "
    "To combine conditions use & (and), | (or) and ~ (not), and parenthesise each comparison "
    "because & and | bind tighter than ==: (a.result == 'x') & (b == 1); for membership use "
    "x.is_in([...]), not `x in [...]`"
)


class Condition:
    """A boolean expression evaluated by Argo when the workflow runs (a ``when``).

    Combine with ``&``, ``|`` and ``~``. Using one as a Python ``bool`` raises, which catches
    ``if ref == x:``, chained comparisons and ``and``/``or``.
    """

    __slots__ = ()
    location: Location

    def __and__(self, other: Condition) -> Condition:
        return BoolOp("&&", self, _as_condition(other))

    def __or__(self, other: Condition) -> Condition:
        return BoolOp("||", self, _as_condition(other))

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> bool:
        raise fail("C115", _COND_HINT)

    def refs(self) -> list[Ref]:
        """Every ref used in the condition, left to right."""
        raise NotImplementedError


def _kind(value: Any) -> Any:
    """The comparable type of one side: ``int``/``float`` count as one; ``None`` if unknown."""
    kind = base_type(value.type) if isinstance(value, Ref) else type(value)
    return float if kind is int else kind


def _describe(value: Any) -> str:
    return value.description if isinstance(value, Ref) else repr(value)


def _check_comparable(left: Any, right: Any, where: Location) -> None:
    """Refuse a comparison of values of two types (Argo's expr would never find them equal),
    and of list or dict values (Argo holds them as JSON text)."""
    for ref, value in ((left, right), (right, left)):
        if (
            isinstance(ref, TaskRef)
            and ref.field == "status"
            and isinstance(value, str)
            and value not in PHASES
            and MARK_START not in value
        ):
            raise fail(
                "C103",
                f"{ref.description} is compared with {value!r}, which is no node status "
                f"({', '.join(PHASES)}).{did_you_mean(value, PHASES)}",
                where,
            )
    for side in (left, right):
        kind = base_type(side.type) if isinstance(side, Ref) and side.type else None
        if kind in (list, dict):
            noun = "a list" if kind is list else "a dict"
            raise fail(
                "C103",
                f"{side.description} is {noun}: Argo holds it as JSON text, so comparing it "
                "never means what it says. Decide in a @script, or write the condition as a "
                'raw expression, e.g. "{{=len(fromJSON(tasks.x.outputs.result)) > 0}}"',
                where,
            )
    if isinstance(right, str) and MARK_START in right:
        right_kind: Any = str
    else:
        right_kind = _kind(right)
    left_kind = _kind(left)
    if None in (left_kind, right_kind) or left_kind is right_kind:
        return

    def named(value: Any, kind: Any) -> str:
        shown = type(value).__name__ if not isinstance(value, Ref) else None
        name = shown or getattr(base_type(value.type), "__name__", "?")
        return f"{_describe(value)} ({name})"

    raise fail(
        "C103",
        f"this condition compares {named(left, left_kind)} with {named(right, right_kind)}: it "
        "can never hold. Compare values of one type (int and float mix)",
        where,
    )


def _as_condition(value: object) -> Condition:
    if isinstance(value, Condition):
        return value
    if isinstance(value, Ref):
        return value.as_condition()
    raise fail("C115", f"cannot combine a condition with {value!r}; {_COND_HINT}")


class Compare(Condition):
    """``left <op> right`` where at least one side is a ref."""

    __slots__ = ("left", "location", "op", "right")

    def __init__(self, op: str, left: Any, right: Any) -> None:
        self.op, self.left, self.right = op, left, right
        self.location = user_location()
        for value in right if op == "in" else [right]:
            _check_comparable(left, value, self.location)

    def __repr__(self) -> str:
        return f"<condition: {_describe(self.left)} {self.op} {_describe(self.right)}>"

    def refs(self) -> list[Ref]:
        out = [v for v in (self.left, self.right) if isinstance(v, Ref)]
        if isinstance(self.right, Condition):
            out.extend(self.right.refs())
        return out


class BoolOp(Condition):
    """``left && right`` or ``left || right``."""

    __slots__ = ("left", "location", "op", "right")

    def __init__(self, op: str, left: Condition, right: Condition) -> None:
        self.op, self.left, self.right = op, left, right
        self.location = user_location()

    def refs(self) -> list[Ref]:
        return self.left.refs() + self.right.refs()


class Not(Condition):
    """``!operand``."""

    __slots__ = ("location", "operand")

    def __init__(self, operand: Condition) -> None:
        self.operand = operand
        self.location = user_location()

    def refs(self) -> list[Ref]:
        return self.operand.refs()


# ---------------------------------------------------------------------------------------------
# Status dependencies (``.after()``), Argo's enhanced ``depends``
# ---------------------------------------------------------------------------------------------
DependsStatus = Literal[
    "Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed"
]


class Depends:
    """A status expression for Argo's enhanced ``depends`` (``a.Succeeded || b.Failed``).

    Build with a task's status properties (``t.succeeded``, ``t.failed``...) and ``|``, ``&``,
    ``~``; pass to ``.after()``.
    """

    __slots__ = ()

    def __or__(self, other: Depends) -> Depends:
        return DependsOp("||", self, _as_depends(other))

    def __and__(self, other: Depends) -> Depends:
        return DependsOp("&&", self, _as_depends(other))

    def __invert__(self) -> Depends:
        return DependsNot(self)

    def __bool__(self) -> bool:
        raise fail("C115", "a status expression is evaluated by Argo: pass it to .after(...)")

    def tasks(self) -> list[Task[Any]]:
        """Every task named in the expression, left to right."""
        raise NotImplementedError


def _as_depends(value: object) -> Depends:
    if isinstance(value, Depends):
        return value
    from tiphys.dsl.template import Task

    if isinstance(value, Task):
        return DependsTerm(value, None)
    raise fail("C115", f"cannot combine a status expression with {value!r}")


class DependsTerm(Depends):
    """One task's status; ``status=None`` is Argo's bare name (Succeeded, Skipped or Daemoned)."""

    __slots__ = ("source", "status")

    def __init__(self, source: Task[Any], status: DependsStatus | None) -> None:
        self.source, self.status = source, status

    def tasks(self) -> list[Task[Any]]:
        return [self.source]


class DependsOp(Depends):
    """``left || right`` or ``left && right``."""

    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Depends, right: Depends) -> None:
        self.op, self.left, self.right = op, left, right

    def tasks(self) -> list[Task[Any]]:
        return self.left.tasks() + self.right.tasks()


class DependsNot(Depends):
    """``!operand``."""

    __slots__ = ("operand",)

    def __init__(self, operand: Depends) -> None:
        self.operand = operand

    def tasks(self) -> list[Task[Any]]:
        return self.operand.tasks()
