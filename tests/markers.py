"""Test helper: the ``file:line`` of a marker comment, as tiphys prints locations."""

from __future__ import annotations

import os
from pathlib import Path


def marker_line(path: Path, marker: str) -> str:
    """``<path relative to the working directory>:N`` for the line ending with ``# <marker>``.

    Raises:
        AssertionError: No line of ``path`` ends with that marker.
    """
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if text.rstrip().endswith(f"# {marker}"):
            return f"{os.path.relpath(path)}:{number}"
    raise AssertionError(f"marker {marker!r} not found in {path}")
