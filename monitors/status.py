"""What a monitor's state is, for the UI and for other apps (status pages link services to
monitors and read this): current severity and since when, and uptime per window or per day.

Uptime is computed from Incidents (downtime from the check that declared the monitor down to
the one that recovered), clipped to the window: one query for any number of monitors. Time
before a monitor existed does not count, so a monitor created an hour ago with no incident is
at 100 %, not at 4 %.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q

from . import clock
from .models import Incident, Monitor

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


@dataclass
class MonitorState:
    monitor_id: int
    severity: str  # unknown | ok | warning | critical
    since: datetime | None  # when the severity last changed
    is_down: bool
    is_paused: bool
    last_check_at: datetime | None
    uptime: dict[str, float | None] = field(default_factory=dict)  # "24h" / "7d" / "30d" -> %
    daily: list[tuple[date, float | None]] = field(default_factory=list)  # oldest first

    def to_dict(self) -> dict:
        return {
            "monitor_id": self.monitor_id,
            "severity": self.severity,
            "since": self.since.isoformat() if self.since else None,
            "is_down": self.is_down,
            "is_paused": self.is_paused,
            "last_check_at": self.last_check_at.isoformat() if self.last_check_at else None,
            "uptime": self.uptime,
            "daily_uptime": [{"date": d.isoformat(), "uptime": u} for d, u in self.daily],
        }


def monitor_states(
    monitors: Iterable[Monitor], *, days: int = 30, now: datetime | None = None
) -> dict[int, MonitorState]:
    """The state of each monitor, with uptime over 24 h / 7 d / 30 d and per UTC day."""
    monitors = list(monitors)
    now = now or clock.now()
    start = now - timedelta(days=max(days, 30))
    intervals = downtime_intervals([m.pk for m in monitors], start, now)
    today = now.date()
    states = {}
    for monitor in monitors:
        downs = intervals.get(monitor.pk, [])
        created = monitor.created_at
        state = MonitorState(
            monitor_id=monitor.pk,
            severity=monitor.severity,
            since=monitor.severity_since,
            is_down=monitor.is_down,
            is_paused=monitor.is_paused,
            last_check_at=monitor.last_check_at,
        )
        for name, length in WINDOWS.items():
            state.uptime[name] = uptime_percent(downs, max(now - length, created), now)
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            day_start = datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo)
            day_end = min(day_start + timedelta(days=1), now)
            state.daily.append((day, uptime_percent(downs, max(day_start, created), day_end)))
        states[monitor.pk] = state
    return states


def downtime_intervals(
    monitor_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    incidents = Incident.objects.filter(monitor_id__in=monitor_ids, started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for monitor_id, started, ended in incidents.values_list("monitor_id", "started_at", "ended_at"):
        found[monitor_id].append((started, ended or end))
    return found


def uptime_percent(
    downs: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> float | None:
    """Percentage of [start, end) outside the down intervals; None for an empty window."""
    total = (end - start).total_seconds()
    if total <= 0:
        return None
    down = 0.0
    for begin, finish in downs:
        overlap = (min(finish, end) - max(begin, start)).total_seconds()
        down += max(0.0, overlap)
    return round(100.0 * max(0.0, total - down) / total, 3)
