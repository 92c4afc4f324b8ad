"""Cron schedules and time zones as Argo's CronWorkflow controller reads them.

Argo v4.1.2 checks each ``CronWorkflow.spec.schedules[]`` entry with robfig/cron v3
``cron.ParseStandard`` (``workflow/validate/validate.go``) and schedules
``"CRON_TZ=<spec.timezone> <schedule>"`` when ``spec.timezone`` is set
(``CronWorkflowSpec.GetSchedulesWithTimezone``). The facts below are from robfig/cron v3.0.1
``parser.go`` and ``spec.go``; :func:`cron_problem` follows them exactly, except where noted.

* **Prefix.** A schedule may start with ``CRON_TZ=<zone> `` or ``TZ=<zone> ``. The zone runs from
  the ``=`` to the first ASCII space and is loaded with Go's ``time.LoadLocation`` (an IANA name,
  ``UTC``, ``Local``; an empty name means UTC). With no space after it robfig panics. The rest is
  trimmed of whitespace. A schedule with its own prefix in a CronWorkflow that also sets
  ``timezone`` becomes ``CRON_TZ=a CRON_TZ=b ...``, which the controller cannot read.
* **Descriptors**, matched exactly (case matters; surrounding spaces only when a prefix was
  trimmed): ``@yearly``/``@annually`` (``0 0 1 1 *``), ``@monthly`` (``0 0 1 * *``),
  ``@weekly`` (``0 0 * * 0``), ``@daily``/``@midnight`` (``0 0 * * *``), ``@hourly``
  (``0 * * * *``), and ``@every <d>`` (one space, then a Go ``time.ParseDuration`` string). An
  ``@every`` interval below one second counts as one second; fractions of a second are dropped;
  runs are not aligned to the clock (each comes one interval after the previous one).
* **Fields.** Otherwise exactly five fields, split on Unicode whitespace: minute 0-59, hour 0-23,
  day of month 1-31, month 1-12 or ``jan``-``dec``, day of week 0-6 or ``sun``-``sat`` (Sunday
  is 0 only: 7 is out of range). Names are read, case-insensitively, in those last two fields
  only. There is no seconds or year field and no Quartz ``L``, ``W``, ``#`` or ``H``.
* A field is a comma-separated list (empty items are skipped) of ``*`` or ``?`` (every value;
  ``?`` works in any field, not only the day fields), ``N`` or ``N-M``, each optionally followed
  by ``/step`` (a whole number >= 1; ``N/step`` means ``N-max/step``). Numbers are Go
  ``strconv.Atoi``: an optional sign and ASCII digits (``+5`` and ``05`` are 5). Ranges do not
  wrap around (``22-2`` is refused).
* **Days.** When the day-of-month or the day-of-week field contains a ``*`` or ``?`` whose step
  is 1, a day must match both fields; otherwise it must match either. So ``0 0 */2 * mon`` runs on
  odd days *and* on Mondays (classic cron would run on odd Mondays only).
* **Time.** Schedules are evaluated on the zone's wall clock, moving an hour at a time through
  absolute time: a wall-clock time skipped by a daylight-saving change does not run that day,
  and one that happens twice runs twice. Without a zone, the zone of the time given to
  ``Next`` (the controller's local time). ``Next`` gives up after five years without a match.

tiphys refuses four things robfig accepts, none of which does what its author meant: a field that
lists no values (``,``: the workflow never runs), a day of month that none of the listed months
has while the day of week is ``*`` (``0 0 30 2 *``: never runs), a ``-M`` after ``*`` or ``?``
(robfig ignores it), and an ``@every`` interval below one second (robfig runs it every second).

The field semantics (which instants a parsed schedule names) are evaluated by the ``cronsim``
library: the parsed fields are written back as an explicit five-field expression with robfig's
day rule, evaluated on naive wall-clock times, and each wall-clock time is then placed in the
zone as robfig would (:func:`next_times`). ``cronsim`` and ``zoneinfo`` are imported only when
a function needs them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from tiphys.argo.durations import DurationError, go_duration_nanoseconds
from tiphys.errors import closest, did_you_mean

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

__all__ = ["DESCRIPTORS", "cron_problem", "next_times", "timezone_problem"]

DESCRIPTORS: dict[str, str] = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
"""robfig's fixed descriptors and the five-field schedule each stands for."""

_EVERY = "@every "
_PREFIXES = ("CRON_TZ=", "TZ=")
_FIELDS_TEXT = "minute hour day-of-month month day-of-week"
# Unicode White_Space, which Go's strings.Fields and strings.TrimSpace split on (Python's
# str.split() also splits on \x1c-\x1f, which Go does not).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_GO_SPACES_RE = re.compile(f"[{_GO_SPACE}]+")
_GO_TRIM_RE = re.compile(f"^[{_GO_SPACE}]+|[{_GO_SPACE}]+\\Z")
_ATOI_RE = re.compile(r"[+-]?[0-9]+\Z")
_QUARTZ_RE = re.compile(
    r"(\d*L(-\d+)?|L?W|\d+W|(\d+|[a-z]{3})(L|#\d+)|H(\(\d+-\d+\))?(/\d+)?)\Z", re.I
)
_SECOND_NS = 10**9
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: 29 in leap years
# Wall-clock times are searched from this long before the given time, so that the second
# occurrence of a repeated hour (after a daylight-saving change) is not missed.
_DST_MARGIN = timedelta(hours=3)
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})  # files of the database, not zones


@dataclass(frozen=True)
class _Bounds:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] is the value low + i


_BOUNDS = (
    _Bounds("minute", 0, 59),
    _Bounds("hour", 0, 23),
    _Bounds("day-of-month", 1, 31),
    _Bounds("month", 1, 12, _MONTHS),
    _Bounds("day-of-week", 0, 6, _DAYS),
)


class _Problem(ValueError):
    """A schedule robfig refuses (or tiphys refuses); the message says why and what to do."""


@dataclass(frozen=True)
class _Field:
    values: frozenset[int]
    star: bool  # robfig's star bit: a '*' or '?' with step 1 somewhere in the list

    def text(self) -> str:
        """The values as an explicit list (never ``*``: see :meth:`_Schedule.expression`)."""
        return ",".join(str(v) for v in sorted(self.values))


@dataclass(frozen=True)
class _Schedule:
    """A parsed schedule: a zone from its prefix, and an ``@every`` interval or five fields."""

    zone: str | None
    every_ns: int | None
    fields: tuple[_Field, ...]

    def expression(self) -> str:
        """The five fields as cronsim reads them, with robfig's day rule.

        cronsim (like classic cron) ANDs the two day fields when one of them *starts with*
        ``*``; robfig when one holds a star bit. So a day field is written ``*`` exactly when it
        holds robfig's star bit, and as an explicit value list otherwise.
        """
        minute, hour, dom, month, dow = self.fields
        return " ".join(
            (
                minute.text(),
                hour.text(),
                "*" if dom.star else dom.text(),
                month.text(),
                "*" if dow.star else dow.text(),
            )
        )


# -- parsing --------------------------------------------------------------------------------------


def _atoi(text: str) -> int | None:
    """Go's ``strconv.Atoi``: an optional sign and ASCII digits, or ``None``."""
    return int(text) if _ATOI_RE.match(text) else None


def _value(token: str, bounds: _Bounds) -> int:
    """A number or (in the month and day-of-week fields) a name."""
    if token.lower() in bounds.names:
        return bounds.low + bounds.names.index(token.lower())
    number = _atoi(token)
    if number is not None:
        return number
    if _QUARTZ_RE.match(token):
        raise _Problem(
            f"the {bounds.name} field uses {token!r}, a Quartz extension; Argo's cron "
            "(robfig/cron) has no L (last), W (weekday), # (nth weekday) or H (hash): list the "
            "values instead, or decide in the workflow with a 'when' condition"
        )
    if bounds.names:
        names = ", ".join(bounds.names)
        hint = did_you_mean(token.lower()[:3], bounds.names) if token.isalpha() else ""
        raise _Problem(
            f"the {bounds.name} field has {token!r}, which is neither a number "
            f"({bounds.low}-{bounds.high}) nor a name ({names}).{hint}"
        )
    named = ""
    if token.lower() in _MONTHS or token.lower() in _DAYS:
        named = ": names are read only in the month (jan-dec) and day-of-week (sun-sat) fields"
    raise _Problem(
        f"the {bounds.name} field has {token!r}, which is not a number "
        f"({bounds.low}-{bounds.high}){named}"
    )


def _range(item: str, bounds: _Bounds) -> tuple[range, bool]:
    """One list item of a field (robfig ``getRange``): its values and whether it is a star."""
    range_step = item.split("/")
    if len(range_step) > 2:
        raise _Problem(f"the {bounds.name} field has {item!r}, with more than one '/'")
    low_high = range_step[0].split("-")
    star = low_high[0] in ("*", "?")
    if star:
        if len(low_high) > 1:
            raise _Problem(
                f"the {bounds.name} field has {item!r}: Argo's cron ignores what follows "
                f"{low_high[0]!r}, so it means every {bounds.name}; write {low_high[0]!r} or a "
                f"range such as {bounds.low}-{bounds.high}"
            )
        start, end = bounds.low, bounds.high
    else:
        if len(low_high) > 2:
            raise _Problem(f"the {bounds.name} field has {item!r}, with more than one '-'")
        start = _value(low_high[0], bounds)
        end = start if len(low_high) == 1 else _value(low_high[1], bounds)
    step = 1
    if len(range_step) == 2:
        number = _atoi(range_step[1])
        if number is None or number <= 0:
            raise _Problem(
                f"the {bounds.name} field has {item!r}: a step must be a whole number, 1 or more"
            )
        step = number
        if len(low_high) == 1:
            end = bounds.high
        star = star and step <= 1
    if start < bounds.low or end > bounds.high:
        value = start if start < bounds.low else end
        extra = " (Sunday is 0; there is no 7)" if bounds.name == "day-of-week" else ""
        raise _Problem(
            f"the {bounds.name} field has {item!r}: {value} is outside "
            f"{bounds.low}-{bounds.high}{extra}"
        )
    if start > end:
        raise _Problem(
            f"the {bounds.name} field has {item!r}, a range that runs backwards; ranges do not "
            f"wrap around: write {start}-{bounds.high},{bounds.low}-{end}"
        )
    return range(start, end + 1, step), star


def _field(text: str, bounds: _Bounds) -> _Field:
    """One field (robfig ``getField``): a comma-separated list whose empty items are skipped."""
    items = [item for item in text.split(",") if item]
    if not items:
        raise _Problem(
            f"the {bounds.name} field {text!r} lists no values, so the workflow would never "
            f"run: write '*' or the {bounds.name}s to run at"
        )
    values: set[int] = set()
    star = False
    for item in items:
        found, item_star = _range(item, bounds)
        values.update(found)
        star = star or item_star
    return _Field(frozenset(values), star)


def _fields(text: str) -> tuple[_Field, ...]:
    parts = [p for p in _GO_SPACES_RE.split(text) if p]
    count = len(parts)
    if parts and parts[0].startswith("@"):
        raise _Problem(
            f"{parts[0]!r} has a space before it, and Argo's cron reads a descriptor only at the "
            "very start: remove the space"
        )
    if count != 5:
        said = f"it has {count} field{'s' if count != 1 else ''}" if count else "it is blank"
        extra = ", and has no seconds or year field" if count in (6, 7) else ""
        raise _Problem(
            f"{said}, but Argo's cron reads exactly 5 ({_FIELDS_TEXT}){extra}: "
            "for example '0 2 * * *' runs at 02:00 every day"
        )
    fields = tuple(_field(part, bounds) for part, bounds in zip(parts, _BOUNDS, strict=True))
    _check_days(fields)
    return fields


def _check_days(fields: tuple[_Field, ...]) -> None:
    """A day of month that no listed month has, when it alone decides the day."""
    dom, month, dow = fields[2], fields[3], fields[4]
    if dom.star or not dow.star:
        return
    longest = max(_MONTH_DAYS[m - 1] for m in month.values)
    if min(dom.values) > longest:
        months = ", ".join(_MONTHS[m - 1] for m in sorted(month.values))
        raise _Problem(
            f"no listed month ({months}) has day {min(dom.values)}, so the workflow would never "
            "run; Argo accepts it and never starts it: fix the day-of-month or month field"
        )


def _descriptor(text: str) -> int | None:
    """An ``@...`` descriptor: ``None`` for a fixed one, the interval for ``@every``."""
    if text in DESCRIPTORS:
        return None
    if text.startswith(_EVERY):
        duration = text[len(_EVERY) :]
        try:
            nanoseconds = go_duration_nanoseconds(duration)
        except DurationError as exc:
            raise _Problem(f"the interval of '@every {duration}' is not valid: {exc}") from None
        if nanoseconds < _SECOND_NS:
            raise _Problem(
                f"'@every {duration}' is shorter than one second, and Argo's cron then runs the "
                "workflow every second: give an interval of 1s or more"
            )
        return nanoseconds
    known = [*DESCRIPTORS, "@every"]
    word = _GO_SPACES_RE.split(text.strip(), maxsplit=1)[0]
    if text.strip() in DESCRIPTORS:
        hint = f" Remove the spaces: write {text.strip()!r}."
    elif word == "@every":
        hint = " Write '@every <duration>' with one space, e.g. '@every 1h30m'."
    else:
        hint = did_you_mean(word, known)
    raise _Problem(
        f"{text!r} is not a descriptor Argo's cron knows ({', '.join(known)} <duration>).{hint}"
    )


def _split_prefix(schedule: str) -> tuple[str | None, str]:
    """``(zone, rest)`` of a ``CRON_TZ=``/``TZ=`` prefix, or ``(None, schedule)``."""
    if not schedule.startswith(_PREFIXES):
        return None, schedule
    prefix = schedule[: schedule.index("=") + 1]
    space = schedule.find(" ")
    if space == -1:
        raise _Problem(
            f"the {prefix} prefix must be followed by a space and the schedule, e.g. "
            f"'{prefix}Europe/Paris 0 2 * * *'"
        )
    zone = schedule[len(prefix) : space]
    if zone:
        problem = timezone_problem(zone)
        if problem is not None:
            raise _Problem(f"the time zone of the {prefix} prefix: {problem}")
    return zone, _GO_TRIM_RE.sub("", schedule[space:])


def _parse(schedule: str) -> _Schedule:
    if not schedule:
        raise _Problem(f"it is empty: write 5 fields ({_FIELDS_TEXT}), e.g. '0 2 * * *'")
    zone, rest = _split_prefix(schedule)
    if rest.startswith("@"):
        every = _descriptor(rest)
        if every is not None:
            return _Schedule(zone, every, ())
        rest = DESCRIPTORS[rest]
    return _Schedule(zone, None, _fields(rest))


# -- public checks ------------------------------------------------------------------------------


def cron_problem(schedule: str, *, timezone: str | None = None) -> str | None:
    """Say why Argo cannot use ``schedule`` in ``CronWorkflow.spec.schedules``, or return None.

    The rules are robfig/cron v3 ``ParseStandard``'s (see the module docstring), plus the four
    refusals listed there.

    Args:
        schedule: One schedule as written: ``"0 2 * * *"``, ``"@daily"``, ``"@every 90m"``,
            ``"CRON_TZ=Europe/Paris 0 2 * * 1-5"``.
        timezone: The CronWorkflow's ``spec.timezone``, when set: a schedule with its own
            ``CRON_TZ=``/``TZ=`` prefix is then refused (the controller prefixes it again and
            cannot read the result).

    Returns:
        ``None`` when Argo accepts the schedule, else one sentence saying what is wrong and what
        to write (it does not repeat the schedule).
    """
    try:
        parsed = _parse(schedule)
    except _Problem as exc:
        return str(exc)
    if timezone and parsed.zone is not None:
        return (
            f"it has its own time zone prefix while the CronWorkflow sets timezone "
            f"{timezone!r}, and Argo then writes 'CRON_TZ={timezone} {schedule}', which its "
            "controller cannot read: remove the prefix or the timezone"
        )
    if parsed.every_ns is None:
        from cronsim import CronSim, CronSimError

        try:
            CronSim(parsed.expression(), datetime(2000, 1, 1))
        except CronSimError as exc:  # pragma: no cover - every case is refused above
            return f"it cannot be evaluated: {exc}"
    return None


def timezone_problem(name: str) -> str | None:
    """Say why ``name`` is not a time zone Argo can load, or return ``None``.

    Argo loads ``CronWorkflow.spec.timezone`` (and a ``CRON_TZ=`` prefix) with Go's
    ``time.LoadLocation``: an IANA time zone name (``Europe/Paris``, ``America/New_York``,
    ``UTC``, ``Etc/GMT+5``), or ``Local`` for the controller's own zone. Names are
    case-sensitive. They are looked up with :mod:`zoneinfo` (the ``tzdata`` package supplies the
    database where the system has none).

    Args:
        name: The zone name as written.

    Returns:
        ``None`` when the name is valid, else what is wrong, with the closest valid name when
        one is close.
    """
    if name in ("UTC", "Local"):
        return None
    if not name:
        return (
            "the time zone is empty: leave it out for the controller's zone, or name one such "
            "as 'Europe/Paris'"
        )
    if _zone_or_none(name) is not None:
        return None
    import zoneinfo

    known = sorted((zoneinfo.available_timezones() | {"UTC"}) - _NOT_ZONES)
    folded = name.lower().replace(" ", "_")
    same = [z for z in known if z.lower() == folded]
    by_city = [z for z in known if z.rsplit("/", 1)[-1].lower() == folded]
    close = same[0] if same else by_city[0] if by_city else closest(name, known)
    hint = f" Did you mean {close!r}?" if close else ""
    return (
        f"{name!r} is not a time zone name Argo knows: use an IANA name such as "
        f"'Europe/Paris', 'America/New_York' or 'UTC' (names are case-sensitive).{hint}"
    )


def _zone_or_none(name: str) -> ZoneInfo | None:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


# -- evaluation ---------------------------------------------------------------------------------


def _local_zone() -> tzinfo:
    """Go's ``time.Local``: ``$TZ`` (empty: UTC), else ``/etc/localtime``, else UTC."""
    import zoneinfo

    tz = os.environ.get("TZ")
    if tz is not None:
        if not tz:
            return UTC
        zone = _zone_or_none(tz.removeprefix(":"))
        return zone if zone is not None else UTC
    try:
        with open("/etc/localtime", "rb") as file:
            return zoneinfo.ZoneInfo.from_file(file, key="localtime")
    except (OSError, ValueError):
        return UTC


def _zone(name: str) -> tzinfo:
    if name == "Local":
        return _local_zone()
    if name in ("", "UTC"):
        return UTC
    zone = _zone_or_none(name)
    if zone is None:
        raise ValueError(timezone_problem(name))
    return zone


def _instants(wall: datetime, zone: tzinfo) -> list[datetime]:
    """The instants (in UTC) whose wall-clock time in ``zone`` is ``wall`` (naive): none in the
    gap of a daylight-saving change, two in a repeated hour, else one.

    They are returned in UTC because Python compares two datetimes of the same ``tzinfo`` by
    their wall-clock times, ignoring ``fold``.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) != wall:
        return []
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return [first, second] if second != first else [first]


def _wall_clock_runs(schedule: _Schedule, zone: tzinfo, after: datetime) -> Iterator[datetime]:
    """Every run after ``after``, in order (in UTC), searched on the wall clock with cronsim."""
    from cronsim import CronSim

    after = after.astimezone(UTC)
    start = after.astimezone(zone).replace(tzinfo=None) - _DST_MARGIN
    pending: list[datetime] = []
    for wall in CronSim(schedule.expression(), start):
        earliest = wall.replace(tzinfo=zone, fold=0).astimezone(UTC) - _DST_MARGIN
        pending.sort()
        while pending and pending[0] < earliest:
            yield pending.pop(0)
        pending += [t for t in _instants(wall, zone) if t > after]
    yield from sorted(pending)


def next_times(schedule: str, tz: str | None, after: datetime, n: int) -> list[datetime]:
    """The next ``n`` times Argo runs a schedule after ``after`` (robfig ``Schedule.Next``).

    Args:
        schedule: One schedule of ``spec.schedules`` (any form :func:`cron_problem` accepts).
        tz: The CronWorkflow's ``spec.timezone`` (an IANA name, ``UTC``, ``Local`` for this
            machine's zone), or ``None``: then the schedule's own ``CRON_TZ=`` prefix, else the
            zone of ``after`` (as the controller uses its local time).
        after: A timezone-aware time; every returned time is strictly later.
        n: How many times (>= 0).

    Returns:
        ``n`` aware datetimes in ``after``'s time zone, in order, on whole seconds. Wall-clock
        times skipped by a daylight-saving change are skipped; repeated ones come twice. For
        ``@every <d>``, the times are ``after`` (without its fraction of a second) plus 1, 2...
        intervals.

    Raises:
        ValueError: The schedule or the zone is invalid (the message is
            :func:`cron_problem`'s), both ``tz`` and a prefix are given, ``after`` is naive, or
            ``n`` is negative.
    """
    problem = cron_problem(schedule, timezone=tz)
    if problem is not None:
        raise ValueError(f"schedule {schedule!r}: {problem}")
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be a timezone-aware datetime")
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    parsed = _parse(schedule)
    if parsed.every_ns is not None:
        interval = timedelta(seconds=parsed.every_ns // _SECOND_NS)
        base = after.replace(microsecond=0)
        return [base + interval * k for k in range(1, n + 1)]
    name = tz if tz else parsed.zone
    zone = _zone(name) if name is not None else after.tzinfo
    out: list[datetime] = []
    if n:
        for run in _wall_clock_runs(parsed, zone, after):
            out.append(run.astimezone(after.tzinfo))
            if len(out) == n:
                break
    return out
