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
        # fixed point to the nanosecond (Go's resolution): Go reads no exponent ("1e-05s")
        out += f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    return out


# Go's time.ParseDuration (src/time/format.go): a sign, then "0" alone or one or more
# <number><unit> parts, a number being digits with an optional fraction (``1``, ``1.5``, ``.5``,
# ``1.``) and the unit required.
_GO_DURATION_RE = re.compile(r"[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)\Z")
_GO_PART_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNIT_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9}
_GO_UNIT_NS.update({"m": 60 * 10**9, "h": 3600 * 10**9})
_GO_MAX_NS = 2**63 - 1  # time.Duration is an int64 of nanoseconds
_BARE_SECONDS_RE = re.compile(r"[-+]?\d+\Z")  # strconv.Atoi, which Argo tries first
_NUMBER_RE = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)\Z")
# Unit words people write, and the Go unit they mean ("d" is turned into hours).
_UNIT_WORDS = {
    "ns": ("ns", "nanosecond", "nanoseconds"),
    "us": ("us", "µs", "μs"),
    "ms": ("ms", "msec", "msecs"),
    "s": ("s", "sec", "secs", "second", "seconds"),
    "m": ("m", "min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "d": ("d", "day", "days"),
}
_UNIT_ALIASES = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_LOOSE_PART_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([^\W\d_]+)[\s,]*")


def _go_fix(text: str) -> str | None:
    """A Go duration for a loosely written one (``10 minutes`` -> ``10m``, ``1d`` -> ``24h``)."""
    loose = text.strip().lower()
    parts: list[str] = []
    pos = 0
    for match in _LOOSE_PART_RE.finditer(loose):
        unit = _UNIT_ALIASES.get(match.group(2))
        if match.start() != pos or unit is None:
            return None
        parts.append(match.group(1) + unit)
        pos = match.end()
    if not parts or pos != len(loose):
        return None
    joined = "".join(parts)
    if "d" in joined:
        try:
            return to_go_duration(joined)
        except DurationError:
            return None
    return joined if _GO_DURATION_RE.match(joined) else None


def go_duration_problem(text: str, *, bare_seconds: bool) -> str | None:
    """Say why ``text`` is not a duration that Argo's string duration fields accept.

    Argo reads those fields with Go's ``time.ParseDuration``: an optional sign, then ``0`` or
    one or more ``<number><unit>`` parts with units ``ns``, ``us`` (``µs``), ``ms``, ``s``, ``m``,
    ``h`` (``"30s"``, ``"1.5h"``, ``"1h30m"``, ``"-5m"``); there is no ``d`` unit. Some fields
    (a template's ``timeout``, ``retryStrategy.backoff``, ``suspend.duration``,
    ``podGC.deleteDelayDuration``) first try a whole number of seconds (``"30"``).

    Args:
        text: The field's value. Templated values (``{{...}}``) are the caller's to skip.
        bare_seconds: Whether the field also takes a whole number of seconds.

    Returns:
        ``None`` when Argo accepts ``text``, else what is wrong and what to write instead
        (``"Go durations have no 'd' unit: write 24h"`` for ``"1d"``).
    """
    if bare_seconds and _BARE_SECONDS_RE.match(text):
        return None
    forms = "a number and a unit (ns, us, ms, s, m, h) with no spaces, such as 30s, 1.5h or 1h30m"
    if bare_seconds:
        forms += ", or whole seconds such as 30"
    if _GO_DURATION_RE.match(text):
        total = sum(
            int(float(number) * _GO_UNIT_NS[unit]) for number, unit in _GO_PART_RE.findall(text)
        )
        if total <= _GO_MAX_NS + text.startswith("-"):
            return None
        return "Go durations stop at about 292 years (2562047h): write a shorter one"
    if not text.strip():
        return f"it is empty: write {forms}"
    fix = _go_fix(text)
    if re.search(r"[\d.]\s*(?:d|days?)(?![^\W\d_])", text.lower()):
        return f"Go durations have no 'd' unit: write {fix or 'days as hours (1d = 24h)'}"
    if _NUMBER_RE.match(text):
        number = text.strip()
        if bare_seconds:
            return f"only whole seconds may go without a unit: write {number}s"
        return f"this field takes Go durations only, and a number needs a unit: write {number}s"
    if fix is not None:
        return f"not a Go duration, which is {forms}: write {fix}"
    return f"not a Go duration: write {forms}"


def go_duration_nanoseconds(text: str) -> int:
    """Read a Go ``time.ParseDuration`` string and return it in nanoseconds.

    Args:
        text: A Go duration (``"90s"``, ``"1h30m"``, ``"-5m"``, ``"0"``).

    Returns:
        The duration in nanoseconds (negative for a leading ``-``), as Go's int64 holds it.

    Raises:
        DurationError: ``text`` is not a Go duration; the message is
            :func:`go_duration_problem`'s.
    """
    problem = go_duration_problem(text, bare_seconds=False)
    if problem is not None:
        raise DurationError(problem)
    total = sum(
        int(float(number) * _GO_UNIT_NS[unit]) for number, unit in _GO_PART_RE.findall(text)
    )
    return -total if text.startswith("-") else total


DURATION_FIELDS: dict[str, dict[str, bool]] = {
    "template": {"timeout": True},
    "templateDefaults": {"timeout": True},
    "suspend": {"duration": True},
    "backoff": {"duration": True, "cap": True, "maxDuration": True},
    "memoize": {"maxAge": False},
    "retryStrategy": {"duration": False},
    "podGC": {"deleteDelayDuration": True},
}
"""Argo's string duration fields, by the key of the object holding them (``"template"``: a
template itself), each with whether it also takes whole seconds (``"20"``, Argo tries
``strconv.Atoi`` first) or Go durations only. ``retryStrategy.duration`` is a container set's;
``backoff`` is ``retryStrategy.backoff``. FACTS §7.7."""


def argo_duration_ns(value: object, *, bare_seconds: bool) -> int | None:
    """The duration Argo reads from a field's value, in nanoseconds, or ``None`` when the
    field would not read it (or it is templated, ``{{...}}``).

    Args:
        value: The field's value as written (text, or a YAML integer).
        bare_seconds: Whether the field takes whole seconds (:data:`DURATION_FIELDS`).

    Returns:
        Nanoseconds: ``"20"`` and ``"20s"`` give the same (when ``bare_seconds``), as do
        ``"120s"`` and ``"2m"``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    if bare_seconds and _BARE_SECONDS_RE.match(value):
        return int(value) * 10**9
    if go_duration_problem(value, bare_seconds=False) is not None:
        return None
    return go_duration_nanoseconds(value)
