"""Celery tasks of the monitors (their own queue and worker, bugsink/workers.py): a slow or
hanging target holds up other checks at most for its timeout, never digestion or alerts."""

from celery import shared_task

from . import clock
from .checkins import process_pending
from .retention import prune
from .runner import run_due_checks
from .watch import detect_overdue


@shared_task(name="monitors.tasks.tick", ignore_result=True)
def tick() -> int:
    """Beat, every MONITOR_TICK_SECONDS: check-ins, quiet push monitors, due checks, then a
    batch of expired history."""
    process_pending(clock.now())
    detect_overdue(clock.now())
    ran = run_due_checks()
    prune(clock.now())
    return ran


@shared_task(name="monitors.tasks.process_checkins", ignore_result=True)
def process_checkins() -> int:
    """Published by ingest (by name) after it stored check-ins."""
    count = process_pending(clock.now())
    detect_overdue(clock.now())
    return count
