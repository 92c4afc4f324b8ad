"""Field paths inside a manifest: ``spec.templates[0].container.image``.

A path is written the way a user reads a manifest: mapping keys joined by ``.``, list indexes in
brackets. A key that is not a plain word (a label key such as ``app.kubernetes.io/name``) is
written as a JSON string in brackets: ``metadata.labels["app.kubernetes.io/name"]``.

Every diagnostic of :mod:`tiphys.validate` carries such a path, and
:meth:`tiphys.compile.yaml_in.LoadedDocument.line_of` turns one back into a line number.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable

from tiphys.errors import Diagnostic, Location

PathPart = str | int
"""One step of a path: a mapping key (``str``) or a list index (``int``)."""

_PLAIN_KEY = re.compile(r"[A-Za-z_$][-A-Za-z0-9_$]*\Z")
_TOKEN = re.compile(r'\.?([A-Za-z_$][-A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def key_part(key: str) -> str:
    """Render one mapping key as it appears after the parent in a path.

    Args:
        key: The mapping key.

    Returns:
        ``.key`` for a plain word, else ``["key"]`` (JSON-quoted).
    """
    return f".{key}" if _PLAIN_KEY.match(key) else f"[{json.dumps(key)}]"


def join(parent: str, part: PathPart) -> str:
    """Append one key or index to a path.

    Args:
        parent: A path, or ``""`` for the document root.
        part: A mapping key or a list index.

    Returns:
        The child path, e.g. ``join("spec.templates", 0) == "spec.templates[0]"``.
    """
    if isinstance(part, int):
        return f"{parent}[{part}]"
    text = key_part(part)
    if not parent and text.startswith("."):
        return text[1:]
    return parent + text


def format_path(parts: Iterable[PathPart]) -> str:
    """Render a sequence of keys and indexes as a path.

    Args:
        parts: Keys (``str``) and indexes (``int``) from the root down.

    Returns:
        The path, ``""`` for no parts.
    """
    path = ""
    for part in parts:
        path = join(path, part)
    return path


def parse_path(path: str) -> list[PathPart]:
    """Split a path into its keys and indexes (the inverse of :func:`format_path`).

    Args:
        path: A path such as ``spec.templates[2].dag.tasks[1].depends``; ``""`` is the root.

    Returns:
        The parts, e.g. ``["spec", "templates", 2, "dag", "tasks", 1, "depends"]``.

    Raises:
        ValueError: The text is not a path in this format.
    """
    parts: list[PathPart] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None or (pos == 0 and path.startswith(".")):
            raise ValueError(f"malformed field path {path!r} at column {pos + 1}")
        word, index, quoted = match.groups()
        if word is not None:
            if pos > 0 and not match.group(0).startswith("."):
                raise ValueError(f"malformed field path {path!r} at column {pos + 1}")
            parts.append(word)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(json.loads(quoted))
        pos = match.end()
    return parts


def locate(
    diagnostics: Iterable[Diagnostic], file: str, line_of: Callable[[str], int] | None
) -> list[Diagnostic]:
    """Give each diagnostic the location of its field path.

    Args:
        diagnostics: Diagnostics with a ``path`` (``""`` means the document).
        file: The manifest's file name, or ``""``.
        line_of: Maps a path to its 1-based line, or ``None`` when lines are unknown.

    Returns:
        The diagnostics, with ``location = Location(file, line_of(path))`` when ``file`` or
        ``line_of`` is given (line 0 without ``line_of``); unchanged otherwise.
    """
    if not file and line_of is None:
        return list(diagnostics)
    return [
        dataclasses.replace(d, location=Location(file, line_of(d.path) if line_of else 0))
        for d in diagnostics
    ]
