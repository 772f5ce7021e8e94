"""Schedules: the next slot of an uptime check (no drift, no pile-up) and of a cron job
(croniter in the job's time zone, intervals)."""

from datetime import UTC, datetime, timedelta

import pytest

from monitors.scheduler import next_slot
from monitors.schedules import BadSchedule, next_expected, validate

T0 = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_next_slot_keeps_the_grid_and_skips_missed_slots():
    assert next_slot(T0, MINUTE, T0 + timedelta(seconds=3)) == T0 + MINUTE  # ran 3 s late
    assert next_slot(T0, MINUTE, T0 + timedelta(minutes=10, seconds=5)) == T0 + 11 * MINUTE
    assert next_slot(None, MINUTE, T0) == T0 + MINUTE


def test_crontab_follows_the_time_zone_across_daylight_saving():
    # Europe/Vienna switches to summer time on 2026-03-29: 09:00 local is 08:00 UTC, then 07:00.
    first = next_expected("crontab", "0 9 * * *", "", "Europe/Vienna", T0)
    second = next_expected("crontab", "0 9 * * *", "", "Europe/Vienna", first)
    assert first.astimezone(UTC) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert second.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_intervals():
    assert next_expected("interval", "2", "hour", "UTC", T0) == T0 + timedelta(hours=2)
    assert next_expected("interval", "1", "month", "UTC", T0) == datetime(
        2026, 4, 28, 12, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("kind", "value", "unit", "tz"),
    [
        ("crontab", "61 * * * *", "", "UTC"),
        ("crontab", "0 * * * *", "", "Mars/Olympus"),
        ("interval", "0", "day", "UTC"),
        ("interval", "1", "fortnight", "UTC"),
        ("weekly", "1", "", "UTC"),
    ],
)
def test_bad_schedules_are_refused(kind, value, unit, tz):
    with pytest.raises(BadSchedule):
        validate(kind, value, unit, tz)
