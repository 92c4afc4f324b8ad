"""``tiphys.load``: read an Argo YAML file into tiphys objects.

One code path with ``tiphys convert``: the file is converted to Python, the source is compiled
under a recognisable file name (``<tiphys-load path>``, registered in :mod:`linecache` so that
tracebacks and compile errors show the generated lines) and run; the module's workflow objects
and raw documents are returned in document order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiphys.convert.convert import convert_text, run_source
from tiphys.dsl.raw import RawDocument
from tiphys.dsl.workflow import WorkflowBase
from tiphys.errors import ConvertError, Diagnostic, Location

__all__ = ["load", "load_text", "objects_of"]


def objects_of(namespace: Mapping[str, Any]) -> list[WorkflowBase | RawDocument]:
    """The workflow objects and raw documents of a module namespace, in definition order."""
    found: dict[int, WorkflowBase | RawDocument] = {}
    for value in namespace.values():
        if isinstance(value, WorkflowBase | RawDocument):
            found.setdefault(id(value), value)
    return list(found.values())


def load_text(text: str, file: str = "<string>") -> list[WorkflowBase | RawDocument]:
    """Like :func:`load`, for YAML text.

    Args:
        text: One or more YAML documents.
        file: Name used in errors.

    Returns:
        The objects, in document order.

    Raises:
        ConvertError: As :func:`tiphys.convert.convert.convert_text`.
        CompileError: The text is not YAML.
    """
    conversion = convert_text(text, file, format=False)
    return objects_of(run_source(conversion.source, f"<tiphys-load {file}>"))


def load(path: str | os.PathLike[str]) -> list[WorkflowBase | RawDocument]:
    """Read an Argo manifest file into tiphys objects.

    Every document of the four workflow kinds becomes a ``Workflow``/``WorkflowTemplate``/...
    object built from decorated templates (as ``tiphys convert`` writes them); documents of
    other kinds (``ConfigMap``, ``PersistentVolumeClaim``...) become :class:`RawDocument`
    objects that compile back unchanged.

    Args:
        path: A ``.yaml``/``.yml`` file, possibly with several ``---`` documents.

    Returns:
        The objects, in document order; ``obj.to_dict()`` gives each document back.

    Raises:
        ConvertError: The file cannot be read (C167), a document is invalid (the validator's
            diagnostics) or cannot be converted, located at ``file:line`` with a field path.
        CompileError: The file is not YAML (Y001/Y002).
    """
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConvertError(
            Diagnostic("C167", f"cannot read {shown}: {exc}", location=Location(shown))
        ) from None
    return load_text(text, shown)
