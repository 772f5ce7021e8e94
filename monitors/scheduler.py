"""Which checks are due, and who runs each: leases on the monitor rows.

A worker claims a due monitor by compare-and-set on (`selected_by`, `selected_at`): of two
workers racing for one row, exactly one UPDATE matches. A lease older than
MONITOR_LEASE_SECONDS belonged to a worker that died mid-check and may be taken over. Results
are recorded only under the lease that ran them, so a late result of a presumed-dead worker
cannot overwrite its successor's.

The next run is the previous slot plus the frequency, not "now plus frequency" (no drift);
slots missed while nobody ran checks are skipped, not run one after another (no pile-up).
After an unconfirmed failure the next run is a recheck, `recheck_delay_seconds` later.
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from .alerting import queue_monitor_alerts
from .models import PROBED_KINDS, Monitor, MonitorResult
from .state import AlertRequest, Verdict, apply_verdict, is_unconfirmed_failure


def claim_due(worker: str, now: datetime, limit: int) -> list[Monitor]:
    lease_expired = now - timedelta(seconds=settings.MONITOR_LEASE_SECONDS)
    candidates = list(
        Monitor.objects.filter(
            kind__in=PROBED_KINDS, is_paused=False, run_by_agents=False, next_run_at__lte=now
        )
        .filter(Q(selected_by="") | Q(selected_at__lt=lease_expired))
        .order_by("next_run_at")
        .values_list("pk", "selected_by", "selected_at")[:limit]
    )
    claimed = []
    for pk, selected_by, selected_at in candidates:
        won = Monitor.objects.filter(
            pk=pk, selected_by=selected_by, selected_at=selected_at
        ).update(selected_by=worker, selected_at=now)
        if won:
            claimed.append(pk)
    return list(Monitor.objects.filter(pk__in=claimed).order_by("next_run_at"))


def next_slot(previous: datetime | None, frequency: timedelta, now: datetime) -> datetime:
    if previous is None:
        return now + frequency
    slot = previous + frequency
    if slot <= now:
        behind = math.floor((now - previous) / frequency)
        slot = previous + frequency * (behind + 1)
    return slot


def record_result(
    monitor_id: int,
    worker: str,
    outcome: dict,
    now: datetime,
    *,
    agent_id: int | None = None,
) -> Monitor | None:
    """Store one check's outcome and move the monitor on; None when the lease was lost."""
    with transaction.atomic():
        monitor = Monitor.objects.select_for_update().filter(pk=monitor_id).first()
        if monitor is None or monitor.selected_by != worker:
            return None
        scheduled_for = monitor.next_run_at
        verdict = verdict_of(outcome)
        _store_result(monitor, outcome, now, scheduled_for, agent_id)
        alerts = apply_verdict(monitor, verdict, now)
        reschedule(monitor, now)
        monitor.selected_by = ""
        monitor.selected_at = None
        monitor.save()
        queue_monitor_alerts(monitor.project_id, alerts)
    return monitor


def reschedule(monitor: Monitor, now: datetime) -> None:
    if is_unconfirmed_failure(monitor):
        monitor.next_run_at = now + timedelta(seconds=monitor.recheck_delay_seconds)
    else:
        frequency = timedelta(seconds=max(1, monitor.frequency_seconds))
        monitor.next_run_at = next_slot(monitor.next_run_at, frequency, now)


def verdict_of(outcome: dict) -> Verdict:
    context = outcome.get("context") or {}
    cert_expiring = ""
    days_left = context.get("cert_days_left")
    if context.get("cert_expiring") and days_left is not None:
        cert_expiring = f"certificate expires in {days_left:.1f} days"
    return Verdict(
        severity=outcome.get("severity", "critical"),
        cause=outcome.get("error", ""),
        cert_expiring=cert_expiring,
    )


def _store_result(
    monitor: Monitor,
    outcome: dict,
    now: datetime,
    scheduled_for: datetime | None,
    agent_id: int | None,
) -> MonitorResult:
    severity = outcome.get("severity", "critical")
    return MonitorResult.objects.create(
        monitor=monitor,
        agent_id=agent_id,
        checked_at=now,
        scheduled_for=scheduled_for,
        severity=severity,
        status="down" if severity == "critical" else "up",
        status_code=outcome.get("status_code"),
        response_ms=outcome.get("response_ms"),
        error=(outcome.get("error") or "")[:500],
        context=outcome.get("context") or {},
    )


def apply_and_store(monitor: Monitor, verdict: Verdict, now: datetime) -> list[AlertRequest]:
    """For verdicts that are not probe results (check-ins, missed slots): caller holds the lock."""
    alerts = apply_verdict(monitor, verdict, now)
    queue_monitor_alerts(monitor.project_id, alerts)
    return alerts
