"""Views of a workflow that changes: line mode (:class:`NodeChanges`) and a terminal view
redrawn in place (:class:`LiveView`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, TextIO

from tiphys.cli.render.get_view import nodes_of

__all__ = ["LiveView", "NodeChanges", "fit"]

_VIRTUAL = frozenset({"StepGroup", "TaskGroup"})


class NodeChanges:
    """Line mode: feed successive snapshots of a workflow, get a line per node that changed.

    A line is ``HH:MM:SS NAME  PHASE  MESSAGE`` (``MESSAGE`` only when set): the time of the
    snapshot, the node's display name, its phase and message. The first snapshot reports every
    node; later ones only the nodes whose phase or message changed (or that are new). Step and
    task groups are left out. Nodes are ordered by start time, then name.

    Args:
        tz: Zone of the shown times; ``None``: local.
    """

    def __init__(self, tz: tzinfo | None = None) -> None:
        self._tz = tz
        self._seen: dict[str, tuple[str, str]] = {}

    def feed(self, wf: Mapping[str, Any], now: datetime) -> list[str]:
        """The lines for one snapshot.

        Args:
            wf: The Workflow as last seen (``status.nodes`` or ``compressedNodes``).
            now: The time of the snapshot (aware).

        Returns:
            One line per changed node, without newlines (``[]`` when nothing changed).

        Raises:
            TiphysError: ``compressedNodes`` cannot be decoded.
        """
        changed: list[tuple[str, str, str, str, str]] = []
        seen = self._seen
        for node_id, node in nodes_of(wf).items():
            if node.get("type") in _VIRTUAL:
                continue
            state = (str(node.get("phase") or ""), str(node.get("message") or ""))
            if seen.get(node_id) != state:
                seen[node_id] = state
                name = str(node.get("displayName") or node.get("name") or node_id)
                changed.append((str(node.get("startedAt") or ""), name, *state, node_id))
        if not changed:
            return []
        stamp = now.astimezone(self._tz).strftime("%H:%M:%S")
        changed.sort()
        width = max(len(c[1]) for c in changed)
        pwidth = max(len(c[2]) for c in changed)
        out = []
        for _start, name, phase, message, _id in changed:
            line = f"{stamp} {name:<{width}}  {phase or 'Pending':<{pwidth}}  {message}"
            out.append(line.rstrip())
        return out


def fit(lines: Sequence[str], height: int, width: int) -> list[str]:
    """The lines that fit a terminal of ``height`` rows and ``width`` columns.

    Lines wider than the terminal are cut (a wrapped line would break the redraw). When there
    are more lines than rows, the last row says how many were left out.

    Args:
        lines: The whole view (no ANSI colours: widths are counted in characters).
        height: Terminal rows (at least 2 are used).
        width: Terminal columns (at least 10 are used).

    Returns:
        At most ``height`` lines.
    """
    height = max(height, 2)
    width = max(width, 10)
    cut = [line if len(line) <= width else line[: width - 1] + "…" for line in lines[:height]]
    if len(lines) > height:
        hidden = len(lines) - (height - 1)
        cut = cut[: height - 1]
        cut.append(
            f"… {hidden} more lines (a taller terminal shows more; tiphys get shows all)"[:width]
        )
    return cut


class LiveView:
    """A view redrawn in place on a terminal with plain ANSI codes, at most ``rate`` times a second.

    :meth:`update` keeps the newest lines and draws them unless the last draw was less than
    ``1 / rate`` seconds ago; :meth:`close` draws what is pending. Each frame moves the cursor
    back over the previous frame, rewrites the lines (clearing each to its end) and clears
    what is below, so the view never scrolls.

    Args:
        out: The terminal stream.
        size: Returns (columns, rows) of the terminal; default :func:`shutil.get_terminal_size`.
        rate: Most redraws per second (default 4).
        clock: Monotonic clock in seconds (injectable for tests).
    """

    def __init__(
        self,
        out: TextIO,
        *,
        size: Callable[[], tuple[int, int]] | None = None,
        rate: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import shutil

        self._out = out
        self._size = size or (lambda: tuple(shutil.get_terminal_size()))  # type: ignore[return-value]
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._drawn = 0
        self._last: float | None = None
        self._pending: Sequence[str] | Callable[[], Sequence[str]] | None = None
        self.frames = 0

    def frame(self, lines: Sequence[str]) -> str:
        """The text that replaces the previous frame with ``lines`` (fitted to the terminal)."""
        columns, rows = self._size()
        shown = fit(lines, rows - 1, columns)
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        body = "".join(f"{line}\x1b[K\n" for line in shown)
        self._drawn = len(shown)
        return f"{up}{body}\x1b[J"

    def update(self, lines: Sequence[str] | Callable[[], Sequence[str]]) -> bool:
        """Show ``lines``, now or at the next update or :meth:`close` (rate limit).

        Args:
            lines: The view, or a function that builds it: it is called only when the frame
                is drawn, so views held back by the rate limit cost nothing.

        Returns:
            Whether a frame was written.
        """
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            self._pending = lines
            return False
        self._draw(lines, now)
        return True

    def close(self) -> None:
        """Draw the pending lines, if an update was held back."""
        if self._pending is not None:
            self._draw(self._pending, self._clock())

    def _draw(self, lines: Sequence[str] | Callable[[], Sequence[str]], now: float) -> None:
        self._out.write(self.frame(lines() if callable(lines) else lines))
        self._out.flush()
        self._last = now
        self._pending = None
        self.frames += 1
