"""The status pages' view of monitors: daily uptime for the history bars."""

from datetime import date, datetime

from monitors.models import Monitor
from monitors.status import monitor_states


def uptime_daily(
    monitors: list[Monitor], days: int, now: datetime
) -> dict[int, list[tuple[date, float | None]]]:
    if not monitors:
        return {}
    states = monitor_states(monitors, days=days, now=now)
    return {pk: state.daily for pk, state in states.items()}
