"""The base of artifact locations: :class:`ArtifactLocation`, the mechanism its subclasses share
(field checks, the Argo dict), and :data:`LOCATION_KEYS`.

Kept apart from :mod:`tiphys.dsl.locations` so that code which only recognises a location does
not load the concrete classes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal

from tiphys.dsl._location import fail
from tiphys.dsl.options import ConfigMap, Secret
from tiphys.dsl.refs import MARK_START, Ref

Render = Callable[[Any], str]
"""Writes one text value (a string that may hold reference markers, or a reference) as Argo
text; given by the compiler when a location is rendered inside a traced body."""

_CONVERT = "tiphys.convert"
_ARGO = "tiphys.argo"


def field_meta(
    argo: str | None = None, convert: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """Field metadata: write the field under ``argo`` (a dotted path for nested objects;
    default: the field name in camel case), through ``convert`` when given."""
    metadata: dict[str, Any] = {}
    if argo is not None:
        metadata[_ARGO] = argo
    if convert is not None:
        metadata[_CONVERT] = convert
    return metadata


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _plain(value: Any) -> str:
    """Default text writer: plain strings only (references need the compiler's writer)."""
    if isinstance(value, Ref) or (isinstance(value, str) and MARK_START in value):
        raise fail(
            "C138",
            "a reference is used in an artifact location outside a @dag or @steps body; "
            "references can be formatted into a location only where the task is called",
        )
    return str(value)


_NAMES = {str: "text", int: "an integer", bool: "True or False"}


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(hint) if a is not type(None)]
        return " or ".join(_describe(a) for a in arms)
    if origin is Literal:
        return " or ".join(repr(v) for v in typing.get_args(hint))
    if origin in (Sequence, list, tuple):
        return f"a list of {_describe(typing.get_args(hint)[0])}"
    if origin in (Mapping, dict):
        return "a dict of str to str"
    if hint is Secret:
        return "a Secret(name, key)"
    if hint is ConfigMap:
        return "a ConfigMap(name, key)"
    return _NAMES.get(hint) or str(getattr(hint, "__name__", hint))


def _fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits a field annotation (text fields also take references)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        return value in args
    if args and origin not in (Sequence, list, tuple, Mapping, dict):  # a union
        return any(_fits(value, arm) for arm in args)
    if origin in (Sequence, list, tuple):
        return isinstance(value, list | tuple) and all(_fits(v, args[0]) for v in value)
    if origin in (Mapping, dict):
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and _fits(v, args[1]) for k, v in value.items()
        )
    if hint is type(None):
        return value is None
    if hint is str:
        return isinstance(value, str | Ref)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is bool:
        return isinstance(value, bool)
    return isinstance(value, hint)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


class ArgoObject:
    """Shared mechanism of every location and HTTP auth class: type checks of the fields when
    created, and the Argo dict from the fields (``argo`` metadata names nested keys)."""

    argo_key: ClassVar[str]
    """The key the object is written under (``s3``, ``git``, ``basicAuth``...)."""

    def __post_init__(self) -> None:
        name = type(self).__name__
        hints = _hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            hint = hints[f.name]
            if not _fits(value, hint):
                secret = hint is Secret or Secret in typing.get_args(hint)
                why = (
                    ": credentials come from a Kubernetes Secret and are never written into the "
                    "spec"
                    if secret and isinstance(value, str)
                    else ""
                )
                raise fail(
                    "C138",
                    f"{name} {f.name} must be {_describe(hint)}, not {value!r}{why}",
                )
            if isinstance(value, list):  # frozen: keep sequences immutable
                object.__setattr__(self, f.name, tuple(value))
            if isinstance(value, str) and not value and f.default is dataclasses.MISSING:
                raise fail("C138", f"{name} {f.name} must not be empty")
        self.check()

    def check(self) -> None:
        """Checks across fields (per class); raise ``C138`` through ``fail``."""

    def __repr__(self) -> str:
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        shown = [
            repr(getattr(self, f.name))
            if f.kw_only is False
            else f"{f.name}={getattr(self, f.name)!r}"
            for f in fields
            if getattr(self, f.name) is not None
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    def fields_argo(self, render: Render | None = None) -> dict[str, Any]:
        """The object's own fields as Argo writes them (without the ``argo_key`` level).

        Args:
            render: Writes text values; default: plain strings (references refused).

        Returns:
            The fields that are set, nested along their dotted Argo names.
        """
        write = render or _plain
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None:
                continue
            convert = f.metadata.get(_CONVERT)
            value = convert(value) if convert is not None else value
            if value is None:
                continue
            *parents, leaf = f.metadata.get(_ARGO, _camel(f.name)).split(".")
            target = out
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = _value(value, write)
        return out

    def to_argo(self, render: Render | None = None) -> dict[str, Any]:
        """The object as Argo reads it: ``{argo_key: {...fields}}``.

        Args:
            render: Writes text values (the compiler passes one inside traced bodies);
                default: plain strings only.

        Returns:
            A one-key dict, e.g. ``{"s3": {"key": "a.txt", "bucket": "data"}}``.

        Raises:
            CompileError: A reference in a text field without ``render`` (C138).
        """
        return {self.argo_key: self.fields_argo(render)}


def _value(value: Any, write: Render) -> Any:
    if isinstance(value, Secret | ConfigMap):
        selector: dict[str, Any] = {"name": value.name, "key": value.key}
        if value.optional:
            selector["optional"] = True
        return selector
    if isinstance(value, ArgoObject):
        return value.to_argo(write)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, dict):
        return {k: _value(v, write) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v, write) for v in value]
    return write(value)


class ArtifactLocation(ArgoObject):
    """Base class of the artifact locations (:class:`S3`, :class:`Git`, :class:`RawArtifact`...).

    Use one as an artifact's ``location=``, a task argument of an artifact input, a template's
    ``archive_location=`` or a ``@data`` source. ``to_argo()`` gives ``{"<kind>": {...}}``.
    """


LOCATION_KEYS = ("s3", "gcs", "azure", "oss", "git", "http", "artifactory", "raw", "hdfs", "plugin")
"""The fields of Argo's ``Artifact`` that hold a location (exactly one per artifact, or none)."""

__all__ = ["LOCATION_KEYS", "ArgoObject", "ArtifactLocation", "Render", "field_meta"]
