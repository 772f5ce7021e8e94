"""Cron check-ins into monitor state, off the request path.

Ingest (an envelope's `check_in` item, or the HTTP check-in API) stores the payload as an
unprocessed CheckIn row; this turns it into a Monitor (found by slug, created or updated from
`monitor_config`), a result and a verdict for the state machine. A row is claimed by
compare-and-set on `processed_at`, so two workers never process it twice.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.text import slugify

from . import clock
from .models import CheckIn, Monitor, MonitorKind, MonitorResult
from .scheduler import apply_and_store
from .schedules import BadSchedule, margin, next_expected, validate
from .state import Verdict

logger = logging.getLogger("bugsink.monitors")

BATCH = 500


def process_pending(now: datetime) -> int:
    ids = list(
        CheckIn.objects.filter(processed_at__isnull=True)
        .order_by("id")
        .values_list("pk", flat=True)[:BATCH]
    )
    done = 0
    offset = timedelta(seconds=clock.offset_seconds())
    for pk in ids:
        with transaction.atomic():
            if not CheckIn.objects.filter(pk=pk, processed_at__isnull=True).update(
                processed_at=now
            ):
                continue  # another worker has it
            row = CheckIn.objects.get(pk=pk)
            try:
                _process(row, row.received_at + offset)
            except BadSchedule as exc:
                logger.info("check-in %s: bad monitor_config ignored: %s", pk, exc)
            done += 1
    return done


def _process(row: CheckIn, at: datetime) -> None:
    payload = row.payload
    slug = slugify(str(payload.get("monitor_slug") or ""))[:100]
    if not slug:
        return
    monitor = _monitor_for(row.project_id, slug, payload.get("monitor_config"))
    if monitor is None:
        return
    status = str(payload.get("status") or "")
    check_in_id = str(payload.get("check_in_id") or "")[:32]
    row.monitor = monitor
    row.check_in_id = check_in_id
    row.status = status
    row.save(update_fields=["monitor", "check_in_id", "status"])
    if monitor.is_paused:
        return
    _expect_next(monitor, at)
    if status == "in_progress":
        monitor.last_check_at = at
        monitor.save()
        return
    _finish_running(row, monitor, check_in_id)
    duration = payload.get("duration")
    ok = status == "ok"
    MonitorResult.objects.create(
        monitor=monitor,
        checked_at=at,
        severity="ok" if ok else "critical",
        status=status,
        response_ms=round(duration * 1000) if isinstance(duration, int | float) else None,
        error="" if ok else "the job reported an error",
        context={"check_in_id": check_in_id, "environment": payload.get("environment")},
    )
    verdict = (
        Verdict("ok")
        if ok
        else Verdict("critical", "the job reported an error", failure_kind="cron_failed")
    )
    apply_and_store(monitor, verdict, at)
    monitor.save()


ZERO_ID = "0" * 32  # "the latest check-in in progress" (the protocol's empty UUID)


def _finish_running(row: CheckIn, monitor: Monitor, check_in_id: str) -> None:
    running = CheckIn.objects.filter(
        project_id=row.project_id, monitor=monitor, status="in_progress", finished=False
    ).exclude(pk=row.pk)
    if check_in_id and check_in_id != ZERO_ID:
        running = running.filter(check_in_id=check_in_id)
    else:
        running = running.filter(pk__in=running.order_by("-id").values("pk")[:1])
    running.update(finished=True)


def _expect_next(monitor: Monitor, at: datetime) -> None:
    """A check-in counts for the slot it is closest to: the next one expected is the first slot
    after this check-in's margin."""
    if not monitor.schedule_type:
        return
    monitor.next_run_at = next_expected(
        monitor.schedule_type,
        monitor.schedule_value,
        monitor.schedule_unit,
        monitor.schedule_timezone,
        at + margin(monitor.checkin_margin_minutes),
    )


def _monitor_for(project_id: int, slug: str, config: object) -> Monitor | None:
    monitor = Monitor.objects.select_for_update().filter(project_id=project_id, slug=slug).first()
    if monitor is not None and monitor.kind != MonitorKind.CRON:
        return None  # the slug belongs to an uptime monitor: not ours to update
    if monitor is None:
        monitor = Monitor(project_id=project_id, slug=slug, name=slug, kind=MonitorKind.CRON)
        monitor.failures_before_alert = 1
    if isinstance(config, dict):
        _apply_config(monitor, config)
    monitor.save()
    return monitor


def _apply_config(monitor: Monitor, config: dict) -> None:
    schedule = config.get("schedule")
    if isinstance(schedule, dict):
        kind = str(schedule.get("type") or "")
        value = str(schedule.get("value") or "")[:100]
        unit = str(schedule.get("unit") or "")[:10]
        tz = str(config.get("timezone") or monitor.schedule_timezone or "UTC")[:64]
        validate(kind, value, unit, tz)
        monitor.schedule_type, monitor.schedule_value, monitor.schedule_unit = kind, value, unit
        monitor.schedule_timezone = tz
    for key, attribute in (
        ("checkin_margin", "checkin_margin_minutes"),
        ("max_runtime", "max_runtime_minutes"),
        ("failure_issue_threshold", "failures_before_alert"),
        ("recovery_threshold", "recoveries_before_ok"),
    ):
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100_000:
            setattr(monitor, attribute, value)
