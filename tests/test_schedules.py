"""When a saved search runs next: every N hours, or daily at a wall-clock time in its zone,
across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dreamjobsearch.params.saved_searches import SavedSearchSpec

WARSAW = ZoneInfo("Europe/Warsaw")


def daily(at: str, zone: str = "Europe/Warsaw") -> SavedSearchSpec:
    """A daily saved search."""
    return SavedSearchSpec(name="n", queries=["python"], daily_at=at, time_zone=zone)


def test_every_hours_counts_from_the_last_start() -> None:
    spec = SavedSearchSpec(name="n", queries=["python"], every_hours=6)
    start = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert spec.next_run(start) == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)


def test_daily_later_today_or_tomorrow() -> None:
    spec = daily("08:30")
    before = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)  # 07:00 in Warsaw (UTC+1)
    assert spec.next_run(before) == datetime(2026, 12, 5, 7, 30, tzinfo=UTC)
    after = datetime(2026, 12, 5, 7, 30, tzinfo=UTC)  # exactly 08:30: the next is tomorrow
    assert spec.next_run(after) == datetime(2026, 12, 6, 7, 30, tzinfo=UTC)


def test_daily_keeps_the_wall_clock_time_across_summer_time() -> None:
    spec = daily("08:00")
    # The clocks go forward on 2027-03-28: 08:00 is 07:00 UTC before, 06:00 UTC after.
    assert spec.next_run(datetime(2027, 3, 27, 12, 0, tzinfo=UTC)) == datetime(
        2027, 3, 28, 6, 0, tzinfo=UTC
    )
    assert spec.next_run(datetime(2027, 3, 26, 12, 0, tzinfo=UTC)) == datetime(
        2027, 3, 27, 7, 0, tzinfo=UTC
    )


def test_a_time_the_clocks_skip_still_runs_that_day() -> None:
    spec = daily("02:30")  # does not exist in Warsaw on 2027-03-28
    found = spec.next_run(datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    assert found.astimezone(WARSAW).date() == datetime(2027, 3, 28).date()


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    zone=st.sampled_from(["UTC", "Europe/Warsaw", "America/New_York", "Australia/Lord_Howe"]),
)
def test_daily_is_soon_after_and_at_the_time_asked(
    moment: datetime, hour: int, minute: int, zone: str
) -> None:
    spec = daily(f"{hour:02d}:{minute:02d}", zone)
    found = spec.next_run(moment)
    assert moment < found <= moment + timedelta(hours=25)
    local = found.astimezone(ZoneInfo(zone))
    asked = local.replace(hour=hour, minute=minute, fold=0)
    if asked.astimezone(UTC).astimezone(ZoneInfo(zone)).time() == asked.time():
        assert (local.hour, local.minute) == (hour, minute)
    else:  # a time the clocks skip that day: it still runs that day
        assert local.date() == asked.date()


def test_an_edit_to_one_schedule_clears_the_other() -> None:
    spec = SavedSearchSpec(name="n", queries=["python"], every_hours=6)
    edited = spec.merged({"daily_at": "09:00", "time_zone": "Europe/Warsaw"})
    assert (edited.every_hours, edited.daily_at) == (None, "09:00")
    back = edited.merged({"every_hours": 12})
    assert (back.every_hours, back.daily_at) == (12, None)


@pytest.mark.parametrize("zone", ["Mars/Base", "../etc/passwd", ""])
def test_unknown_zones_are_refused(zone: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        daily("08:00", zone)
