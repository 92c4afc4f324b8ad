"""Durations as users write them, and as Argo reads them.

Users write a duration as a number of seconds (``30``, ``1.5``) or a string of ``<number><unit>``
parts with units ``s``, ``m``, ``h``, ``d`` (``"90s"``, ``"1h30m"``, ``"1d"``). Argo's ``*Seconds``
fields take integers; its string durations are Go ``time.ParseDuration`` strings, which have no
``d`` unit, so ``"1d"`` is emitted as ``"24h"``.
"""

from __future__ import annotations

import re

_PART_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class DurationError(ValueError):
    """A duration could not be read; the message says which forms are accepted."""


def parse_duration(value: int | float | str) -> float:
    """Read a duration and return it in seconds.

    Args:
        value: Seconds as a number, or a string such as ``"45s"``, ``"10m"``, ``"1h30m"``,
            ``"2d"`` (units ``ms``, ``s``, ``m``, ``h``, ``d``), or a bare number as a string.

    Returns:
        The duration in seconds (>= 0).

    Raises:
        DurationError: The value is negative, empty, a bool, or not in one of those forms.
    """
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration; write seconds (30) or '30s', '5m', '1h'")
    if isinstance(value, int | float):
        if value < 0:
            raise DurationError(f"duration {value!r} is negative")
        return float(value)
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    pos, total = 0, 0.0
    for match in _PART_RE.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise DurationError(
            f"{value!r} is not a duration; write seconds (30) or a string like "
            "'30s', '5m', '2h', '1d', '1h30m'"
        )
    return total


def to_seconds(value: int | float | str) -> int:
    """Convert a duration to whole seconds for Argo's ``*Seconds`` integer fields.

    Args:
        value: Any form :func:`parse_duration` accepts.

    Returns:
        Seconds, rounded up so that a deadline is never shortened.

    Raises:
        DurationError: As :func:`parse_duration`.
    """
    seconds = parse_duration(value)
    whole = int(seconds)
    return whole if whole == seconds else whole + 1


def to_go_duration(value: int | float | str) -> str:
    """Convert a duration to a Go ``time.ParseDuration`` string.

    ``90`` -> ``"1m30s"``, ``"1d"`` -> ``"24h"``, ``"1.5s"`` -> ``"1.5s"``.

    Args:
        value: Any form :func:`parse_duration` accepts.

    Returns:
        A Go duration string using ``h``, ``m`` and ``s`` (``"0s"`` for zero).

    Raises:
        DurationError: As :func:`parse_duration`.
    """
    seconds = parse_duration(value)
    hours, rest = divmod(seconds, 3600.0)
    minutes, secs = divmod(rest, 60.0)
    out = ""
    if hours:
        out += f"{int(hours)}h"
    if minutes:
        out += f"{int(minutes)}m"
    if secs or not out:
        out += f"{secs:g}s" if secs != int(secs) else f"{int(secs)}s"
    return out
