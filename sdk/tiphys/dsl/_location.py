"""Finding the user's file and line, so errors point at the code the user wrote."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

from tiphys.errors import CompileError, Diagnostic, Location, TiphysError

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# Code Python generates (dataclass __init__, frozen importlib) is not the user's.
_GENERATED = ("<string>", "<frozen")
# Nor is the standard library (contextlib wraps `with parallel():`); installed packages may be.
_STDLIB_DIR = os.path.dirname(os.__file__) + os.sep
_INSTALLED = ("site-packages", "dist-packages")


def _is_users(filename: str) -> bool:
    if filename.startswith(_PACKAGE_DIR) or filename.startswith(_GENERATED):
        return False
    if filename.startswith(_STDLIB_DIR):
        return any(part in filename for part in _INSTALLED)
    return True


def _display_path(path: str) -> str:
    return _relative(path, os.getcwd())


@functools.lru_cache(maxsize=256)
def _relative(path: str, cwd: str) -> str:
    """``path`` relative to ``cwd`` when it lies below it, else unchanged (cached: one call per
    task is made while tracing large DAGs)."""
    try:
        rel = os.path.relpath(path, cwd)
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
        if _is_users(filename):
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
    if "tiphys-ref:" in message:
        from tiphys.dsl.refs import readable

        message = readable(message)
    return CompileError(Diagnostic(code, message, location=where))


_TRACED_HINT = (
    "Parameters and task values are references while a body is traced: format them into "
    "strings or pass them on; compute with them in a @script"
)


def call_traced(fn: Callable[..., Any], kwargs: dict[str, Any], what: str) -> Any:
    """Call a user's body while it is traced; turn a Python error into a located compile error.

    Args:
        fn: The user's function.
        kwargs: Its arguments (references).
        what: What is being traced, for the message (``template 'main'``).

    Returns:
        What the body returned.

    Raises:
        CompileError: The body raised one (passed on), or raised any other exception: then
            located at the innermost line of the user's code in its traceback.
    """
    try:
        return fn(**kwargs)
    except TiphysError:
        raise
    except Exception as exc:
        where = Location()
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if _is_users(filename):
                where = Location(_display_path(filename), tb.tb_lineno)
            tb = tb.tb_next
        message = f"{type(exc).__name__} while tracing {what}: {exc}. {_TRACED_HINT}"
        raise fail("C120", message, where) from None
