"""Eviction: a project's stored events kept within its caps, in the background.

A pass (Celery beat, `datapolicy.tasks.evict_all`) applies, per project: the age cap (events
received before it go, whatever they are), then the event-count cap (the thinning rule of
`datapolicy.thinning`, down to 90% of the cap so that a busy project is not thinned a few events
at a time on every pass), then the attachment-bytes cap (oldest first), and optionally deletes
Issues left with no events. Deletes go in transactions of RETENTION_BATCH_ROWS rows, so ingest
(which writes only the spool) never waits and digestion waits at most one short transaction.
Evicted events leave their counts in `EvictedCount`, so Issue counts, period counters and
charts still say how many events were seen.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from datapolicy.models import DataPolicy, EvictedCount
from datapolicy.thinning import choose_kept
from events.models import Attachment, Event
from issues.actions import delete_issue
from issues.models import Issue, IssueActivity
from projects.models import Project

logger = logging.getLogger("bugsink.retention")

# Thin to this share of the cap: room for the next passes' arrivals.
LOW_WATERMARK = 0.9


@dataclass
class Caps:
    max_events: int
    max_age_days: int
    max_attachment_bytes: int

    @classmethod
    def of(cls, project_id: int) -> "Caps":
        return cls.from_policy(DataPolicy.objects.filter(project_id=project_id).first())

    @classmethod
    def from_policy(cls, policy: DataPolicy | None) -> "Caps":
        return cls(
            max_events=(policy and policy.max_events) or settings.RETENTION_MAX_EVENTS,
            max_age_days=(policy and policy.max_age_days) or settings.RETENTION_MAX_AGE_DAYS,
            max_attachment_bytes=1024
            * 1024
            * ((policy and policy.max_attachment_mb) or settings.RETENTION_MAX_ATTACHMENT_MB),
        )


@dataclass
class Report:
    by_age: int = 0
    by_count: int = 0
    attachments: int = 0
    issues_deleted: int = 0
    kept_per_bucket: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return self.by_age + self.by_count


# The digesting process's estimate of each project's stored events: (count, when counted).
_estimates: dict[int, tuple[int, float]] = {}
RECOUNT_AFTER_SECONDS = 60.0


def keep_within_cap(project_id: int, just_stored: int) -> Report | None:
    """Evict now if the project went over its event cap: digestion calls this after a batch.

    The beat's pass alone would let a busy project overshoot its cap by everything that arrives
    in RETENTION_INTERVAL; checked after every digest batch, the overshoot stays within one
    batch. Counting a big project's events costs milliseconds, so the count is estimated (the
    last count plus what was stored since) and only recounted near the cap or once a minute.
    """
    cap = _cap_of(project_id)
    now = time.monotonic()
    counted, at = _estimates.get(project_id, (None, 0.0))
    if counted is None or now - at > RECOUNT_AFTER_SECONDS:
        counted, at = Event.objects.filter(project_id=project_id).count(), now
    else:
        counted += just_stored
    if counted > cap:
        counted = Event.objects.filter(project_id=project_id).count()
    report = evict_project(project_id) if counted > cap else None
    if report is not None:
        counted -= report.events
    _estimates[project_id] = (counted, at)
    return report


_caps: dict[int, tuple[int, float]] = {}


def _cap_of(project_id: int) -> int:
    """The event cap, re-read from the database at most every few seconds."""
    cap, at = _caps.get(project_id, (0, -1e9))
    if time.monotonic() - at > 5.0:
        cap = Caps.of(project_id).max_events
        _caps[project_id] = (cap, time.monotonic())
    return cap


def evict_all(now: datetime | None = None) -> dict[int, Report]:
    now = now or timezone.now()
    return {pk: evict_project(pk, now) for pk in Project.objects.values_list("pk", flat=True)}


def evict_project(project_id: int, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    caps = Caps.of(project_id)
    report = Report()
    cutoff = now - timedelta(days=caps.max_age_days)
    report.by_age = _evict_older_than(project_id, cutoff, now)
    report.by_count, report.kept_per_bucket = _evict_over_count(project_id, caps.max_events, now)
    report.attachments = _evict_attachment_bytes(project_id, caps.max_attachment_bytes)
    if settings.RETENTION_DELETE_EMPTY_ISSUES:
        report.issues_deleted = _delete_empty_issues(project_id, cutoff)
    if report.events or report.attachments or report.issues_deleted:
        logger.info(
            "project %s: evicted %d events by age, %d by count (k=%s), %d attachments, "
            "deleted %d empty issues",
            project_id,
            report.by_age,
            report.by_count,
            report.kept_per_bucket,
            report.attachments,
            report.issues_deleted,
        )
    return report


def _evict_older_than(project_id: int, cutoff: datetime, now: datetime) -> int:
    total = 0
    while True:
        ids = list(
            Event.objects.filter(project_id=project_id, received_at__lt=cutoff)
            .order_by("received_at")
            .values_list("id", flat=True)[: settings.RETENTION_BATCH_ROWS]
        )
        if not ids:
            return total
        total += delete_events(project_id, ids, now)


def _evict_over_count(project_id: int, cap: int, now: datetime) -> tuple[int, int | None]:
    stored = Event.objects.filter(project_id=project_id).count()
    if stored <= cap:
        return 0, None
    rows = list(
        Event.objects.filter(project_id=project_id)
        .order_by("id")
        .values_list("id", "issue_id", "received_at")
    )
    kept, k = choose_kept(rows, max(1, int(cap * LOW_WATERMARK)), now)
    victims = [event_id for event_id, _, _ in rows if event_id not in kept]
    del rows, kept
    total = 0
    batch = settings.RETENTION_BATCH_ROWS
    for start in range(0, len(victims), batch):
        total += delete_events(project_id, victims[start : start + batch], now)
    return total, k


def delete_events(project_id: int, ids: list[int], now: datetime) -> int:
    """Delete these events (and their attachments) in one transaction, keeping their counts."""
    with transaction.atomic():
        rows = list(
            Event.objects.filter(project_id=project_id, pk__in=ids).values_list(
                "issue_id", "received_at", "event_id"
            )
        )
        if not rows:
            return 0
        _add_evicted_counts(project_id, [(issue, when) for issue, when, _ in rows], now)
        Attachment.objects.filter(
            project_id=project_id, event_id__in=[event_id for _, _, event_id in rows]
        ).delete()
        deleted, _ = Event.objects.filter(project_id=project_id, pk__in=ids).delete()
    return deleted


def _add_evicted_counts(project_id: int, rows: list[tuple[int, datetime]], now: datetime) -> None:
    day_ago = now - timedelta(days=1)
    buckets: Counter[tuple[int, str, datetime]] = Counter()
    for issue_id, received_at in rows:
        if received_at >= day_ago:
            start = received_at.replace(second=0, microsecond=0)
            buckets[(issue_id, EvictedCount.MINUTE, start)] += 1
        else:
            start = received_at.replace(minute=0, second=0, microsecond=0)
            buckets[(issue_id, EvictedCount.HOUR, start)] += 1
    adapt = connection.ops.adapt_datetimefield_value
    quote = connection.ops.quote_name
    table = quote(EvictedCount._meta.db_table)
    count = quote("count")
    sql = (
        f"INSERT INTO {table} (project_id, issue_id, granularity, start, {count}) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (issue_id, granularity, start) "
        f"DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    params = [
        (project_id, issue_id, granularity, adapt(start), n)
        for (issue_id, granularity, start), n in buckets.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _evict_attachment_bytes(project_id: int, cap_bytes: int) -> int:
    total = (
        Attachment.objects.filter(project_id=project_id).aggregate(total=Sum("size"))["total"] or 0
    )
    if total <= cap_bytes:
        return 0
    removed = 0
    rows = Attachment.objects.filter(project_id=project_id).order_by("received_at", "pk")
    victims = []
    for pk, size in rows.values_list("pk", "size").iterator(chunk_size=1000):
        if total <= cap_bytes:
            break
        victims.append(pk)
        total -= size
    batch = settings.RETENTION_BATCH_ROWS
    for start in range(0, len(victims), batch):
        with transaction.atomic():
            removed += Attachment.objects.filter(pk__in=victims[start : start + batch]).delete()[0]
    return removed


def _delete_empty_issues(project_id: int, cutoff: datetime) -> int:
    """Unresolved, unmuted Issues last seen before the age cap, with no events and no activity."""
    candidates = (
        Issue.objects.filter(project_id=project_id, last_seen__lt=cutoff)
        .filter(is_resolved=False, is_muted=False)
        .exclude(Q(pk__in=Event.objects.values("issue_id")))
        .exclude(Q(pk__in=IssueActivity.objects.values("issue_id")))
        .values_list("pk", flat=True)
    )
    deleted = 0
    for issue in Issue.objects.filter(pk__in=list(candidates[: settings.RETENTION_BATCH_ROWS])):
        delete_issue(issue)  # with its attachments and feedback, in a transaction of its own
        deleted += 1
    return deleted
