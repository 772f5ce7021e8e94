"""Counting and logging refused requests, and flushing the ingest outcome counters.

Counts (these, and outcomes.py's) are summed in memory and written by a flusher thread at most
once a second per process, so a client that floods us with bad requests costs one small UPSERT a
second, not one per request, and the request path (an event loop) never waits for the database.

Every accepted request counts an outcome, so under load the flush runs every second for good:
it runs in one long-lived thread per process that keeps its database connection while flushes
keep coming. A thread and a connection per flush (SQLite re-reads the whole schema on a new
connection) cost a few milliseconds each time, about a tenth of a busy web process's CPU.
"""

import logging
import os
import threading
import time
from collections import Counter
from datetime import date

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from events.models import IngestRejection
from projects.models import Project

from . import outcomes

logger = logging.getLogger("bugsink.ingest")

FLUSH_INTERVAL = 1.0
# The flusher closes its connection after this long without a flush, so an idle process (or a
# test database about to be dropped) is not held open; under load the next flush comes sooner.
IDLE_CLOSE_SECONDS = 2 * FLUSH_INTERVAL
# While the database is down counts wait in memory, up to this many (project, reason) pairs.
MAX_PENDING_BUCKETS = 10_000

_lock = threading.Lock()
_flush_lock = threading.Lock()  # one flush at a time: a flush returns once all is written
_pending: Counter = Counter()
_last_flush = 0.0
_timer: "_Flusher | None" = None  # set while a flush is scheduled


def record_rejection(
    project_id: int | None, reason: str, status: int, detail: str, category: str = "error"
) -> None:
    global _timer
    logger.warning(
        "ingest rejected project=%s reason=%s status=%s detail=%s",
        project_id,
        reason,
        status,
        detail[:300],
    )
    if project_id is not None:
        outcomes.add(project_id, outcomes.REFUSED, outcomes.refusal_reason(reason), category)
    with _lock:
        _pending[(project_id, reason)] += 1
        if _timer is None:
            _timer = _schedule_flush(max(0.0, _last_flush + FLUSH_INTERVAL - time.monotonic()))


def record_outcome(project_id: int, outcome: str, reason: str, category: str, n: int = 1) -> None:
    """Count items that were accepted, filtered or discarded by the SDK (see outcomes.py)."""
    global _timer
    outcomes.add(project_id, outcome, reason, category, n)
    if _timer is None:
        with _lock:
            if _timer is None:
                _timer = _schedule_flush(max(0.0, _last_flush + FLUSH_INTERVAL - time.monotonic()))


class _Flusher:
    """The process's flusher thread: sleeps until a flush is scheduled, then flushes no sooner
    than FLUSH_INTERVAL after the previous one."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.due = 0.0
        self.wake = threading.Event()
        self.idle = threading.Event()  # set while the thread holds no database connection
        self.idle.set()
        self.thread = threading.Thread(target=self._run, name="ingest-counts", daemon=True)
        self.thread.start()

    def schedule(self, wait: float) -> None:
        self.due = time.monotonic() + wait
        self.wake.set()

    def _run(self) -> None:
        while True:
            if not self.wake.wait(IDLE_CLOSE_SECONDS):
                connection.close()
                self.idle.set()
                self.wake.wait()
            self.wake.clear()
            self.idle.clear()
            delay = max(self.due, _last_flush + FLUSH_INTERVAL) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                _timed_flush()
            except Exception:  # the thread must survive anything a flush raises
                logger.exception("flushing ingest counts failed")


_flusher: _Flusher | None = None
_flusher_lock = threading.Lock()


def _schedule_flush(wait: float) -> "_Flusher | None":
    """Have the flusher thread flush in `wait` seconds (tests replace this to flush by hand)."""
    global _flusher
    with _flusher_lock:
        if _flusher is None or _flusher.pid != os.getpid():  # a forked child starts its own
            _flusher = _Flusher()
    _flusher.schedule(wait)
    return _flusher


def _timed_flush() -> None:
    global _timer
    with _lock:
        _timer = None
    # The connection stays open between flushes; one that broke or outlived CONN_MAX_AGE is
    # replaced, as Django does around a request.
    connection.close_if_unusable_or_obsolete()
    flush_rejections()


def flush_rejections() -> None:
    """Write every count recorded so far (and wait for a flush already under way)."""
    with _flush_lock:
        _flush()


def discard_pending() -> None:
    """Drop every count not written yet, once a flush under way has finished (tests, before
    their database is emptied)."""
    with _flush_lock:
        with _lock:
            _pending.clear()
        outcomes.take_pending()


def _flush() -> None:
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    outcome_batch = outcomes.take_pending()
    if outcome_batch:
        try:
            outcomes.write_outcomes(outcome_batch)
        except DatabaseError:
            logger.exception("could not store outcome counts; retrying at the next flush")
            outcomes.keep_for_retry(outcome_batch)
    if not batch:
        return
    try:
        write_counts(batch, timezone.now().date())
    except DatabaseError:
        logger.exception("could not store rejection counts; retrying at the next flush")
        _keep_for_retry(batch)


def _keep_for_retry(batch: dict[tuple[int | None, str], int]) -> None:
    global _timer
    with _lock:
        if len(_pending) + len(batch) > MAX_PENDING_BUCKETS:
            logger.error("dropping %d rejection counts: the database is unavailable", len(batch))
            return
        _pending.update(batch)
        if _timer is None:
            _timer = _schedule_flush(FLUSH_INTERVAL)


def write_counts(batch: dict[tuple[int | None, str], int], day: date) -> None:
    """Add the counts to the day's buckets.

    Every gunicorn process flushes on its own timer, so two of them often write the same bucket
    at the same moment: the addition is one upsert, which cannot lose either side's count the
    way a read-then-insert does.
    """
    table = connection.ops.quote_name(IngestRejection._meta.db_table)
    count = connection.ops.quote_name("count")
    with transaction.atomic():
        known = set(
            Project.objects.filter(pk__in={p for p, _ in batch if p}).values_list("pk", flat=True)
        )
        rows = [
            (project_id if project_id in known else None, reason, day, n)
            for (project_id, reason), n in batch.items()
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (project_id, reason, day, {count}) VALUES (%s, %s, %s, %s)"
                f" ON CONFLICT (project_id, reason, day) DO UPDATE SET"
                f" {count} = {table}.{count} + excluded.{count}",
                [row for row in rows if row[0] is not None],
            )
        # A NULL project never conflicts (NULLs are distinct in a unique constraint): requests
        # for unknown projects land in extra rows instead, which sum the same.
        for _, reason, _, n in (row for row in rows if row[0] is None):
            bucket = IngestRejection.objects.filter(project=None, reason=reason, day=day)
            if not bucket.update(count=F("count") + n):
                IngestRejection.objects.create(project=None, reason=reason, day=day, count=n)
