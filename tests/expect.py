"""The one compile error a call raises, formatted as users see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tiphys import CompileError


def error_of(call: Callable[[], object]) -> str:
    """Run ``call``, which must raise a :class:`CompileError` with exactly one diagnostic.

    Returns:
        That diagnostic's text (``file:line: message [CODE]``).
    """
    with pytest.raises(CompileError) as info:
        call()
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


def compile_error(wf: Any) -> str:
    """The one compile error of a workflow object's ``to_dict()``."""
    return error_of(wf.to_dict)
