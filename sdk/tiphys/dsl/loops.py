"""Loops of ``.map()``: ``withItems``, ``withParam`` and ``withSequence``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tiphys.dsl._location import fail
from tiphys.dsl.params import base_type
from tiphys.dsl.refs import Ref, TaskRef


@dataclass(frozen=True)
class Sequence:
    """Numbers to loop over (``withSequence``): ``count`` or ``start``..``end`` inclusive.

    Attributes:
        count: Number of items (0..count-1), or ``None`` with start/end.
        start: First number.
        end: Last number (inclusive, as in Argo).
        format: printf-style format of each item (``"%02d"``).
    """

    count: int | str | Ref | None = None
    start: int | str | Ref | None = None
    end: int | str | Ref | None = None
    format: str | None = None


@dataclass(frozen=True)
class Loop:
    """How a task loops: ``kind`` is ``items``, ``param`` or ``sequence``."""

    kind: str
    value: Any


def _check_list(ref: Ref) -> None:
    """A ref looped over must hold a JSON list: a list, or a text parameter that may hold one."""
    kind = base_type(ref.type) if ref.type is not None else None
    allowed: tuple[Any, ...] = (None, list) if isinstance(ref, TaskRef) else (None, list, str)
    if kind not in allowed:
        raise fail(
            "C117",
            f"map(over=...) got {ref.description}, which is {getattr(kind, '__name__', kind)}, "
            "not a list: Argo's withParam needs a JSON list (if the task prints a JSON list, "
            'pass over=f"{t.result}")',
        )


def loop_of(over: Any) -> Loop:
    """Turn the ``over=`` of ``.map()`` into a :class:`Loop`.

    Raises:
        CompileError: ``over`` is none of the accepted forms.
    """
    if isinstance(over, Ref):
        _check_list(over)
        return Loop("param", over)
    if isinstance(over, str):
        # Formatted references, or a raw Argo text such as "{{tasks.gen.outputs.result}}"
        # (converted YAML): used as withParam verbatim.
        return Loop("param", over)
    if isinstance(over, range):
        if over.step != 1:
            raise fail("C117", "map(over=range(...)) supports step 1 only (Argo withSequence)")
        # start + count, never start + end: Argo counts down when start > end, so an empty
        # range would run (operator.go expandSequence).
        start = over.start if over.start != 0 else None
        return Loop("sequence", Sequence(count=len(over), start=start))
    if isinstance(over, Sequence):
        return Loop("sequence", over)
    if isinstance(over, list | tuple):
        return Loop("items", list(over))
    raise fail(
        "C117",
        f"map(over=...) takes a list of values, a reference to a JSON list (t.result), "
        f"range(...) or Sequence(...), not {type(over).__name__}",
    )
