"""Durations and times as the ``argo`` CLI prints them (``util/humanize``, go-humanize).

All functions are pure: "now" is always passed in. Times are RFC 3339 strings as the API sends
them (``2026-01-02T03:04:05Z``) or aware datetimes.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, tzinfo

__all__ = [
    "duration_long",
    "duration_short",
    "parse_time",
    "relative_duration",
    "timestamp",
    "truncated_duration",
]

_S = 1
_MIN = 60
_H = 3600
_DAY = 24 * _H
_WEEK = 7 * _DAY
_MONTH = 30 * _DAY
_YEAR = 12 * _MONTH
_LONG = 37 * _YEAR

# (upper bound exclusive, format, divisor): go-humanize's CustomRelTime tables.
_Magnitudes = tuple[tuple[float, str, int], ...]
_LONG_UNITS: _Magnitudes = (
    (_S, "0 seconds", 1),
    (2 * _S, "1 second", 0),
    (_MIN, "{} seconds", _S),
    (2 * _MIN, "1 minute", 0),
    (_H, "{} minutes", _MIN),
    (2 * _H, "1 hour", 0),
    (_DAY, "{} hours", _H),
    (2 * _DAY, "1 day", 0),
    (_WEEK, "{} days", _DAY),
    (2 * _WEEK, "1 week", 0),
    (_MONTH, "{} weeks", _WEEK),
    (2 * _MONTH, "1 month", 0),
    (_YEAR, "{} months", _MONTH),
    (18 * _MONTH, "1 year", 0),
    (2 * _YEAR, "2 years", 0),
    (_LONG, "{} years", _YEAR),
    (float("inf"), "a long while", 0),
)
_AGO_UNITS: _Magnitudes = ((_S, "now", 1), *_LONG_UNITS[1:])
_SHORT_UNITS: _Magnitudes = (
    (_S, "0s", 1),
    (2 * _S, "1s", 0),
    (_MIN, "{}s", _S),
    (2 * _MIN, "1m", 0),
    (_H, "{}m", _MIN),
    (2 * _H, "1h", 0),
    (_DAY, "{}h", _H),
    (2 * _DAY, "1d", 0),
    (_WEEK, "{}d", _DAY),
)


def _rel(seconds: float, table: _Magnitudes) -> str:
    """go-humanize CustomRelTime without the labels: the first magnitude above ``seconds``."""
    seconds = abs(seconds)
    for bound, fmt, div in table:
        if bound > seconds:
            return fmt.format(int(seconds // div)) if div else fmt
    _bound, fmt, div = table[-1]
    return fmt.format(int(seconds // div)) if div else fmt


def parse_time(value: object) -> datetime | None:
    """An API timestamp as an aware datetime.

    Args:
        value: RFC 3339 text (``Z`` or an offset, optional fraction), an aware datetime, or
            anything else (``None``, ``""``: not set).

    Returns:
        The UTC datetime, or ``None`` when unset or unreadable.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    return _parse_text(value)


@functools.lru_cache(maxsize=8192)
def _parse_text(value: str) -> datetime | None:
    """Parse RFC 3339 text (cached: the nodes of a workflow share few distinct times)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _span(start: object, finish: object, now: datetime) -> float:
    """Seconds from ``start`` to ``finish`` (``now`` when unfinished); 0 when not started."""
    begun = parse_time(start)
    if begun is None:
        return 0.0
    ended = parse_time(finish) or now
    return (ended - begun).total_seconds()


def duration_short(start: object, finish: object, now: datetime) -> str:
    """``RelativeDurationShort``: one unit, ``0s``, ``2s``, ``1m``, ``3h``, ``12d``.

    Args:
        start: Start time (unset: ``0s``).
        finish: End time (unset: ``now``).
        now: The current time (aware).

    Returns:
        The short duration (the node DURATION, list AGE and DURATION columns).
    """
    return _rel(_span(start, finish, now), _SHORT_UNITS)


def truncated_duration(seconds: float) -> str:
    """``TruncatedDuration``: one long unit, ``0 seconds``, ``1 minute``, ``5 hours``."""
    return _rel(seconds, _LONG_UNITS)


def duration_long(seconds: float) -> str:
    """``humanize.Duration``: up to two long units, ``59 seconds``, ``1 minute 30 seconds``.

    Args:
        seconds: The duration in seconds (its absolute value is shown).

    Returns:
        The text of the header's ``Duration:`` and ``EstimatedDuration:``.
    """
    seconds = abs(seconds)
    first = truncated_duration(seconds)
    if seconds < _MIN:
        return first
    if seconds < _H:
        return f"{first} {int(seconds % 60)} seconds"
    if seconds < _DAY:
        return f"{first} {int((seconds / 60) % 60)} minutes"
    return f"{first} {int((seconds / 3600) % 24)} hours"


def relative_duration(start: object, finish: object, now: datetime) -> str:
    """``humanize.RelativeDuration``: :func:`duration_long` of start to finish (or now)."""
    return duration_long(_span(start, finish, now))


def timestamp(value: object, now: datetime, tz: tzinfo | None = None) -> str:
    """``humanize.Timestamp``: ``Mon Jan 02 15:04:05 -0700 (5 minutes ago)``.

    Args:
        value: The time (RFC 3339 text or datetime).
        now: The current time (aware).
        tz: Zone to show the time in; ``None``: the machine's local zone (as ``argo``).

    Returns:
        The text, or ``""`` when ``value`` is unset.
    """
    when = parse_time(value)
    if when is None:
        return ""
    shown = when.astimezone(tz)
    diff = (now - when).total_seconds()
    rel = _rel(diff, _AGO_UNITS)
    if rel != "now":
        rel += " ago" if diff >= 0 else " from now"
    return f"{shown.strftime('%a %b %d %H:%M:%S %z')} ({rel})"
