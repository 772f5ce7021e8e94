"""Results of remote agents, and the agreement they must reach before an outage counts.

Each agent's latest result for a monitor is its vote (a vote older than two periods is stale
and does not count). When at least `agents_required` agents see a failure, the monitor's
state machine gets a failure; when none does, a pass (the worst severity any of them saw, so
a slow response seen from one region still shows as a warning); while they disagree below
the threshold the state stays as it is.
"""

from datetime import datetime, timedelta

from django.db import transaction

from .alerting import queue_monitor_alerts
from .models import Monitor, MonitorResult
from .probes import SEVERITY_ORDER
from .state import Verdict, apply_verdict


def record_agent_result(monitor_id: int, agent_id: int, outcome: dict, now: datetime) -> None:
    with transaction.atomic():
        monitor = Monitor.objects.select_for_update().filter(pk=monitor_id).first()
        if monitor is None:
            return
        severity = outcome["severity"]
        MonitorResult.objects.create(
            monitor=monitor,
            agent_id=agent_id,
            checked_at=now,
            severity=severity,
            status="down" if severity == "critical" else "up",
            status_code=outcome.get("status_code"),
            response_ms=outcome.get("response_ms"),
            error=outcome.get("error", ""),
            context=outcome.get("context") or {},
        )
        verdict = _agreement(monitor, now)
        monitor.last_check_at = now
        if verdict is not None:
            alerts = apply_verdict(monitor, verdict, now)
            queue_monitor_alerts(monitor.project_id, alerts)
        monitor.save()


def latest_votes(monitor: Monitor, now: datetime) -> dict[int, MonitorResult]:
    fresh = now - timedelta(
        seconds=2 * max(monitor.frequency_seconds, monitor.recheck_delay_seconds)
        + monitor.timeout_seconds
    )
    votes: dict[int, MonitorResult] = {}
    rows = MonitorResult.objects.filter(
        monitor=monitor, agent__isnull=False, agent__is_enabled=True, checked_at__gte=fresh
    ).order_by("checked_at", "id")
    for result in rows:
        votes[result.agent_id] = result  # the latest of each agent wins
    return votes


def _agreement(monitor: Monitor, now: datetime) -> Verdict | None:
    votes = list(latest_votes(monitor, now).values())
    failing = [v for v in votes if v.severity == "critical"]
    if len(failing) >= max(1, monitor.agents_required):
        causes = sorted({v.error for v in failing if v.error})
        return Verdict("critical", f"{len(failing)} agents: " + "; ".join(causes))
    if failing:
        return None  # some agents see a failure, not enough of them: no change yet
    worst = max((v.severity for v in votes), key=SEVERITY_ORDER.__getitem__, default="ok")
    cause = "; ".join(sorted({v.error for v in votes if v.error}))
    return Verdict(worst, cause)
