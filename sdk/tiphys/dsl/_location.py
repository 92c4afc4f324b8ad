"""Finding the user's file and line, so errors point at the code the user wrote."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from tiphys.errors import CompileError, Diagnostic, Location

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# Code Python generates (dataclass __init__, frozen importlib) is not the user's.
_GENERATED = ("<string>", "<frozen")


def _display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def user_location() -> Location:
    """Return the innermost calling frame that is not inside the tiphys package.

    Returns:
        The user's file (relative to the working directory when below it) and line, or an
        empty :class:`Location` when every frame belongs to tiphys or Python itself.
    """
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith(_GENERATED):
            return Location(_display_path(filename), frame.f_lineno)
        frame = frame.f_back  # type: ignore[assignment]
    return Location()


def definition_location(fn: Callable[..., Any]) -> Location:
    """Return where a function was defined: its first line (the first decorator's, if any).

    Args:
        fn: A plain Python function.

    Returns:
        The file and first line of the function's code object.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return Location()
    return Location(_display_path(code.co_filename), code.co_firstlineno)


def fail(code: str, message: str, location: Location | None = None) -> CompileError:
    """Build a :class:`CompileError` located at the user's current line.

    Args:
        code: The diagnostic code (``"C101"``...).
        message: What is wrong and what to do.
        location: Where; defaults to :func:`user_location`.

    Returns:
        The error, for the caller to ``raise``.
    """
    where = location if location is not None else user_location()
    return CompileError(Diagnostic(code, message, location=where))
