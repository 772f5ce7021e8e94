"""Counting and logging refused requests.

Counts are summed in memory and written by a timer thread at most once a second per process,
so a client that floods us with bad requests costs one small UPSERT a second, not one per
request, and the request path (an event loop) never waits for the database.
"""

import logging
import threading
import time
from collections import Counter

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger("bugsink.ingest")

FLUSH_INTERVAL = 1.0

_lock = threading.Lock()
_flush_lock = threading.Lock()  # one flush at a time: a flush returns once all is written
_pending: Counter = Counter()
_last_flush = 0.0
_timer: threading.Timer | None = None


def record_rejection(project_id: int | None, reason: str, status: int, detail: str) -> None:
    global _timer
    logger.warning(
        "ingest rejected project=%s reason=%s status=%s detail=%s",
        project_id,
        reason,
        status,
        detail[:300],
    )
    with _lock:
        _pending[(project_id, reason)] += 1
        if _timer is None:
            _timer = _schedule_flush(max(0.0, _last_flush + FLUSH_INTERVAL - time.monotonic()))


def _schedule_flush(wait: float) -> threading.Timer | None:
    timer = threading.Timer(wait, _timed_flush)
    timer.daemon = True
    timer.start()
    return timer


def _timed_flush() -> None:
    global _timer
    with _lock:
        _timer = None
    try:
        flush_rejections()
    finally:
        connection.close()  # this short-lived thread's own connection


def flush_rejections() -> None:
    """Write every count recorded so far (and wait for a flush already under way)."""
    with _flush_lock:
        _flush()


def _flush() -> None:
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not batch:
        return
    from events.models import IngestRejection
    from projects.models import Project

    today = timezone.now().date()
    try:
        with transaction.atomic():
            known = set(
                Project.objects.filter(pk__in={p for p, _ in batch if p}).values_list(
                    "pk", flat=True
                )
            )
            for (project_id, reason), count in batch.items():
                project_id = project_id if project_id in known else None
                bucket = IngestRejection.objects.filter(
                    project_id=project_id, reason=reason, day=today
                )
                if not bucket.update(count=F("count") + count):
                    IngestRejection.objects.create(
                        project_id=project_id, reason=reason, day=today, count=count
                    )
    except DatabaseError:
        logger.exception("could not store rejection counts; they stay in the log only")
