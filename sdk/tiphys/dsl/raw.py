"""``RawDocument``: a manifest of another kind, kept as it was written.

``tiphys.load`` and ``tiphys convert`` keep the documents of a YAML stream that are not Argo
workflows (a ``ConfigMap``, a ``PersistentVolumeClaim``, a ``WorkflowEventBinding``...) as raw
documents, so that compiling the converted module gives the whole stream back, in order.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from tiphys.argo.json_data import json_problem
from tiphys.dsl._location import fail, user_location


class RawDocument:
    """A Kubernetes document emitted unchanged, next to the workflows of a module.

    Args:
        doc: The document as plain data (``{"apiVersion": "v1", "kind": "ConfigMap", ...}``).

    Attributes:
        doc: A deep copy of the document.
        kind: Its ``kind`` (``""`` when missing).
        name: Its ``metadata.name`` (or ``generateName``), or ``None``.
        location: Where the object was created.

    Raises:
        CompileError: ``doc`` is not a mapping, or holds what JSON cannot (NaN, bytes, a set,
            a null key...) (C163).
    """

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.location = user_location()
        if not isinstance(doc, Mapping):
            raise fail("C163", f"RawDocument takes a dict, not {type(doc).__name__}")
        found = json_problem(dict(doc))
        if found is not None:
            path, what = found
            what = "has a null key" if what == "null key" else f"is {what}"
            raise fail(
                "C163", f"RawDocument: {path or 'the document'} {what}; a manifest is JSON data"
            )
        self.doc: dict[str, Any] = copy.deepcopy(dict(doc))
        self.kind: str = str(self.doc.get("kind") or "")
        meta = self.doc.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        self.name: str | None = meta.get("name") or meta.get("generateName")

    def __repr__(self) -> str:
        return f"RawDocument({self.kind or 'document'} {self.name!r})"

    def to_dict(self) -> dict[str, Any]:
        """Return a deep copy of the document."""
        return copy.deepcopy(self.doc)

    def to_yaml(self) -> str:
        """The document as YAML (block style, key order kept)."""
        from tiphys.compile.yaml_out import to_yaml

        return to_yaml(self.to_dict())

    def to_json(self) -> str:
        """The document as JSON (2-space indented)."""
        from tiphys.compile.yaml_out import to_json

        return to_json(self.to_dict())
