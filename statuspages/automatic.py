"""Automatic incidents: a monitor behind a service turns critical for N minutes, an incident
opens; it recovers, the incident gets a "fixed" update and closes.

One incident per page and monitor, affecting every service of that page the monitor is behind
(with automatic incidents on). Its impact is an outage when every monitor of the service is
down, a partial outage ("major") otherwise. Operators may edit its text like any other; they
find drafts (services with auto_publish off) on the page's manage screen.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from statuspages.incidents import add_update, open_incident
from statuspages.models import Impact, Incident, Service, UpdateStatus

CRITICAL = "critical"


def sync_automatic_incidents(now: datetime) -> dict[str, int]:
    """Open and close automatic incidents for the monitors' current states; returns counts."""
    opened = closed = 0
    groups: dict[tuple[int, int], list[Service]] = defaultdict(list)
    monitors = {}
    services = Service.objects.filter(auto_incidents=True).prefetch_related("monitors")
    for service in services:
        for monitor in service.monitors.all():
            groups[(service.page_id, monitor.pk)].append(service)
            monitors[monitor.pk] = monitor
    open_by_key = {
        (i.page_id, i.monitor_id): i
        for i in Incident.objects.filter(monitor_id__in=monitors).exclude(status=UpdateStatus.FIXED)
    }
    for (page_id, monitor_id), affected in groups.items():
        monitor = monitors[monitor_id]
        incident = open_by_key.get((page_id, monitor_id))
        if incident is None and _down_long_enough(monitor, affected, now):
            _open(page_id, monitor, affected, now)
            opened += 1
        elif incident is not None and monitor.severity != CRITICAL:
            cause = "recovered"
            add_update(incident, UpdateStatus.FIXED, f"{monitor.name} has {cause}.", None, now)
            closed += 1
    return {"opened": opened, "closed": closed}


def _down_long_enough(monitor, services: list[Service], now: datetime) -> bool:
    if monitor.severity != CRITICAL or monitor.is_paused:
        return False
    since = monitor.severity_since or now
    wait = min(service.auto_after_minutes for service in services)
    return now - since >= timedelta(minutes=wait)


def _open(page_id: int, monitor, services: list[Service], now: datetime) -> Incident:
    all_down = all(m.severity == CRITICAL for service in services for m in service.monitors.all())
    cause = monitor.last_cause or "not responding"
    names = ", ".join(service.name for service in services)
    incident = Incident(
        page_id=page_id,
        title=f"{names}: {'outage' if all_down else 'partial outage'}",
        impact=Impact.OUTAGE if all_down else Impact.MAJOR,
        status=UpdateStatus.INVESTIGATING,
        starts_at=monitor.severity_since or now,
        is_published=all(service.auto_publish for service in services),
        monitor=monitor,
    )
    text = f"{monitor.name} is down since {incident.starts_at:%Y-%m-%d %H:%M} UTC: {cause}."
    return open_incident(incident, text, None, services, when=now)
