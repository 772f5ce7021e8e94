"""Push monitors that went quiet: cron jobs that missed a check-in or ran too long, heartbeats
that were not pinged in time. Run by every monitors tick, under each monitor's row lock."""

from datetime import datetime, timedelta

from django.db import transaction

from .models import CheckIn, Monitor, MonitorKind, MonitorResult
from .scheduler import apply_and_store
from .schedules import margin, next_expected
from .state import Verdict


def detect_overdue(now: datetime) -> int:
    found = 0
    overdue = Monitor.objects.filter(
        kind__in=(MonitorKind.CRON, MonitorKind.HEARTBEAT),
        is_paused=False,
        next_run_at__isnull=False,
        next_run_at__lt=now,
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            monitor = Monitor.objects.select_for_update().get(pk=pk)
            if monitor.next_run_at is None or monitor.next_run_at + _grace(monitor) > now:
                continue
            found += 1
            _missed(monitor, now)
    found += _timed_out(now)
    return found


def _grace(monitor: Monitor) -> timedelta:
    return margin(monitor.checkin_margin_minutes)


def _missed(monitor: Monitor, now: datetime) -> None:
    expected = monitor.next_run_at
    if monitor.kind == MonitorKind.CRON:
        cause = f"no check-in for the run due at {expected:%Y-%m-%d %H:%M} UTC"
        kind = "cron_missed"
        monitor.next_run_at = next_expected(
            monitor.schedule_type,
            monitor.schedule_value,
            monitor.schedule_unit,
            monitor.schedule_timezone,
            now,
        )
    else:
        cause = (
            f"no ping since {expected - timedelta(seconds=monitor.frequency_seconds):%H:%M:%S} UTC"
        )
        kind = "monitor_down"
        monitor.next_run_at = now + timedelta(seconds=monitor.frequency_seconds)
    MonitorResult.objects.create(
        monitor=monitor, checked_at=now, scheduled_for=expected, severity="critical",
        status="missed", error=cause,
    )  # fmt: skip
    apply_and_store(monitor, Verdict("critical", cause, failure_kind=kind), now)
    monitor.save()


def _timed_out(now: datetime) -> int:
    running = CheckIn.objects.filter(
        status="in_progress",
        finished=False,
        monitor__max_runtime_minutes__isnull=False,
        monitor__is_paused=False,
    ).values_list("pk", "monitor_id", "processed_at", "monitor__max_runtime_minutes")
    count = 0
    for pk, monitor_id, started, max_runtime in list(running):
        # processed_at is on the monitors' clock (received_at is the wall clock's).
        if started is None or started + timedelta(minutes=max_runtime) > now:
            continue
        with transaction.atomic():
            if not CheckIn.objects.filter(pk=pk, finished=False).update(finished=True):
                continue
            monitor = Monitor.objects.select_for_update().get(pk=monitor_id)
            cause = f"still running after {max_runtime} minutes (max_runtime)"
            MonitorResult.objects.create(
                monitor=monitor, checked_at=now, severity="critical", status="timeout", error=cause
            )
            apply_and_store(monitor, Verdict("critical", cause, failure_kind="cron_failed"), now)
            monitor.save()
            count += 1
    return count


def heartbeat(monitor_id: int, now: datetime) -> bool:
    """A ping of a heartbeat monitor: it is alive, the next ping is due a frequency from now."""
    with transaction.atomic():
        monitor = Monitor.objects.select_for_update().filter(pk=monitor_id).first()
        if monitor is None or monitor.kind != MonitorKind.HEARTBEAT:
            return False
        monitor.next_run_at = now + timedelta(seconds=monitor.frequency_seconds)
        if monitor.is_paused:
            monitor.save()
            return True
        MonitorResult.objects.create(monitor=monitor, checked_at=now, severity="ok", status="ping")
        apply_and_store(monitor, Verdict("ok"), now)
        monitor.save()
    return True
