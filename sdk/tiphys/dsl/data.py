"""``@data``: a template that lists the files of an artifact location and transforms the list
(a ``data`` template); ``task.result`` is the resulting JSON list, ready for ``.map()``.

Each transformation is an expr-lang expression over ``data`` (the list so far):
:class:`Filter` keeps the items for which a predicate over ``#`` (the item) holds, :class:`Map`
replaces each item by an expression over ``#``; a raw string is used as the whole expression.

Code: ``C128`` a source that is no artifact location, or a transformation that is no expression.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, Unpack

from tiphys.argo.expr_check import expression_problem
from tiphys.dsl._keywords import checked_decorator, checked_init
from tiphys.dsl._location import definition_location, fail, user_location
from tiphys.dsl.fields import parse_fields_in, signature_names
from tiphys.dsl.leaf import ExecutorOptionsKw, KindTemplate, check_empty_body
from tiphys.errors import Location

P = ParamSpec("P")

LOCATION_FIELDS = (
    "s3",
    "gcs",
    "azure",
    "oss",
    "git",
    "http",
    "artifactory",
    "hdfs",
    "raw",
    "plugin",
)
"""The fields of an Argo ``Artifact`` that name where it is stored."""
SOURCE_NAME = "source"
"""``artifactPaths.name`` when the source does not give one (Argo requires a name)."""


class LocationLike(Protocol):
    """An artifact location object: anything whose ``to_argo()`` gives the location dict
    (``{"s3": {...}}``), such as the classes of ``tiphys`` artifact locations."""

    def to_argo(self) -> Mapping[str, Any]:
        """Return the location dict."""
        ...


Source = LocationLike | Mapping[str, Any]


def _expression(text: object, what: str, where: Location) -> str:
    if not isinstance(text, str) or not text.strip():
        raise fail("C128", f"{what} must be a non-empty expr-lang string, not {text!r}", where)
    problem = expression_problem(text)
    if problem:
        raise fail("C128", f"{what} {text!r}: {problem}", where)
    return text


def _block(text: str) -> str:
    """``{<text>}``, spaced where the text's own braces would make ``{{``/``}}``."""
    return (
        "{"
        + (" " if text.startswith("{") else "")
        + text
        + (" " if text.endswith("}") else "")
        + "}"
    )


@checked_init
@dataclass(frozen=True)
class Filter:
    """Keep the items for which ``predicate`` holds: ``filter(data, {<predicate>})``.

    Attributes:
        predicate: expr-lang condition over ``#`` (the item, a path), e.g.
            ``"# endsWith '.log'"`` or ``"# matches '^logs/2026-'"``.

    Raises:
        CompileError: ``C128`` an empty or non-string predicate.
    """

    predicate: str
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        _expression(self.predicate, "Filter predicate", self.location)

    def to_argo(self) -> dict[str, str]:
        """Return the ``transformation[]`` entry."""
        return {"expression": f"filter(data, {_block(self.predicate)})"}


@checked_init
@dataclass(frozen=True)
class Map:
    """Replace each item by ``expression``: ``map(data, {<expression>})``.

    Attributes:
        expression: expr-lang expression over ``#`` (the item), e.g. ``"trimPrefix(#, 'logs/')"``.

    Raises:
        CompileError: ``C128`` an empty or non-string expression.
    """

    expression: str
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        _expression(self.expression, "Map expression", self.location)

    def to_argo(self) -> dict[str, str]:
        """Return the ``transformation[]`` entry."""
        return {"expression": f"map(data, {_block(self.expression)})"}


Transformation = Filter | Map | str


def source_argo(source: object, what: str, where: Location) -> dict[str, Any]:
    """The ``data.source.artifactPaths`` dict of a source.

    Args:
        source: An object with ``to_argo()`` giving a location dict (``{"s3": {...}}``) or a
            whole artifact dict (with ``name``), or such a dict itself.
        what: The template, for messages.
        where: Location for errors.

    Returns:
        The artifact dict, with ``name`` first (``"source"`` unless given).

    Raises:
        CompileError: ``C128`` the source names no location, or several.
    """
    to_argo = getattr(source, "to_argo", None)
    raw = to_argo() if callable(to_argo) else source
    if not isinstance(raw, Mapping):
        raise fail(
            "C128",
            f"{what}: source must be an artifact location (S3(...), GCS(...), ... or a dict "
            f"such as {{'s3': {{...}}}}), not {source!r}",
            where,
        )
    found = [key for key in LOCATION_FIELDS if key in raw]
    if len(found) != 1:
        given = ", ".join(found) if found else "none"
        raise fail(
            "C128",
            f"{what}: source must name exactly one location ({', '.join(LOCATION_FIELDS)}); it "
            f"names {given}",
            where,
        )
    return {"name": raw.get("name", SOURCE_NAME), **{k: v for k, v in raw.items() if k != "name"}}


class DataTemplate(KindTemplate[P, list[str]]):
    """A ``data`` template; see :func:`data`.

    Attributes:
        source: The ``artifactPaths`` dict.
        transformations: The ``transformation`` list.
    """

    kind = "data"
    scopes = frozenset({"node", "leaf", "pod"})
    refusal = "a data template runs Argo's own executor, not a container of yours"

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        source: Source,
        transformations: Sequence[Transformation],
        name: str | None,
        inline: bool,
        options: ExecutorOptionsKw,
    ) -> None:
        super().__init__(fn, name=name, inline=inline, options=options)
        where = definition_location(fn)
        what = f"@data {self.name!r}"
        self.source = source_argo(source, what, where)
        names = signature_names(fn)
        self.source_fields = parse_fields_in(self.source, names, f"{what} source", where)
        if isinstance(transformations, str) or not isinstance(transformations, Sequence):
            raise fail(
                "C128",
                f"{what}: transformations must be a list of Filter(...), Map(...) or "
                f"expression strings, not {transformations!r}",
                where,
            )
        self.transformations: list[dict[str, str]] = []
        for i, step in enumerate(transformations):
            if isinstance(step, Filter | Map):
                self.transformations.append(step.to_argo())
            else:
                text = _expression(step, f"{what}: transformation {i}", where)
                self.transformations.append({"expression": text})
        check_empty_body(
            self, "reads its source and applies its transformations (Argo never runs its body)"
        )

    @property
    def result_type(self) -> Any:
        """The result is a JSON list."""
        return list

    @property
    def result_is_json(self) -> bool:
        """The result is always JSON (a list), so loops over it aggregate."""
        return True


@checked_decorator
def data(
    *,
    source: Source,
    transformations: Sequence[Transformation],
    name: str | None = None,
    inline: bool = False,
    **options: Unpack[ExecutorOptionsKw],
) -> Callable[[Callable[P, Any]], DataTemplate[P]]:
    """Make a ``data`` template: list the files under an artifact location, then transform.

    The body is never run: it holds only a docstring. ``task.result`` is the JSON list the
    transformations leave (paths as strings unless a :class:`Map` makes something else); loop
    over it with ``process.map(over=files.result, path=lambda it: it)``.

    Args:
        source: Where the files are: an artifact location object (``S3("logs/",
            bucket=...)``...; any object whose ``to_argo()`` gives ``{"s3": {...}}``), or that
            dict itself (``data.source.artifactPaths``; its ``name`` is ``"source"`` unless
            given). Its texts may name the function's parameters as ``{param}`` fields
            (``S3("{prefix}/logs")``), written as ``{{inputs.parameters.prefix}}``.
        transformations: Applied in order (``data.transformation[].expression``):
            :class:`Filter`, :class:`Map` or raw expr-lang strings over ``data``.
        name: Template name; default: the function name in kebab case.
        inline: Emit the template inline in the tasks that use it.
        **options: Common options for the node and its pod (``retry``, ``timeout``,
            ``node_selector``, ``service_account``...); container options are refused.

    Returns:
        A decorator producing a :class:`DataTemplate`; calling it in a ``@dag`` returns a
        ``Task[list[str]]``.

    Raises:
        CompileError: ``C128`` a bad source or transformation; ``C124`` a ``{field}`` in the
            source that names no parameter; ``C123`` an option that does not apply; ``C129`` a
            body with code.
    """

    def decorate(fn: Callable[P, Any]) -> DataTemplate[P]:
        return DataTemplate(
            fn,
            source=source,
            transformations=transformations,
            name=name,
            inline=inline,
            options=options,
        )

    return decorate
