"""Durations as users write them, and the Go durations and seconds emitted for Argo."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiphys.argo.durations import (
    DurationError,
    go_duration_problem,
    parse_duration,
    to_go_duration,
    to_seconds,
)


@pytest.mark.parametrize(
    ("value", "go", "seconds"),
    [
        (0, "0s", 0),
        (30, "30s", 30),
        (90, "1m30s", 90),
        ("1d", "24h", 86400),
        ("1h30m", "1h30m", 5400),
        ("1.5s", "1.5s", 2),
        ("250ms", "0.25s", 1),
        (3600.00001, "1h0.00001s", 3601),
    ],
)
def test_conversions(value: int | float | str, go: str, seconds: int) -> None:
    assert to_go_duration(value) == go
    assert to_seconds(value) == seconds


@pytest.mark.parametrize("value", ["", "10 minutes", "1y", "-5s", True, -1])
def test_bad_durations(value: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(value)  # type: ignore[arg-type]


@given(st.floats(min_value=0, max_value=10**7, allow_nan=False, allow_infinity=False))
def test_every_go_duration_emitted_is_one_go_reads(seconds: float) -> None:
    assert go_duration_problem(to_go_duration(seconds), bare_seconds=False) is None
