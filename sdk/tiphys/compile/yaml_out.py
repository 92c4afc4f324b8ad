"""Manifests as text: YAML the way Argo and kubectl read it, and JSON.

The compiler builds manifests as plain ``dict``/``list``/``str`` trees; this module turns them
into text. Two readers matter and they disagree: Argo's server and ``kubectl`` read YAML with a
Go library that still follows YAML 1.1 in places (``y``/``n``/``on``/``off`` are booleans,
``2026-1-1`` is a timestamp, ``08`` is a number), while other tools read YAML 1.2
(``0o17``, ``1e21``). A string that *either* would read as something else is quoted, so that a
parameter value ``"0755"`` or ``"y"`` reaches Argo as the same string.

PyYAML is imported only when text is produced (``import tiphys`` stays cheap). The dumper is
PyYAML's libyaml-backed ``CSafeDumper`` when libyaml is installed and the pure-Python
``SafeDumper`` otherwise (also used for text with emoji, which libyaml would escape). Both give
the same text for manifests; they differ only on odd keys (``""``, keys holding ``"\\r"``), which
both write in a form that reads back the same.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence, Set
from typing import Any

from tiphys._gc import gc_paused

__all__ = ["to_json", "to_yaml"]

# Wide enough that libyaml never folds a long string over several lines (a folded plain or
# quoted scalar still loads correctly, but is hard to read and to diff).
_WIDTH = 2**31 - 1

# Plain scalars that some YAML reader resolves to a non-string, beyond what PyYAML's own YAML 1.1
# resolver already catches. Each entry: (tag, regular expression, first characters). The tag
# only has to differ from ``!!str``: the emitter then quotes the string.
#
# * YAML 1.1 booleans PyYAML leaves out and Go's yaml (used by Argo and kubectl) keeps.
# * Numbers as Go's yaml reads them (underscores anywhere, ``0x``/``0o``/``0b`` in either case,
#   leading zeros such as ``08`` read as decimal floats) and YAML 1.2 floats, whose exponent sign
#   is optional (``1e21``, ``1.5E3``, ``.5e3``).
# * Timestamps with one-digit month, day or time fields (``2026-1-1``), which Go's yaml parses.
# * Underscore-only "numbers" (``._``, ``+_``) that ruamel.yaml takes for numbers.
_EXTRA_RESOLVERS: tuple[tuple[str, str, str], ...] = (
    ("tag:yaml.org,2002:bool", r"(?:y|Y|n|N)\Z", "yYnN"),
    (
        "tag:yaml.org,2002:int",
        r"[-+]?_*(?:0_*[xX][0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*"
        r"|0_*[oO][0-7_]*[0-7][0-7_]*"
        r"|0_*[bB][01_]*[01][01_]*)\Z",
        "-+0",
    ),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?_*(?:\.[0-9_]*[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)"
        r"(?:[eE][-+]?[0-9_]*[0-9][0-9_]*)?\Z",
        "-+.0123456789",
    ),
    # ruamel.yaml, a common YAML 1.2 reader, resolves these as numbers and then fails on them.
    ("tag:yaml.org,2002:float", r"[-+]?\.[0-9_]+\Z|[-+][0-9_]+\Z", "-+."),
    (
        "tag:yaml.org,2002:timestamp",
        r"[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt \t].*)?\Z",
        "0123456789",
    ),
)

# Line breaks other than "\n": a loader turns them into "\n" inside a block literal, and may fold
# them inside a quoted scalar, so a string holding one is always double-quoted, with escapes.
_NOT_LITERAL = frozenset("\r\x85\u2028\u2029")

# Characters outside the Basic Multilingual Plane (most emoji). libyaml counts them as
# unprintable and writes them as "\U0001F680" escapes; PyYAML's pure-Python emitter writes them as
# they are. A stream with one is written by the pure-Python emitter (slower, same text).
_ASTRAL = "[\U00010000-\U0010ffff]"


class _AstralText(Exception):
    """Raised by the libyaml dumper on a string that libyaml would escape (see ``_ASTRAL``)."""


@functools.cache
def _dumper_class(use_libyaml: bool = True) -> type[Any]:
    """Build (once per argument) the PyYAML dumper class used by :func:`to_yaml`.

    Args:
        use_libyaml: Base the class on libyaml's ``CSafeDumper`` when PyYAML has it; ``False``
            (or no libyaml) gives the pure-Python ``SafeDumper``.

    Returns:
        A ``SafeDumper`` or ``CSafeDumper`` subclass with tiphys' representers and resolvers. The
        libyaml one raises :class:`_AstralText` on a string it would escape.
    """
    import re

    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    base: type[Any] = yaml.SafeDumper
    if use_libyaml and hasattr(yaml, "CSafeDumper"):
        base = yaml.CSafeDumper
    astral = re.compile(_ASTRAL).search if base is not yaml.SafeDumper else None

    str_tag = "tag:yaml.org,2002:str"
    seq_tag = "tag:yaml.org,2002:seq"
    map_tag = "tag:yaml.org,2002:map"
    not_literal = _NOT_LITERAL

    def represent_str(dumper: Any, data: str) -> Any:
        if not not_literal.isdisjoint(data):
            # Both emitters may write these breaks raw in a quoted scalar, which a loader then
            # folds; PyYAML's pure-Python emitter does for "\x85". Escaped, they round-trip.
            return ScalarNode(str_tag, data, style='"')
        if astral is not None and not data.isascii() and astral(data):
            raise _AstralText
        if "\n" in data:
            return ScalarNode(str_tag, data, style="|")
        return ScalarNode(str_tag, data)

    def represent_dict(dumper: Any, data: Mapping[Any, Any]) -> Any:
        rep = dumper.represent_data
        return MappingNode(map_tag, [(rep(k), rep(v)) for k, v in data.items()], flow_style=False)

    def represent_list(dumper: Any, data: Sequence[Any]) -> Any:
        rep = dumper.represent_data
        return SequenceNode(seq_tag, [rep(item) for item in data], flow_style=False)

    def represent_set(dumper: Any, data: Set[Any]) -> Any:
        raise TypeError(
            f"cannot emit a {type(data).__name__} as YAML: it has no order, so the output would "
            "change from run to run; pass a sorted list instead"
        )

    def represent_bytes(dumper: Any, data: bytes | bytearray) -> Any:
        # PyYAML would write !!binary, which no Argo field takes (and JSON has no bytes).
        raise TypeError(
            f"cannot emit {type(data).__name__} as YAML: decode or base64-encode it to a str"
        )

    def represent_other(dumper: Any, data: Any) -> Any:
        # Reached only for types with no exact representer: subclasses (StrEnum, OrderedDict),
        # other mappings and sequences. Plain dict/list/str never come here.
        if isinstance(data, str):
            return represent_str(dumper, str.__str__(data))
        if isinstance(data, int):
            return dumper.represent_int(int(data))
        if isinstance(data, float):
            return dumper.represent_float(float(data))
        if isinstance(data, Mapping):
            return represent_dict(dumper, data)
        if isinstance(data, Set):
            return represent_set(dumper, data)
        if isinstance(data, (bytes, bytearray)):
            return represent_bytes(dumper, data)
        if isinstance(data, Sequence):
            return represent_list(dumper, data)
        raise TypeError(f"cannot emit a value of type {type(data).__name__} as YAML: {data!r}")

    def ignore_aliases(dumper: Any, data: Any) -> bool:
        # Never write anchors (&id001) and aliases (*id001) for objects used twice: manifests are
        # read by tools that handle them badly, and the text must not depend on object identity.
        return True

    def represent(dumper: Any, data: Any) -> None:
        # Replaces BaseRepresenter.represent: a closure that turns the common types (str, dict,
        # list) into nodes directly instead of through represent_data's per-node lookups, alias
        # bookkeeping and style guessing. Other types go through the registered representers.
        # Same nodes, same text; the 10,000-task manifest of the benchmark is dumped ~15% faster.
        fallback = dumper.represent_data

        def node(data: Any) -> Any:
            t = type(data)
            if t is str:
                if "\n" in data or "\r" in data or not data.isascii():
                    return represent_str(dumper, data)
                return ScalarNode(str_tag, data)
            if t is dict:
                return MappingNode(
                    map_tag, [(node(k), node(v)) for k, v in data.items()], flow_style=False
                )
            if t is list:
                return SequenceNode(seq_tag, [node(item) for item in data], flow_style=False)
            return fallback(data)

        dumper.serialize(node(data))

    dumper: type[Any] = type(
        "TiphysDumper", (base,), {"ignore_aliases": ignore_aliases, "represent": represent}
    )
    dumper.add_representer(str, represent_str)
    dumper.add_representer(dict, represent_dict)
    dumper.add_representer(list, represent_list)
    dumper.add_representer(tuple, represent_list)
    dumper.add_representer(set, represent_set)
    dumper.add_representer(frozenset, represent_set)
    dumper.add_representer(bytes, represent_bytes)
    dumper.add_representer(bytearray, represent_bytes)
    dumper.add_representer(None, represent_other)
    for tag, pattern, first in _EXTRA_RESOLVERS:
        dumper.add_implicit_resolver(tag, re.compile(pattern), list(first))
    return dumper


def _documents(docs: Mapping[str, Any] | Sequence[Mapping[str, Any]], fn: str) -> list[Any]:
    """Normalise the ``docs`` argument of :func:`to_yaml`/:func:`to_json` to a list of dicts."""
    if isinstance(docs, Mapping):
        items: Sequence[Any] = [docs]
    elif isinstance(docs, (str, bytes, bytearray)) or not isinstance(docs, Sequence):
        raise TypeError(
            f"{fn}() takes a mapping or a sequence of mappings, not {type(docs).__name__}"
        )
    else:
        items = docs
    out: list[Any] = []
    for i, doc in enumerate(items):
        if not isinstance(doc, Mapping):
            raise TypeError(f"{fn}(): document {i} is a {type(doc).__name__}, not a mapping")
        out.append(doc if type(doc) is dict else dict(doc))
    return out


def _dump(yaml: Any, items: list[Any], dumper: type[Any]) -> str:
    text: str = yaml.dump_all(
        items,
        Dumper=dumper,
        default_flow_style=False,
        allow_unicode=True,
        width=_WIDTH,
        sort_keys=False,
    )
    return text


def to_yaml(docs: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """Write one or several manifests as a YAML stream.

    Keys keep their insertion order (nothing is sorted), sequences sit at their key's indentation
    as in ``kubectl get -o yaml`` and Argo's examples, and the same input always gives the same
    text. Strings are written so that YAML 1.1 readers (Go's yaml in Argo and kubectl, PyYAML)
    and YAML 1.2 readers read back exactly the same string:

    * a string that a reader would take for a boolean, number, null or timestamp is quoted
      (``"true"``, ``"y"``, ``"off"``, ``"0755"``, ``"0o17"``, ``"1e21"``, ``"12:30"``,
      ``"2026-01-01"``, ``""``); Argo parameter values are strings and must stay strings;
    * a multi-line string is a block literal (``|``, ``|-`` or ``|+`` as its final line breaks
      require), unless a literal cannot hold it exactly (trailing spaces on a line, ``\\r``, control
      characters), in which case it is double-quoted with escapes;
    * non-ASCII text is written as is, not escaped; lines are never folded.

    The same object used twice is written twice (no ``&anchor``/``*alias``).

    Args:
        docs: One manifest (a mapping such as ``{"apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow", ...}``) or a sequence of manifests. Values may be ``dict`` and
            other mappings, ``list``/``tuple``, ``str`` (including ``StrEnum``), ``int``,
            ``float``, ``bool`` and ``None``.

    Returns:
        The YAML text, ending with a newline. Several manifests are separated by ``---`` lines;
        an empty sequence gives ``""``.

    Raises:
        TypeError: ``docs`` is not a mapping or a sequence of mappings, or a value has a type
            that has no YAML form Argo reads (a ``set``, whose order is not stable, ``bytes``, an
            arbitrary object).
        ValueError: A value contains itself (a cycle), or is nested deeper than Python's
            recursion limit.
    """
    items = _documents(docs, "to_yaml")
    import yaml

    # Dumping allocates one node object per value and frees them all at the end, none of them in
    # reference cycles: pausing the cyclic collector makes a large manifest about 30% faster.
    with gc_paused():
        try:
            try:
                return _dump(yaml, items, _dumper_class(True))
            except _AstralText:
                return _dump(yaml, items, _dumper_class(False))
        except RecursionError:
            raise ValueError(
                "to_yaml(): the manifest contains itself (a cycle) or is nested too deeply"
            ) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Set):
        raise TypeError(
            f"cannot emit a {type(value).__name__} as JSON: it has no order; pass a sorted list"
        )
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return list(value)
    raise TypeError(f"cannot emit a value of type {type(value).__name__} as JSON: {value!r}")


def to_json(
    docs: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, indent: int | None = 2
) -> str:
    """Write one or several manifests as JSON.

    Keys keep their insertion order, non-ASCII text is written as is (not ``\\u`` escaped), and
    the same input always gives the same text. This is the form the Argo server's REST API takes
    (``POST /api/v1/workflows/{namespace}`` wraps it as ``{"workflow": ...}``) and that
    ``kubectl apply -f`` also reads.

    Args:
        docs: One manifest (a mapping) or a sequence of manifests; values as for :func:`to_yaml`.
        indent: Spaces per nesting level, or ``None`` for the compact one-line form
            (``{"a":[1,2]}``, no spaces after separators).

    Returns:
        The JSON text, ending with a newline: an object when ``docs`` holds exactly one manifest
        (a mapping, or a sequence of one), otherwise an array of objects (``[]`` for none).

    Raises:
        TypeError: ``docs`` is not a mapping or a sequence of mappings, or a value has no JSON
            form (a ``set``, ``bytes``, an arbitrary object).
        ValueError: A float is NaN or infinite (Go's ``encoding/json``, which Argo uses, rejects
            them), or a value contains itself.
    """
    items = _documents(docs, "to_json")
    payload: Any = items[0] if len(items) == 1 else items
    separators = (",", ":") if indent is None else (",", ": ")
    return (
        json.dumps(
            payload,
            ensure_ascii=False,
            indent=indent,
            separators=separators,
            allow_nan=False,
            default=_json_default,
        )
        + "\n"
    )
