"""Load YAML manifests and remember where every field was written.

:func:`load_documents` reads a YAML stream (one or more ``---`` separated documents) with a safe
loader and returns one :class:`LoadedDocument` per non-empty document. Each keeps the parsed
node tree, so :meth:`LoadedDocument.line_of` can map a field path
(``spec.templates[0].container.image``, see :mod:`tiphys.argo.paths`) back to the line of the
user's file, which is how validation errors point at the user's line.

Scalars are read the way Argo's API server reads YAML (``sigs.k8s.io/yaml``, YAML 1.1): ``yes``
and ``on`` are booleans, but timestamp-looking scalars (``2024-01-01``) stay strings.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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


@functools.cache
def _loader_class() -> type[yaml.SafeLoader]:
    """The safe loader to use: libyaml's when present, reading timestamps as strings."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        """Safe loader; ``!!timestamp`` scalars stay strings, as in Kubernetes' YAML reader."""

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
    return _Loader


def _error(code: str, message: str, filename: str, line: int) -> CompileError:
    return CompileError(Diagnostic(code, message, location=Location(filename, line)))


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
        CompileError: The text is not valid YAML (code ``Y001``, at the line of the problem), or
            a document is not a mapping (code ``Y002``).
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
            data = loader.construct_document(node)
            line = node.start_mark.line + 1
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
                documents.append(LoadedDocument(data, index, line, filename, node))
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
