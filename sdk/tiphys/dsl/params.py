"""Template inputs read from a function's signature, and parameter values as Argo reads them.

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``Literal[...]`` (an ``enum``),
``list``/``dict`` (and ``list[T]``/``dict[K, V]``; passed as JSON), each optionally wrapped in
``Annotated[T, Param(...)]``. Every Argo parameter value is a string: ``True`` is ``"true"``,
``1e21`` is ``"1e+21"`` (exact), lists and dicts are compact JSON.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tiphys.argo.names import parameter_name_problem
from tiphys.dsl._location import definition_location, fail


class _Missing:
    """Type of :data:`MISSING`."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The default of a required input."""


@dataclass(frozen=True)
class Param:
    """Extra information about an input parameter, given with ``Annotated[T, Param(...)]``.

    Attributes:
        description: Shown by the Argo UI (``inputs.parameters[].description``).
        name: The Argo parameter name, when it must differ from the Python name.
        enum: Allowed values (``enum``); a ``Literal[...]`` annotation gives them too.
        value: A fixed value (``inputs.parameters[].value``): callers cannot pass another one,
            and the input is not required. Used by converted YAML.
        value_from: Where a fixed value comes from, as Argo's raw ``valueFrom`` dict
            (``{"configMapKeyRef": {"name": ..., "key": ...}}``); the input is not required.
    """

    description: str | None = None
    name: str | None = None
    enum: tuple[Any, ...] | None = None
    value: Any = None
    value_from: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class InputSpec:
    """One input parameter of a template.

    Attributes:
        py_name: The Python parameter name.
        name: The Argo parameter name (``inputs.parameters[].name``).
        type: The base annotation (``str``, ``int``, ``list``, a ``Literal``...).
        default: The default value, or :data:`MISSING` when the input is required.
        description: ``inputs.parameters[].description``.
        enum: ``inputs.parameters[].enum`` values, or ``None``.
        value: A fixed value (``inputs.parameters[].value``), or ``None``.
        value_from: A raw ``valueFrom`` dict, or ``None``.
    """

    py_name: str
    name: str
    type: Any
    default: Any = MISSING
    description: str | None = None
    enum: tuple[Any, ...] | None = None
    value: Any = None
    value_from: Mapping[str, Any] | None = None

    @property
    def required(self) -> bool:
        """True when a caller must pass the input: no default and no fixed value."""
        return self.default is MISSING and self.value is None and self.value_from is None


@dataclass(frozen=True)
class Input:
    """An input parameter declared as data rather than read from a signature.

    Used where there is no function to read: the raw :func:`tiphys.script` form
    (``inputs=[Input("message")]``) and a workflow's ``parameters=`` (``spec.arguments``).
    Callers pass it by its Argo name (``**{"my-param": x}`` when it is not an identifier).

    Attributes:
        name: The Argo parameter name (``[-a-zA-Z0-9_]+``).
        default: The default (``default``; for workflow ``parameters=``, the ``value``), or
            :data:`MISSING` when required.
        enum: Allowed values (``enum``), or ``None``.
        description: ``description``.
        value: A fixed value (``value``) that callers cannot override.
        value_from: A raw ``valueFrom`` dict (``{"configMapKeyRef": {...}}``).
        global_name: Also publish the value as ``workflow.outputs.parameters.<global_name>``
            (``globalName``).
    """

    name: str
    default: Any = MISSING
    enum: tuple[Any, ...] | None = None
    description: str | None = None
    value: Any = None
    value_from: Mapping[str, Any] | None = None
    global_name: str | None = None

    def __post_init__(self) -> None:
        problem = parameter_name_problem(self.name) if isinstance(self.name, str) else "bad"
        if problem:
            raise fail("C109", f"Input name {problem}")

    def spec(self) -> InputSpec:
        """The :class:`InputSpec` of this input (a ``str`` input named as given)."""
        enum = tuple(self.enum) if self.enum is not None else None
        return InputSpec(
            self.name,
            self.name,
            str,
            self.default,
            self.description,
            enum,
            self.value,
            self.value_from,
        )


_SIMPLE = (str, int, float, bool, list, dict)


def base_type(annotation: Any) -> Any:
    """Return the plain runtime type behind an annotation (``list[int]`` -> ``list``).

    Args:
        annotation: A type annotation.

    Returns:
        ``str``/``int``/``float``/``bool``/``list``/``dict``, ``str`` for ``Literal`` of strings,
        or ``None`` when the annotation is not one tiphys understands.
    """
    origin = typing.get_origin(annotation)
    if origin is Literal:
        kinds = {type(v) for v in typing.get_args(annotation)}
        return kinds.pop() if len(kinds) == 1 and kinds <= set(_SIMPLE) else str
    if origin in (list, dict):
        return origin
    if annotation in _SIMPLE:
        return annotation
    if annotation is Any:
        return str
    return None


def inputs_of(fn: Callable[..., Any], template: str) -> list[InputSpec]:
    """Read a function's signature as template inputs.

    Args:
        fn: The decorated function.
        template: The template's Argo name (for messages).

    Returns:
        One :class:`InputSpec` per parameter, in signature order; parameters that declare
        input artifacts (annotated ``Artifact``) are left out.

    Raises:
        CompileError: ``*args``/``**kwargs``, an unsupported annotation, a bad name, or a
            default that does not match its type.
    """
    import inspect

    from tiphys.dsl.artifacts import is_artifact_annotation

    where = definition_location(fn)
    hints = type_hints(fn, template)
    specs: list[InputSpec] = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise fail("C114", f"template {template!r}: *args and **kwargs cannot be inputs", where)
        inferred = type(p.default) if type(p.default) in _SIMPLE else str
        annotation = hints.get(p.name, inferred)
        if is_artifact_annotation(annotation):
            continue  # an input artifact: see tiphys.dsl.artifacts.artifact_inputs_of
        meta = Param()
        if typing.get_origin(annotation) is typing.Annotated:
            annotation, *extras = typing.get_args(annotation)
            meta = next((e for e in extras if isinstance(e, Param)), meta)
        kind = base_type(annotation)
        if kind is None:
            raise fail(
                "C114",
                f"template {template!r}: input {p.name!r} is annotated {annotation!r}; use str, "
                "int, float, bool, Literal[...], list or dict",
                where,
            )
        enum = meta.enum
        if typing.get_origin(annotation) is Literal:
            enum = typing.get_args(annotation)
        elif kind is bool and enum is None:
            # Conditions compare with 'true': Argo refuses `-p flag=True` at submission.
            enum = (True, False)
        name = meta.name or p.name
        problem = parameter_name_problem(name)
        if problem:
            raise fail("C109", f"template {template!r}: input name {problem}", where)
        default = MISSING if p.default is p.empty else p.default
        spec = InputSpec(
            p.name, name, annotation, default, meta.description, enum, meta.value, meta.value_from
        )
        if default is not MISSING:
            problem = literal_problem(spec, default)
            if problem:
                raise fail("C103", f"template {template!r}: default of {p.name!r} {problem}", where)
        specs.append(spec)
    return specs


def type_hints(obj: Any, template: str) -> dict[str, Any]:
    """Resolve a function's (or class's) annotations, or raise a located error.

    Args:
        obj: The function or class.
        template: Template name for the message.

    Returns:
        Annotations by name, ``Annotated`` extras kept.

    Raises:
        CompileError: An annotation names something that cannot be resolved (with
            ``from __future__ import annotations``, names imported inside a function are not
            visible): the message says to import it at module level.
    """
    try:
        return typing.get_type_hints(obj, include_extras=True)
    except NameError as exc:
        raise fail(
            "C114",
            f"template {template!r}: an annotation cannot be resolved ({exc}); import the names "
            "used in annotations at module level",
            definition_location(obj) if callable(obj) else None,
        ) from None


def literal_problem(spec: InputSpec, value: Any) -> str | None:
    """Say why a constant cannot be passed to an input, or return ``None``.

    Args:
        spec: The input.
        value: A Python constant given as argument or default.

    Returns:
        A phrase such as ``"is 'x' (str), but the input is int"``, or ``None`` when it fits.
    """
    kind = base_type(spec.type)
    ok: bool
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is str:
        ok = isinstance(value, str)
    elif kind is list:
        ok = isinstance(value, list | tuple)
    else:
        ok = isinstance(value, kind)
    if not ok:
        type_name = getattr(spec.type, "__name__", repr(spec.type))
        return f"is {value!r} ({type(value).__name__}), but the input is {type_name}"
    if spec.enum is not None and value not in spec.enum:
        allowed = ", ".join(repr(v) for v in spec.enum)
        return f"is {value!r}, which is not one of the allowed values ({allowed})"
    return None


def param_value(value: Any) -> str:
    """Write a Python constant as an Argo parameter value (always a string).

    Args:
        value: ``str``, ``bool``, ``int``, ``float``, ``list``, ``dict`` or ``None``.

    Returns:
        ``"true"``/``"false"`` for bools, ``repr`` for floats (exact: ``1e21`` -> ``"1e+21"``),
        compact JSON for lists and dicts, ``""`` for ``None``, the string itself otherwise.

    Raises:
        TypeError: The value has no parameter form (a Python object, a set...).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    raise TypeError(f"{type(value).__name__} {value!r} cannot be an Argo parameter value")
