"""Load YAML manifests and remember where every field was written.

:func:`load_documents` reads a YAML stream (one or more ``---`` separated documents) with a safe
loader and returns one :class:`LoadedDocument` per non-empty document. Each keeps the parsed
node tree, so :meth:`LoadedDocument.line_of` can map a field path
(``spec.templates[0].container.image``, see :mod:`tiphys.argo.paths`) back to the line of the
user's file, which is how validation errors point at the user's line.

Scalars are read the way Argo's API server reads YAML (``sigs.k8s.io/yaml``, YAML 1.1): ``yes``
and ``on`` are booleans, but timestamp-looking scalars (``2024-01-01``) stay strings, and mapping
keys become strings as that library's JSON conversion writes them (``1`` -> ``"1"``, ``on`` ->
``"true"``), so ``{1: a, on: b}`` keeps both entries.

What JSON cannot hold is refused with the field's line, as the API server refuses it: an alias
used inside its own anchor, aliases that expand past a million values (``Y003``), binary data,
sets, NaN and infinities, null keys (``Y004``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tiphys.argo.json_data import NULL_KEY, json_problem
from tiphys.argo.paths import parse_path
from tiphys.errors import CompileError, Diagnostic, Location

if TYPE_CHECKING:
    import yaml

__all__ = ["LoadedDocument", "load_documents"]


@dataclass
class LoadedDocument:
    """One document of a YAML stream, with the positions of its fields.

    Attributes:
        doc: The document as plain data (a mapping at the top).
        index: 0-based number of the document in the stream, counting empty documents too.
        line: 1-based line where the document's content starts.
        file: The file name given to :func:`load_documents`.
    """

    doc: dict[str, Any]
    index: int
    line: int
    file: str = "<string>"
    _node: yaml.Node | None = field(default=None, repr=False, compare=False)

    def line_of(self, path: str) -> int:
        """Return the line where the field at ``path`` was written.

        Args:
            path: A field path such as ``spec.templates[0].container.image``; ``""`` is the
                document itself.

        Returns:
            The 1-based line of the field's key (of the item, for a list index). When the path
            does not exist in the document (a missing field, a malformed path), the line of the
            nearest parent that exists.
        """
        import yaml

        try:
            parts = parse_path(path)
        except ValueError:
            parts = []
        node = self._node
        line = self.line
        for part in parts:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                # The last occurrence wins, as in construction (merge keys put theirs first).
                match = next((kv for kv in reversed(node.value) if _key_text(kv[0]) == part), None)
                if match is None:
                    break
                line = match[0].start_mark.line + 1
                node = match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line


def _key_text(node: yaml.Node) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        value: str = node.value
        return value
    return None


MAX_VALUES = 1_000_000
"""How many values the aliases of one document may expand to (an "alias bomb" guard)."""


def _json_key(key: Any) -> Any:
    """A mapping key as ``sigs.k8s.io/yaml`` writes it into JSON."""
    if key is None:
        return NULL_KEY
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int | float):
        return repr(key)
    return key


def _construct_map(loader: Any, node: Any) -> Any:
    """Build a mapping with keys as Kubernetes reads them (merge keys first, as usual)."""
    data: dict[Any, Any] = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _json_key(loader.construct_object(key_node, deep=True))
        data[key] = loader.construct_object(value_node, deep=False)


@functools.cache
def _loader_class() -> type[yaml.SafeLoader]:
    """The safe loader to use: libyaml's when present, reading timestamps as strings and keys
    as Kubernetes does."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        """Safe loader; ``!!timestamp`` scalars stay strings, as in Kubernetes' YAML reader."""

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
    _Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    return _Loader


def _alias_problem(root: Any) -> tuple[str, int] | None:
    """An alias used inside its own anchor, or aliases that expand past :data:`MAX_VALUES`.

    Aliases make the node tree a graph: a node on the current path met again is a cycle; the
    expanded size of each node is counted once (memoised by identity).

    Returns:
        ``(message, line)`` of the problem, or ``None``.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, Iterator[Any]]] = [(root, iter(_children(root)))]
    on_path.add(id(root))
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            on_path.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[id(node)] > MAX_VALUES:
                return (
                    f"the aliases of this document expand to more than {MAX_VALUES:,} values; "
                    "Kubernetes would refuse it too: write the values out, or use fewer aliases",
                    root.start_mark.line + 1,
                )
        elif id(child) in on_path:
            return (
                "an alias is used inside its own anchor, which makes an endless value; "
                "Kubernetes refuses it: copy the values instead",
                node.start_mark.line + 1,
            )
        elif id(child) not in sizes:
            on_path.add(id(child))
            stack.append((child, iter(_children(child))))
    return None


def _children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return []
    if value and isinstance(value[0], tuple):  # a mapping node: (key, value) pairs
        return [part for pair in value for part in pair]
    return value


def _error(code: str, message: str, filename: str, line: int) -> CompileError:
    return CompileError(Diagnostic(code, message, location=Location(filename, line)))


def _check_values(document: LoadedDocument) -> None:
    """Refuse a value JSON cannot hold (``Y004``), at its field's line."""
    found = json_problem(document.doc)
    if found is None:
        return
    path, what = found
    if what == "null key":
        message = f"{path or 'the document'} has a null key; Kubernetes refuses it: quote the key"
    else:
        message = f"{path} is {what}; a manifest is JSON data: quote the value"
    raise _error("Y004", message, document.file, document.line_of(path))


def load_documents(text: str, filename: str = "<string>") -> list[LoadedDocument]:
    """Parse a YAML stream into documents that know their line numbers.

    Only safe YAML is accepted (no Python object tags). Empty documents (a stray ``---``) are
    skipped but still counted in :attr:`LoadedDocument.index`.

    Args:
        text: The YAML text, one or more documents.
        filename: Name used in error locations and stored on each document.

    Returns:
        The non-empty documents, in stream order.

    Raises:
        CompileError: The text is not valid YAML (code ``Y001``, at the line of the problem), a
            document is not a mapping (``Y002``), an alias is recursive or expands too far
            (``Y003``), or a value is not JSON data (``Y004``).
    """
    import yaml

    loader = _loader_class()(text)
    documents: list[LoadedDocument] = []
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            line = node.start_mark.line + 1
            alias = _alias_problem(node)
            if alias is not None:
                raise _error("Y003", alias[0], filename, alias[1])
            data = loader.construct_document(node)
            if data is not None:
                if not isinstance(data, dict):
                    kind = "a list" if isinstance(data, list) else f"the scalar {data!r}"
                    raise _error(
                        "Y002",
                        f"YAML document {index + 1} is {kind}; a manifest must be a mapping "
                        "(apiVersion, kind, metadata, spec)",
                        filename,
                        line,
                    )
                document = LoadedDocument(data, index, line, filename, node)
                _check_values(document)
                documents.append(document)
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark is not None else 0
        problem = ": ".join(p for p in (exc.context, exc.problem) if p)
        raise _error("Y001", f"invalid YAML: {problem}", filename, where) from None
    except yaml.YAMLError as exc:
        raise _error("Y001", f"invalid YAML: {exc}", filename, 0) from None
    finally:
        loader.dispose()
    return documents
