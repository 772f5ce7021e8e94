"""Digestion: spooled raw events -> normalized Events grouped into Issues.

A project's spool is digested in batches, one transaction per batch, so SQLite's and
PostgreSQL's commit costs are shared by many events, and every lookup (groupings, tag values,
existing event ids) is one query per batch rather than one per event.

Only one digester works on a project at a time (a PostgreSQL advisory lock; on SQLite the
IMMEDIATE transaction already holds the database's single write lock). That makes Issue
counters exact, and the in-memory period counters (issues/counters.py) exact too. Each batch then
applies the Issue state machine to its events in order (issues/lifecycle.py): releases,
regressions, stragglers, unmutes, alerts.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from events.models import Event, EventTag, RawEvent, TagValue
from events.normalize import NormalizedEvent, normalize_event
from events.routers import spool_database
from events.spool_lock import spool_write_lock
from events.storage import compress_document
from events.tags import extract_tags
from issues.counters import registry
from issues.grouping import compute_grouping, event_culprit, event_title
from issues.lifecycle import apply_issue_states
from issues.models import Grouping, Issue, IssueTagCount
from projects.models import Project

logger = logging.getLogger("bugsink.digest")


@dataclass
class Pending:
    """One raw event on its way through a batch."""

    raw: RawEvent
    event: NormalizedEvent
    hash: str
    config: str
    title: str
    culprit: str
    tags: list[tuple[str, str]]
    issue_id: int | None = None
    grouping_id: int | None = None


def digest_pending(project_id: int, batch_size: int | None = None) -> int:
    """Digest everything spooled for the project; returns how many events it stored.

    Spool rows that turn out to be digested already (resends; on SQLite, rows another digester
    stored but had not yet removed from the spool) are removed without being counted.
    """
    batch_size = batch_size or settings.DIGEST_BATCH_SIZE
    total = 0
    while True:
        handled, stored = digest_batch(project_id, batch_size)
        total += stored
        if handled < batch_size:
            return total


def digest_batch(project_id: int, batch_size: int) -> tuple[int, int]:
    """One batch in one transaction; returns (spool rows handled, events stored)."""
    with transaction.atomic():
        lock_project(project_id)
        raws = list(RawEvent.objects.filter(project_id=project_id).order_by("id")[:batch_size])
        if not raws:
            return 0, 0
        if not Project.objects.filter(pk=project_id).exists():
            # Deleted since these were accepted: there is nothing left to file them under.
            _unspool([raw.pk for raw in raws])
            logger.info("dropped %d spooled events of deleted project %s", len(raws), project_id)
            return len(raws), 0
        counters = registry.begin(project_id, timezone.now())
        pending = _prepare(project_id, raws)
        if pending:
            new_issue_ids = _assign_issues(project_id, pending)
            events = _store_events(project_id, pending)
            _update_issues(pending)
            apply_issue_states(project_id, pending, new_issue_ids, counters)
            _store_tags(project_id, pending, events)
        _unspool([raw.pk for raw in raws])
        registry.commit(project_id, counters)
    return len(raws), len(pending)


def lock_project(project_id: int) -> None:
    """Serialize with every other digestion of (and state change in) this project.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: nothing to do, the IMMEDIATE
    transaction already holds the database's only write lock. Call inside transaction.atomic().
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, project_id])


def _unspool(raw_ids: list[int]) -> None:
    """Remove digested rows from the spool, atomically with the batch where that is possible.

    On SQLite the spool is another database file, so rows go once the batch has committed; a
    crash in between only means the rows are seen again and skipped as already digested.
    """
    spooled = RawEvent.objects.filter(pk__in=raw_ids)
    if spool_database() == "default":
        spooled.delete()
    else:
        transaction.on_commit(lambda: _delete_from_spool_file(spooled))


def _delete_from_spool_file(spooled) -> None:
    with spool_write_lock():
        spooled.delete()


def _prepare(project_id: int, raws: list[RawEvent]) -> list[Pending]:
    """Parse and group each raw event, dropping ids already digested (resends, redeliveries)."""
    event_ids = [raw.event_id for raw in raws]
    seen = set(
        Event.objects.filter(project_id=project_id, event_id__in=event_ids).values_list(
            "event_id", flat=True
        )
    )
    pending = []
    for raw in raws:
        if raw.event_id in seen:
            continue
        seen.add(raw.event_id)
        pending.append(_parse(raw))
    return pending


def _parse(raw: RawEvent) -> Pending:
    try:
        data = orjson.loads(bytes(raw.payload))
    except orjson.JSONDecodeError:
        data = None  # validated at ingest, so only a corrupted row gets here; keep a stub
    event = normalize_event(
        data, received_at=raw.received_at, event_id=raw.event_id, remote_addr=raw.remote_addr
    )
    grouping = compute_grouping(event)
    return Pending(
        raw=raw,
        event=event,
        hash=grouping.hash,
        config=grouping.config,
        title=event_title(event)[:255],
        culprit=event_culprit(event)[:255],
        tags=extract_tags(event),
    )


def _assign_issues(project_id: int, pending: list[Pending]) -> set[int]:
    """Point each event at its Issue, creating Issues for new hashes; returns the new ones."""
    created: set[int] = set()
    hashes = {p.hash for p in pending}
    known = dict(
        Grouping.objects.filter(project_id=project_id, hash__in=hashes).values_list("hash", "id")
    )
    issue_of = dict(Grouping.objects.filter(id__in=known.values()).values_list("id", "issue_id"))
    for p in pending:
        if p.hash not in known:
            issue = Issue.objects.create(
                project_id=project_id,
                first_seen=p.event.timestamp,
                last_seen=p.event.timestamp,
                title=p.title,
                culprit=p.culprit,
                level=p.event.level,
                platform=p.event.platform[:64],
                first_release=(p.event.release or "")[:250],
                last_release=(p.event.release or "")[:250],
            )
            grouping = Grouping.objects.create(
                project_id=project_id, issue=issue, hash=p.hash, config=p.config
            )
            known[p.hash] = grouping.id
            issue_of[grouping.id] = issue.id
            created.add(issue.id)
        p.grouping_id = known[p.hash]
        p.issue_id = issue_of[p.grouping_id]
    return created


def _store_events(project_id: int, pending: list[Pending]) -> list[Event]:
    events = [
        Event(
            project_id=project_id,
            issue_id=p.issue_id,
            grouping_id=p.grouping_id,
            event_id=p.raw.event_id,
            timestamp=p.event.timestamp,
            received_at=p.raw.received_at,
            level=p.event.level[:10],
            platform=p.event.platform[:64],
            release=(p.event.release or "")[:250],
            environment=(p.event.environment or "")[:64],
            title=p.title,
            data=compress_document(p.event.to_dict()),
        )
        for p in pending
    ]
    return Event.objects.bulk_create(events)


def _update_issues(pending: list[Pending]) -> None:
    """One UPDATE per touched Issue, with F() so concurrent writers can never lose a count."""
    by_issue: dict[int, list[Pending]] = defaultdict(list)
    for p in pending:
        by_issue[p.issue_id].append(p)
    issues = Issue.objects.in_bulk(list(by_issue))
    for issue_id, group in by_issue.items():
        issue = issues[issue_id]
        newest = max(group, key=lambda p: p.event.timestamp)
        changes = {"event_count": F("event_count") + len(group)}
        if newest.event.timestamp >= issue.last_seen:
            changes["last_seen"] = newest.event.timestamp
            changes["level"] = newest.event.level
            changes["title"] = newest.title
            changes["culprit"] = newest.culprit
            if newest.event.release:
                changes["last_release"] = newest.event.release[:250]
        oldest = min(p.event.timestamp for p in group)
        if oldest < issue.first_seen:
            changes["first_seen"] = oldest
        Issue.objects.filter(pk=issue_id).update(**changes)


def _store_tags(project_id: int, pending: list[Pending], events: list[Event]) -> None:
    wanted = {(key, value) for p in pending for key, value in p.tags}
    if not wanted:
        return
    value_ids = _tag_value_ids(project_id, wanted)
    event_tags = []
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for p, event in zip(pending, events, strict=True):
        for key, value in p.tags:
            value_id = value_ids[(key, value)]
            event_tags.append(EventTag(event_id=event.pk, value_id=value_id, issue_id=p.issue_id))
            counts[(p.issue_id, value_id)] += 1
    EventTag.objects.bulk_create(event_tags, batch_size=1000)
    _add_issue_tag_counts(counts, value_ids)


def _tag_value_ids(project_id: int, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    def lookup() -> dict[tuple[str, str], int]:
        keys = {key for key, _ in wanted}
        values = {value for _, value in wanted}
        rows = TagValue.objects.filter(
            project_id=project_id, key__in=keys, value__in=values
        ).values_list("key", "value", "id")
        return {(k, v): i for k, v, i in rows if (k, v) in wanted}

    found = lookup()
    missing = wanted - found.keys()
    if missing:
        TagValue.objects.bulk_create(
            [TagValue(project_id=project_id, key=k, value=v) for k, v in missing],
            ignore_conflicts=True,
            batch_size=1000,
        )
        found = lookup()
    return found


def _add_issue_tag_counts(
    counts: dict[tuple[int, int], int], value_ids: dict[tuple[str, str], int]
) -> None:
    key_of = {value_id: key for (key, _), value_id in value_ids.items()}
    existing = IssueTagCount.objects.filter(
        issue_id__in={issue_id for issue_id, _ in counts},
        value_id__in={value_id for _, value_id in counts},
    )
    to_update = []
    for row in existing:
        n = counts.pop((row.issue_id, row.value_id), 0)
        if n:
            row.count += n  # exact: this project's digestion holds the project lock
            to_update.append(row)
    IssueTagCount.objects.bulk_update(to_update, ["count"], batch_size=500)
    IssueTagCount.objects.bulk_create(
        [
            IssueTagCount(issue_id=issue_id, value_id=value_id, key=key_of[value_id], count=n)
            for (issue_id, value_id), n in counts.items()
        ],
        batch_size=1000,
    )
