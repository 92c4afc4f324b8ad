"""``tiphys.argo.cron``: schedules as robfig/cron ``ParseStandard`` reads them, time zones, and
the run times ``next_times`` computes.

The properties compare against a small independent reference: a generator that builds valid
robfig fields and knows which values each one names (and whether it holds robfig's star bit),
and a matcher that scans days (UTC) or minutes (a daylight-saving zone) for matching times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tiphys.argo.cron import DESCRIPTORS, cron_problem, next_times, timezone_problem

NEW_YORK = ZoneInfo("America/New_York")
FIELDS = "(minute hour day-of-month month day-of-week)"
QUARTZ = (
    "a Quartz extension; Argo's cron (robfig/cron) has no L (last), W (weekday), # (nth "
    "weekday) or H (hash): list the values instead, or decide in the workflow with a 'when' "
    "condition"
)
NOT_A_ZONE = (
    "is not a time zone name Argo knows: use an IANA name such as 'Europe/Paris', "
    "'America/New_York' or 'UTC' (names are case-sensitive)."
)


# -- accepted ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [
        "* * * * *",
        "0 2 * * *",
        "*/5 * * * 1-5",
        "0 0 1,15 * *",
        "0 9-17/2 * jan-MAR Mon-fri",
        "? ? ? ? ?",  # robfig reads '?' in every field, not only the day fields
        "1,,2 * * * *",  # empty list items are skipped
        "+5 05 * * *",  # strconv.Atoi: a sign and leading zeros
        "5/100 * * * *",  # a step larger than the range: the start only
        "0 0 30 2 mon",  # February 30 never comes, but Mondays do (either day field)
        "0 0 29 2 *",  # every leap year
        "0\t2  *\n* *",  # any whitespace separates fields
        *DESCRIPTORS,
        "@every 1h30m",
        "@every 1s",
        "CRON_TZ=Europe/Paris 0 2 * * *",
        "TZ=UTC @daily",
        "CRON_TZ=UTC   @daily  ",  # the rest is trimmed after a prefix
        "CRON_TZ= 0 2 * * *",  # an empty zone is UTC
        "TZ=Local 0 2 * * *",
    ],
)
def test_accepted(schedule: str) -> None:
    assert cron_problem(schedule) is None


# -- refused: whole messages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("", f"it is empty: write 5 fields {FIELDS}, e.g. '0 2 * * *'"),
        (
            "   ",
            f"it is blank, but Argo's cron reads exactly 5 {FIELDS}: for example '0 2 * * *' "
            "runs at 02:00 every day",
        ),
        (
            "0 0 2 * * *",
            f"it has 6 fields, but Argo's cron reads exactly 5 {FIELDS}, and has no seconds or "
            "year field: for example '0 2 * * *' runs at 02:00 every day",
        ),
        (
            "0 0 2 * * * 2030",
            f"it has 7 fields, but Argo's cron reads exactly 5 {FIELDS}, and has no seconds or "
            "year field: for example '0 2 * * *' runs at 02:00 every day",
        ),
        (
            "0 2 * *",
            f"it has 4 fields, but Argo's cron reads exactly 5 {FIELDS}: for example "
            "'0 2 * * *' runs at 02:00 every day",
        ),
        ("0 0 L * *", f"the day-of-month field uses 'L', {QUARTZ}"),
        ("0 0 15W * *", f"the day-of-month field uses '15W', {QUARTZ}"),
        ("0 0 * * 5L", f"the day-of-week field uses '5L', {QUARTZ}"),
        ("0 0 * * mon#2", f"the day-of-week field uses 'mon#2', {QUARTZ}"),
        ("H * * * *", f"the minute field uses 'H', {QUARTZ}"),
        (
            "0 0 * * 7",
            "the day-of-week field has '7': 7 is outside 0-6 (Sunday is 0; there is no 7)",
        ),
        ("60 * * * *", "the minute field has '60': 60 is outside 0-59"),
        ("0 0 0 * *", "the day-of-month field has '0': 0 is outside 1-31"),
        ("0 0 * 1-13 *", "the month field has '1-13': 13 is outside 1-12"),
        (
            "0 22-2 * * *",
            "the hour field has '22-2', a range that runs backwards; ranges do not wrap around: "
            "write 22-23,0-2",
        ),
        ("*/0 * * * *", "the minute field has '*/0': a step must be a whole number, 1 or more"),
        ("*/-1 * * * *", "the minute field has '*/-1': a step must be a whole number, 1 or more"),
        ("*/x * * * *", "the minute field has '*/x': a step must be a whole number, 1 or more"),
        ("1/2/3 * * * *", "the minute field has '1/2/3', with more than one '/'"),
        ("1-2-3 * * * *", "the minute field has '1-2-3', with more than one '-'"),
        (
            "*-5 * * * *",
            "the minute field has '*-5': Argo's cron ignores what follows '*', so it means every "
            "minute; write '*' or a range such as 0-59",
        ),
        (
            ", * * * *",
            "the minute field ',' lists no values, so the workflow would never run: write '*' "
            "or the minutes to run at",
        ),
        (
            "0 0 * * monday",
            "the day-of-week field has 'monday', which is neither a number (0-6) nor a name "
            "(sun, mon, tue, wed, thu, fri, sat). Did you mean 'mon'?",
        ),
        (
            "0 jan * * *",
            "the hour field has 'jan', which is not a number (0-23): names are read only in the "
            "month (jan-dec) and day-of-week (sun-sat) fields",
        ),
        (
            "0 0 30 2 *",
            "no listed month (feb) has day 30, so the workflow would never run; Argo accepts it "
            "and never starts it: fix the day-of-month or month field",
        ),
        (
            "0 0 31 apr,jun *",
            "no listed month (apr, jun) has day 31, so the workflow would never run; Argo "
            "accepts it and never starts it: fix the day-of-month or month field",
        ),
        (
            "@dialy",
            "'@dialy' is not a descriptor Argo's cron knows (@yearly, @annually, @monthly, "
            "@weekly, @daily, @midnight, @hourly, @every <duration>). Did you mean '@daily'?",
        ),
        (
            "@daily ",
            "'@daily ' is not a descriptor Argo's cron knows (@yearly, @annually, @monthly, "
            "@weekly, @daily, @midnight, @hourly, @every <duration>). Remove the spaces: write "
            "'@daily'.",
        ),
        (
            " @daily",
            "'@daily' has a space before it, and Argo's cron reads a descriptor only at the "
            "very start: remove the space",
        ),
        (
            "@every",
            "'@every' is not a descriptor Argo's cron knows (@yearly, @annually, @monthly, "
            "@weekly, @daily, @midnight, @hourly, @every <duration>). Write '@every "
            "<duration>' with one space, e.g. '@every 1h30m'.",
        ),
        (
            "@every 1d",
            "the interval of '@every 1d' is not valid: Go durations have no 'd' unit: write 24h",
        ),
        (
            "@every 500ms",
            "'@every 500ms' is shorter than one second, and Argo's cron then runs the workflow "
            "every second: give an interval of 1s or more",
        ),
        (
            "CRON_TZ=UTC",
            "the CRON_TZ= prefix must be followed by a space and the schedule, e.g. "
            "'CRON_TZ=Europe/Paris 0 2 * * *'",
        ),
        (
            "TZ=Europe/Pari 0 2 * * *",
            f"the time zone of the TZ= prefix: 'Europe/Pari' {NOT_A_ZONE} Did you mean "
            "'Europe/Paris'?",
        ),
    ],
)
def test_refused(schedule: str, message: str) -> None:
    assert cron_problem(schedule) == message


def test_a_prefix_with_a_timezone_is_refused() -> None:
    assert cron_problem("CRON_TZ=UTC 0 2 * * *", timezone="Europe/Paris") == (
        "it has its own time zone prefix while the CronWorkflow sets timezone 'Europe/Paris', "
        "and Argo then writes 'CRON_TZ=Europe/Paris CRON_TZ=UTC 0 2 * * *', which its "
        "controller cannot read: remove the prefix or the timezone"
    )
    assert cron_problem("0 2 * * *", timezone="Europe/Paris") is None


# -- time zones --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/Paris", "America/New_York", "UTC", "Local", "Etc/GMT+5"])
def test_valid_time_zones(name: str) -> None:
    assert timezone_problem(name) is None


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("utc", " Did you mean 'UTC'?"),  # Go's names are case-sensitive
        ("Paris", " Did you mean 'Europe/Paris'?"),
        ("America/New York", " Did you mean 'America/New_York'?"),
        ("../etc/passwd", ""),
    ],
)
def test_invalid_time_zones(name: str, suggestion: str) -> None:
    assert timezone_problem(name) == f"{name!r} {NOT_A_ZONE}{suggestion}"


def test_empty_time_zone() -> None:
    assert timezone_problem("") == (
        "the time zone is empty: leave it out for the controller's zone, or name one such as "
        "'Europe/Paris'"
    )


# -- next_times --------------------------------------------------------------------------------


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def iso(times: list[datetime]) -> list[str]:
    return [t.isoformat() for t in times]


def test_day_fields_are_or_ed_unless_one_holds_a_star() -> None:
    # */2 has no star bit (its step is 2): odd days OR Mondays (2024-01-08 is a Monday).
    assert iso(next_times("0 0 */2 * mon", None, utc(2024, 1, 1), 6)) == [
        "2024-01-03T00:00:00+00:00",
        "2024-01-05T00:00:00+00:00",
        "2024-01-07T00:00:00+00:00",
        "2024-01-08T00:00:00+00:00",
        "2024-01-09T00:00:00+00:00",
        "2024-01-11T00:00:00+00:00",
    ]
    # '*' holds it: Mondays only.
    assert iso(next_times("0 0 * * mon", None, utc(2024, 1, 1), 2)) == [
        "2024-01-08T00:00:00+00:00",
        "2024-01-15T00:00:00+00:00",
    ]


def test_a_repeated_hour_runs_twice_and_a_skipped_one_not_at_all() -> None:
    fall = next_times(
        "30 1 * * *", "America/New_York", datetime(2024, 11, 2, 12, tzinfo=NEW_YORK), 3
    )
    assert iso(fall) == [
        "2024-11-03T01:30:00-04:00",
        "2024-11-03T01:30:00-05:00",
        "2024-11-04T01:30:00-05:00",
    ]
    spring = next_times(
        "30 2 * * *", "America/New_York", datetime(2024, 3, 9, 12, tzinfo=NEW_YORK), 2
    )
    assert iso(spring) == ["2024-03-11T02:30:00-04:00", "2024-03-12T02:30:00-04:00"]


def test_zone_from_the_prefix_and_results_in_the_zone_of_after() -> None:
    assert iso(next_times("CRON_TZ=Asia/Tokyo 0 9 * * *", None, utc(2024, 1, 1), 2)) == [
        "2024-01-02T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
    ]


def test_without_a_zone_the_wall_clock_of_after() -> None:
    after = datetime(2024, 1, 1, 12, tzinfo=NEW_YORK)
    assert iso(next_times("0 9 * * *", None, after, 1)) == ["2024-01-02T09:00:00-05:00"]


def test_every_counts_from_after_without_its_fraction() -> None:
    after = datetime(2024, 1, 1, 0, 0, 5, 500_000, tzinfo=UTC)
    assert iso(next_times("@every 90m", "UTC", after, 3)) == [
        "2024-01-01T01:30:05+00:00",
        "2024-01-01T03:00:05+00:00",
        "2024-01-01T04:30:05+00:00",
    ]


def test_descriptors_and_leap_days() -> None:
    assert iso(next_times("@yearly", "UTC", utc(2024, 3, 1), 2)) == [
        "2025-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00+00:00",
    ]
    assert iso(next_times("0 0 29 2 *", "UTC", utc(2024, 3, 1), 2)) == [
        "2028-02-29T00:00:00+00:00",
        "2032-02-29T00:00:00+00:00",
    ]


def test_times_are_strictly_after() -> None:
    assert iso(next_times("0 * * * *", "UTC", utc(2024, 1, 1, 5), 1)) == [
        "2024-01-01T06:00:00+00:00"
    ]
    assert next_times("0 * * * *", "UTC", utc(2024, 1, 1, 5), 0) == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: next_times("0 0 * * 7", None, utc(2024, 1, 1), 1),
            "schedule '0 0 * * 7': the day-of-week field has '7': 7 is outside 0-6 (Sunday is "
            "0; there is no 7)",
        ),
        (
            lambda: next_times("* * * * *", None, datetime(2024, 1, 1), 1),
            "after must be a timezone-aware datetime",
        ),
        (lambda: next_times("* * * * *", None, utc(2024, 1, 1), -1), "n must be 0 or more, not -1"),
        (
            lambda: next_times("* * * * *", "Mars/Base", utc(2024, 1, 1), 1),
            f"'Mars/Base' {NOT_A_ZONE}",
        ),
    ],
)
def test_next_times_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


# -- properties against an independent reference -------------------------------------------------


@dataclass(frozen=True)
class RefField:
    text: str
    values: frozenset[int]
    star: bool


BOUNDS = [(0, 59, ()), (0, 23, ()), (1, 31, ()), (1, 12, ("jan", "feb", "mar", "apr", "may",
          "jun", "jul", "aug", "sep", "oct", "nov", "dec")), (0, 6, ("sun", "mon", "tue", "wed",
          "thu", "fri", "sat"))]  # fmt: skip
MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


@st.composite
def ref_item(draw: st.DrawFn, index: int) -> RefField:
    low, high, names = BOUNDS[index]

    def word(value: int) -> str:
        if names and draw(st.booleans()):
            name = names[value - low]
            return draw(st.sampled_from([name, name.upper(), name.title()]))
        return str(value)

    kind = draw(st.sampled_from(["star", "single", "range"]))
    step = draw(st.one_of(st.none(), st.integers(1, high - low + 3)))
    if kind == "star":
        start, end, text = low, high, draw(st.sampled_from(["*", "?"]))
    elif kind == "single":
        start = draw(st.integers(low, high))
        end = high if step is not None else start
        text = word(start)
    else:
        start = draw(st.integers(low, high))
        end = draw(st.integers(start, high))
        text = f"{word(start)}-{word(end)}"
    if step is not None:
        text += f"/{step}"
    values = frozenset(range(start, end + 1, step or 1))
    return RefField(text, values, kind == "star" and (step or 1) == 1)


@st.composite
def ref_field(draw: st.DrawFn, index: int) -> RefField:
    items = draw(st.lists(ref_item(index), min_size=1, max_size=3))
    return RefField(
        ",".join(i.text for i in items),
        frozenset().union(*(i.values for i in items)),
        any(i.star for i in items),
    )


@st.composite
def ref_schedule(draw: st.DrawFn) -> tuple[str, list[RefField]]:
    fields = [draw(ref_field(i)) for i in range(5)]
    dom, month, dow = fields[2], fields[3], fields[4]
    if dow.star and not dom.star:  # otherwise it could never run (refused, tested above)
        assume(min(dom.values) <= max(MONTH_DAYS[m - 1] for m in month.values))
    separators = draw(st.lists(st.sampled_from([" ", "  ", "\t"]), min_size=4, max_size=4))
    text = fields[0].text + "".join(s + f.text for s, f in zip(separators, fields[1:], strict=True))
    return text, fields


def ref_matches(fields: list[RefField], t: datetime) -> bool:
    minute, hour, dom, month, dow = fields
    day_ok = (
        (t.day in dom.values and (t.isoweekday() % 7) in dow.values)
        if dom.star or dow.star
        else (t.day in dom.values or (t.isoweekday() % 7) in dow.values)
    )
    return (
        day_ok and t.month in month.values and t.hour in hour.values and t.minute in minute.values
    )


def ref_next_utc(fields: list[RefField], after: datetime, n: int) -> list[datetime]:
    """Scan day by day (UTC has no daylight saving) and list matching minutes of each day."""
    found: list[datetime] = []
    day = after.replace(hour=0, minute=0, second=0, microsecond=0)
    while len(found) < n and day.year < after.year + 9:
        if ref_matches(
            fields, day.replace(hour=min(fields[1].values), minute=min(fields[0].values))
        ):
            for hour in sorted(fields[1].values):
                for minute in sorted(fields[0].values):
                    t = day.replace(hour=hour, minute=minute)
                    if t > after and len(found) < n:
                        found.append(t)
        day += timedelta(days=1)
    return found


AFTER = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@given(ref_schedule(), AFTER)
def test_every_valid_schedule_is_accepted_and_runs_when_the_reference_says(
    schedule: tuple[str, list[RefField]], after: datetime
) -> None:
    text, fields = schedule
    assert cron_problem(text) is None
    assert next_times(text, "UTC", after, 3) == ref_next_utc(fields, after, 3)


@given(ref_schedule(), st.sampled_from(["0", "*/10", "30"]))
def test_a_seconds_or_year_field_is_refused(
    schedule: tuple[str, list[RefField]], extra: str
) -> None:
    text, _ = schedule
    for six in (f"{extra} {text}", f"{text} 2030"):
        problem = cron_problem(six)
        assert problem is not None and problem.startswith("it has 6 fields")


# Around both 2024 daylight-saving changes of New York, scanning every UTC minute: a run is any
# instant whose wall-clock time matches (so a repeated time matches twice, a skipped one never).
DST_AFTER = st.sampled_from([datetime(2024, 3, 9, 12), datetime(2024, 11, 2, 12)]).flatmap(
    lambda base: st.integers(0, 36 * 60).map(lambda m: base + timedelta(minutes=m))
)
DST_FIELDS = st.tuples(
    st.sampled_from(["0", "30", "*/20", "15,45"]), st.sampled_from(["*", "1", "2", "1-3", "*/2"])
)


@given(DST_FIELDS, DST_AFTER)
def test_daylight_saving_changes_match_a_minute_scan(
    fields: tuple[str, str], naive: datetime
) -> None:
    minute, hour = fields
    text = f"{minute} {hour} * * *"
    after = naive.replace(tzinfo=NEW_YORK).astimezone(UTC)
    end = after + timedelta(days=2)
    minutes_of = {"0": {0}, "30": {30}, "*/20": {0, 20, 40}, "15,45": {15, 45}}[minute]
    hours_of = {
        "*": set(range(24)),
        "1": {1},
        "2": {2},
        "1-3": {1, 2, 3},
        "*/2": set(range(0, 24, 2)),
    }[hour]
    expected: list[datetime] = []
    t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t <= end:
        wall = t.astimezone(NEW_YORK)
        if wall.minute in minutes_of and wall.hour in hours_of:
            expected.append(t)
        t += timedelta(minutes=1)
    got = next_times(text, "America/New_York", after, len(expected) + 1)
    assert got[: len(expected)] == expected
    assert got[-1] > end
