"""Cron monitor schedules (the SDK's `monitor_config.schedule`): the next expected check-in.

Crontab schedules are evaluated by croniter in the monitor's time zone (so "0 9 * * *" in
Europe/Vienna follows daylight saving time); interval schedules count from the last check-in.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from dateutil.relativedelta import relativedelta  # croniter's own dependency

INTERVAL_UNITS = ("minute", "hour", "day", "week", "month", "year")


class BadSchedule(ValueError):
    pass


def validate(schedule_type: str, value: str, unit: str, tz: str) -> None:
    zone(tz)
    if schedule_type == "crontab":
        if not croniter.is_valid(value):
            raise BadSchedule(f"not a crontab expression: {value!r}")
    elif schedule_type == "interval":
        if unit not in INTERVAL_UNITS:
            raise BadSchedule(f"interval unit must be one of {', '.join(INTERVAL_UNITS)}")
        if not value.isdigit() or int(value) < 1:
            raise BadSchedule("interval value must be a positive integer")
    elif schedule_type:
        raise BadSchedule(f"unknown schedule type {schedule_type!r}")


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadSchedule(f"unknown time zone {tz!r}") from exc


def next_expected(schedule_type: str, value: str, unit: str, tz: str, after: datetime) -> datetime:
    """The first scheduled time strictly after `after` (an aware datetime)."""
    if schedule_type == "crontab":
        local = after.astimezone(zone(tz))
        return croniter(value, local).get_next(datetime)
    if schedule_type == "interval":
        return after + relativedelta(**{f"{unit}s": int(value)})
    raise BadSchedule("no schedule")


def margin(minutes: int) -> timedelta:
    return timedelta(minutes=max(1, minutes))
