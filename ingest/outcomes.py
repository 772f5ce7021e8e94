"""Ingest outcome counters: accepted, refused, filtered and SDK-discarded items per hour.

Counts are summed in memory (`add`) and written by the rejection counter's flush
(rejections.py: a timer, at most once a second per process) as one upsert per bucket, so the
hot path pays a dictionary increment per request, never a database round trip. Rows older
than OUTCOMES_RETENTION_DAYS are deleted by the flush, at most once an hour per process.
"""

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from events.models import Outcome
from projects.models import Project

ACCEPTED, REFUSED, FILTERED, CLIENT_DISCARD = "accepted", "refused", "filtered", "client_discard"
PRUNE_INTERVAL = 3600.0
MAX_PENDING_BUCKETS = 10_000

# Refusal reasons (errors.py and friends) -> the reason the outcomes page shows.
REFUSAL_GROUPS = {
    "quota_exceeded": "quota",
    "too_large": "too_large",
    "event_too_large": "too_large",
    "attachment_too_large": "too_large",
    "decompressed_too_large": "too_large",
    "auth_missing": "bad_key",
    "auth_invalid": "bad_key",
    "key_malformed": "bad_key",
    "key_unknown": "bad_key",
    "key_wrong_project": "bad_key",
    "dsn_mismatch": "bad_key",
    "key_inactive": "disabled",
}

Key = tuple[int, datetime, str, str, str]  # project, hour, outcome, reason, category

_lock = threading.Lock()
_pending: Counter = Counter()
_last_prune = -PRUNE_INTERVAL


def refusal_reason(reason: str) -> str:
    """The outcome reason of a refusal reason: quota, too_large, bad_key, disabled, malformed."""
    return REFUSAL_GROUPS.get(reason, "malformed")


def add(project_id: int, outcome: str, reason: str, category: str, n: int = 1) -> None:
    """Count `n` items of `category`, in the current hour (memory only; see rejections.py)."""
    hour = _current_hour()
    with _lock:
        if len(_pending) < MAX_PENDING_BUCKETS:
            _pending[(project_id, hour, outcome, reason[:40], category[:20])] += n


_hour: tuple[int, datetime | None] = (-1, None)  # (hours since the epoch, its start)


def _current_hour() -> datetime:
    """The start of the current UTC hour, made once an hour: every request asks for it."""
    global _hour
    index = int(time.time() // 3600)
    cached = _hour
    if cached[0] != index:
        cached = _hour = (index, datetime.fromtimestamp(index * 3600, tz=UTC))
    return cached[1]  # type: ignore[return-value]


def take_pending() -> dict[Key, int]:
    with _lock:
        batch = dict(_pending)
        _pending.clear()
    return batch


def keep_for_retry(batch: dict[Key, int]) -> None:
    with _lock:
        if len(_pending) + len(batch) <= MAX_PENDING_BUCKETS:
            _pending.update(batch)


def write_outcomes(batch: dict[Key, int]) -> None:
    """Add the counts to their hourly buckets: one upsert, safe against other processes."""
    global _last_prune
    table = connection.ops.quote_name(Outcome._meta.db_table)
    count = connection.ops.quote_name("count")
    with transaction.atomic():
        known = set(
            Project.objects.filter(pk__in={key[0] for key in batch}).values_list("pk", flat=True)
        )
        # Raw SQL: the hour goes in as the ORM would write it (on SQLite, naive UTC text).
        adapt = connection.ops.adapt_datetimefield_value
        rows = [
            (project_id, adapt(hour), outcome, reason, category, n)
            for (project_id, hour, outcome, reason, category), n in batch.items()
            if project_id in known
        ]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} (project_id, hour, outcome, reason, category, {count})"
                    f" VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT"
                    f" (project_id, hour, outcome, reason, category) DO UPDATE SET"
                    f" {count} = {table}.{count} + excluded.{count}",
                    rows,
                )
    if time.monotonic() - _last_prune > PRUNE_INTERVAL:
        _last_prune = time.monotonic()
        prune()


def prune(now: datetime | None = None) -> int:
    """Delete counters older than OUTCOMES_RETENTION_DAYS; returns how many rows went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTCOMES_RETENTION_DAYS)
    deleted, _ = Outcome.objects.filter(hour__lt=cutoff).delete()
    return deleted
