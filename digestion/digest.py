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

import gc
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
import zstandard
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from alerts.notify import queue_alerts
from core.locks import lock_project
from datapolicy.policy import scrub_rules_for
from datapolicy.scrub import Rules, Scrubber, scrub_event, scrub_value
from events.models import Event, RawEvent, TagValue
from events.normalize import normalize_event
from events.oversize import fit_event
from events.routers import spool_database
from events.spool_format import json_size, unpack
from events.spool_lock import spool_write_lock
from events.storage import DictionaryCompressors
from events.tags import extract_tags
from issues.counters import registry
from issues.fulltext import add_batch_text, event_texts
from issues.grouping import VERSIONS, compute_grouping, event_culprit, event_title
from issues.lifecycle import apply_issue_states
from issues.models import Grouping, Issue, IssueTagCount
from projects.models import Project
from sourcemaps.symbolicate import JS_PLATFORMS, BatchSymbolicator

logger = logging.getLogger("bugsink.digest")

# A batch's events are all in memory at once, parsed (about ten times their JSON's size).
BATCH_JSON_BYTES = 4 * 1024 * 1024

# Rows per multi-row INSERT: 4 parameters each stays below SQLite's oldest limit of 999.
_ROWS_PER_STATEMENT = 200
# Spool rows fetched from the database at a time.
_FETCH_CHUNK_ROWS = 50


@dataclass(slots=True)
class Spooled:
    """The columns of a RawEvent that digestion reads (no model instance: they cost)."""

    pk: int
    event_id: str
    received_at: datetime
    payload: bytes
    remote_addr: str
    json_bytes: int  # the size of the event's JSON as it was sent


@dataclass
class Pending:
    """One raw event on its way through a batch: what the batch still needs of it once parsed.

    The parsed event itself is not kept: it is serialized at once (`document`), so a batch holds
    its events' JSON, not their objects, which take ten to twenty times the memory.
    """

    raw: Spooled
    document: bytes  # the stored form of the event (NormalizedEvent.to_dict as JSON)
    timestamp: datetime
    level: str
    platform: str
    release: str | None
    environment: str | None
    search_texts: list[str]  # issues.fulltext.event_texts
    hash: str
    config: str
    strategy: str
    components: list[str]
    # During a project's grouping transition, the hash of its previous version (else None).
    previous_hash: str | None
    title: str
    culprit: str
    tags: list[tuple[str, str]]
    issue_id: int | None = None
    grouping_id: int | None = None


def digest_pending(
    project_id: int,
    batch_size: int | None = None,
    after_batch: Callable[[int, int], object] | None = None,
) -> int:
    """Digest everything spooled for the project; returns how many events it stored.

    Spool rows that turn out to be digested already (resends; on SQLite, rows another digester
    stored but had not yet removed from the spool) are removed without being counted.
    `after_batch(project_id, stored)` runs after each batch that stored events (retention).
    """
    batch_size = batch_size or settings.DIGEST_BATCH_SIZE
    total = 0
    while True:
        stored, more = digest_batch(project_id, batch_size)
        total += stored
        if stored and after_batch is not None:
            after_batch(project_id, stored)
        if not more:
            return total


def digest_batch(project_id: int, batch_size: int) -> tuple[int, bool]:
    """One batch in one transaction; returns (events stored, whether more are spooled)."""
    with _collector_paused():
        # The batch's objects are gone by the time the collector runs again: nothing to walk.
        return _digest_batch(project_id, batch_size)


def _digest_batch(project_id: int, batch_size: int) -> tuple[int, bool]:
    with transaction.atomic():
        lock_project(project_id)
        raws, more = _spooled(project_id, batch_size)
        if not raws:
            return 0, False
        versions = _grouping_versions(project_id)
        if versions is None:
            # Deleted since these were accepted: there is nothing left to file them under.
            _unspool([raw.pk for raw in raws])
            logger.info("dropped %d spooled events of deleted project %s", len(raws), project_id)
            return 0, more
        counters = registry.begin(project_id, timezone.now())
        pending = _prepare(project_id, raws, *versions)
        if pending:
            new_issue_ids = _assign_issues(project_id, pending)
            issues = Issue.objects.in_bulk({p.issue_id for p in pending})
            _store_events(project_id, pending)
            _update_issues(pending, issues)
            alerts = apply_issue_states(project_id, pending, new_issue_ids, counters, issues)
            queue_alerts(alerts)
            _store_tags(project_id, pending)
            _store_search_text(project_id, pending, new_issue_ids)
        _unspool([raw.pk for raw in raws])
        registry.commit(project_id, counters)
    return len(pending), more


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold Python's cyclic garbage collector off for the length of one batch.

    A batch builds tens of thousands of small containers that all live until it ends, so the
    collector would walk them again and again for nothing (a fifth of digestion's CPU). What a
    batch leaves behind is bounded by the batch and collected as usual once it is over. Only a
    collector this call found enabled is enabled again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _grouping_versions(project_id: int) -> tuple[str, str | None] | None:
    """The project's grouping version and, inside its upgrade's transition window, the previous
    one (else None); None for a project that no longer exists."""
    row = (
        Project.objects.filter(pk=project_id)
        .values_list("grouping_config", "grouping_upgraded_at", "grouping_upgraded_from")
        .first()
    )
    if row is None:
        return None
    config, upgraded_at, previous = row
    if config not in VERSIONS:
        config = "v1"  # a version this code does not know (a downgrade): the frozen first one
    window = timedelta(days=settings.GROUPING_TRANSITION_DAYS)
    in_transition = upgraded_at is not None and timezone.now() < upgraded_at + window
    if not in_transition or previous not in VERSIONS or previous == config:
        previous = None
    return config, previous


def _spooled(project_id: int, batch_size: int) -> tuple[list[Spooled], bool]:
    """The oldest spooled events, as many as fit the batch; and whether more are waiting.

    A batch holds every event it digests in memory at once, parsed, so besides `batch_size`
    events it is bounded by BATCH_JSON_BYTES of their JSON (at least one event).
    """
    rows = (
        RawEvent.objects.filter(project_id=project_id)
        .order_by("id")
        .values_list("id", "event_id", "received_at", "payload", "remote_addr")[:batch_size]
    )
    batch: list[Spooled] = []
    json_bytes = 0
    # Rows are fetched a chunk at a time, so the batch's end is found without first holding
    # every row of a batch_size of events that are each up to INGEST_MAX_DECOMPRESSED_BYTES.
    with closing(rows.iterator(chunk_size=_FETCH_CHUNK_ROWS)) as fetched:
        for row in fetched:
            size = json_size(row[3])
            json_bytes += size
            if batch and json_bytes > BATCH_JSON_BYTES:
                return batch, True
            batch.append(Spooled(*row, size))
    return batch, len(batch) == batch_size


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


def _prepare(
    project_id: int, raws: list[Spooled], config: str, previous: str | None
) -> list[Pending]:
    """Parse and group each raw event, dropping ids already digested (resends, redeliveries)."""
    event_ids = [raw.event_id for raw in raws]
    seen = set(
        Event.objects.filter(project_id=project_id, event_id__in=event_ids).values_list(
            "event_id", flat=True
        )
    )
    batch = BatchContext(
        rules=scrub_rules_for(project_id),
        config=config,
        previous=previous,
        symbolicator=BatchSymbolicator(project_id),
    )
    pending = []
    for raw in raws:
        if raw.event_id in seen:
            continue
        seen.add(raw.event_id)
        pending.append(_parse(raw, batch))
    return pending


@dataclass(slots=True)
class BatchContext:
    """What every event of a batch is parsed with: read once per batch, not per event."""

    rules: Rules  # the project's scrubbing rules
    config: str  # the project's grouping version
    previous: str | None  # the version before it, inside the upgrade's transition window
    symbolicator: BatchSymbolicator  # source maps, looked up once per bundle


def _parse(raw: Spooled, batch: BatchContext) -> Pending:
    try:
        data = orjson.loads(unpack(raw.payload, settings.INGEST_MAX_DECOMPRESSED_BYTES))
    except (orjson.JSONDecodeError, zstandard.ZstdError):
        data = None  # validated at ingest, so only a corrupted row gets here; keep a stub
    # Free-form data is scrubbed as it is copied (grouping never reads it); the rest waits for
    # the hash below.
    scrubber = Scrubber(batch.rules)
    event = normalize_event(
        data,
        received_at=raw.received_at,
        event_id=raw.event_id,
        remote_addr=raw.remote_addr,
        scrubber=scrubber,
    )
    if event.platform in JS_PLATFORMS:
        # Before grouping, so that grouping sees the original names, the same in every build.
        batch.symbolicator.symbolicate(
            event, data.get("debug_meta") if isinstance(data, dict) else None
        )
    del data  # an oversized event's parse is the biggest thing in memory: let it go now
    if raw.json_bytes > settings.INGEST_MAX_EVENT_BYTES:
        fit_event(event, settings.INGEST_MAX_EVENT_BYTES, raw.json_bytes)
    # The hash is computed from the values as sent (it is one-way); everything stored and
    # everything derived from the event below (title, culprit, tags, document) is scrubbed.
    grouping = compute_grouping(event, batch.config)
    previous_hash = compute_grouping(event, batch.previous).hash if batch.previous else None
    scrub_event(event, batch.rules, scrubber)
    title, culprit = event_title(event)[:255], event_culprit(event)[:255]
    return Pending(
        raw=raw,
        document=orjson.dumps(event.to_dict()),
        timestamp=event.timestamp,
        level=event.level,
        platform=event.platform,
        release=event.release,
        environment=event.environment,
        search_texts=event_texts(title, culprit, event.message, event.exceptions),
        hash=grouping.hash,
        config=grouping.config,
        strategy=grouping.strategy,
        components=scrub_value(grouping.components, batch.rules),
        previous_hash=previous_hash,
        title=title,
        culprit=culprit,
        tags=extract_tags(event),
    )


def _assign_issues(project_id: int, pending: list[Pending]) -> set[int]:
    """Point each event at its Issue, creating Issues for new hashes; returns the new ones."""
    created: set[int] = set()
    hashes = {p.hash for p in pending} | {p.previous_hash for p in pending if p.previous_hash}
    known = dict(
        Grouping.objects.filter(project_id=project_id, hash__in=hashes).values_list("hash", "id")
    )
    issue_of = dict(Grouping.objects.filter(id__in=known.values()).values_list("id", "issue_id"))
    for p in pending:
        if p.hash not in known and p.previous_hash in known:
            # Transition: the previous version's hash has an Issue, so this event joins it, and
            # so will every later event of the new hash.
            grouping = _create_grouping(project_id, issue_of[known[p.previous_hash]], p)
            known[p.hash] = grouping.id
            issue_of[grouping.id] = grouping.issue_id
        elif p.hash not in known:
            issue = Issue.objects.create(
                project_id=project_id,
                first_seen=p.timestamp,
                last_seen=p.timestamp,
                title=p.title,
                culprit=p.culprit,
                level=p.level,
                platform=p.platform[:64],
                first_release=(p.release or "")[:250],
                last_release=(p.release or "")[:250],
            )
            grouping = _create_grouping(project_id, issue.id, p)
            known[p.hash] = grouping.id
            issue_of[grouping.id] = issue.id
            created.add(issue.id)
        p.grouping_id = known[p.hash]
        p.issue_id = issue_of[p.grouping_id]
    return created


def _create_grouping(project_id: int, issue_id: int, p: Pending) -> Grouping:
    return Grouping.objects.create(
        project_id=project_id,
        issue_id=issue_id,
        hash=p.hash,
        config=p.config,
        strategy=p.strategy[:32],
        components=p.components,
    )


def _store_events(project_id: int, pending: list[Pending]) -> None:
    """One INSERT statement for the batch's events, documents compressed per Issue.

    An Issue without a dictionary (a new one, or one from before dictionaries) gets the
    document of its first event here.
    """
    compressors = DictionaryCompressors()
    dictionaries = compressors.of_issues({p.issue_id for p in pending})
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for p in pending:
        dictionary_id = dictionaries.get(p.issue_id)
        if dictionary_id is None:
            dictionary_id = dictionaries[p.issue_id] = compressors.create(p.issue_id, p.document)
        rows.append(
            (
                project_id,
                p.issue_id,
                p.raw.event_id,
                adapt(p.timestamp),
                adapt(p.raw.received_at),
                p.level[:10],
                (p.release or "")[:250],
                (p.environment or "")[:64],
                p.title,
                p.grouping_id,
                dictionary_id,
                compressors.compress(p.document, dictionary_id),
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(Event, _EVENT_COLUMNS), rows)


_EVENT_COLUMNS = (
    "project_id",
    "issue_id",
    "event_id",
    "timestamp",
    "received_at",
    "level",
    "release",
    "environment",
    "title",
    "grouping_id",
    "dictionary_id",
    "data",
)


def _insert_sql(model, columns: tuple[str, ...], rows: int = 1, suffix: str = "") -> str:
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES {', '.join([row] * rows)}{suffix}"
    )


def _update_issues(pending: list[Pending], issues: dict[int, Issue]) -> None:
    """One UPDATE per touched Issue, all in one executemany.

    The Issues were read in this transaction under the project's digest lock, which every
    writer of these columns holds, so the values computed from them are exact; the count is
    still added in SQL, so it could not lose an increment even without the lock.
    """
    by_issue: dict[int, list[Pending]] = defaultdict(list)
    for p in pending:
        by_issue[p.issue_id].append(p)
    rows = []
    for issue_id, group in by_issue.items():
        issue = issues[issue_id]
        issue.event_count += len(group)
        newest = max(group, key=lambda p: p.timestamp)
        # Title and culprit stay those of the first event (or the user's rename): an Issue whose
        # name followed its latest event would change under its users' eyes.
        if newest.timestamp >= issue.last_seen:
            issue.last_seen = newest.timestamp
            issue.level = newest.level
            if newest.release:
                issue.last_release = newest.release[:250]
        issue.first_seen = min(issue.first_seen, min(p.timestamp for p in group))
        rows.append(
            (
                len(group),
                connection.ops.adapt_datetimefield_value(issue.first_seen),
                connection.ops.adapt_datetimefield_value(issue.last_seen),
                issue.level,
                issue.last_release,
                issue_id,
            )
        )
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Issue._meta.db_table)} SET event_count = event_count + %s, "
        "first_seen = %s, last_seen = %s, level = %s, last_release = %s WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _store_search_text(project_id: int, pending: list[Pending], new_issue_ids: set[int]) -> None:
    """Add the batch's titles, culprits, messages and exception values to the Issues' search
    documents: nothing for texts a document is known to hold, else one read and one upsert."""
    texts: dict[int, list[str]] = defaultdict(list)
    for p in pending:
        texts[p.issue_id] += p.search_texts
    add_batch_text(project_id, texts, new_issue_ids)


def _store_tags(project_id: int, pending: list[Pending]) -> None:
    """Add the batch's tags to the per-Issue counts: an upsert per 200 (Issue, value) pairs."""
    wanted = {tag for p in pending for tag in p.tags}
    if not wanted:
        return
    value_ids = _tag_value_ids(project_id, wanted)
    counts = Counter((p.issue_id, value_ids[tag]) for p in pending for tag in p.tags)
    key_of = {value_id: key for (key, _), value_id in value_ids.items()}
    rows = [(issue_id, value_id, key_of[value_id], n) for (issue_id, value_id), n in counts.items()]
    table = connection.ops.quote_name(IssueTagCount._meta.db_table)
    count = connection.ops.quote_name("count")
    # Exact: this project's digestion holds the project lock, and the addition is in SQL.
    upsert = (
        f" ON CONFLICT (issue_id, value_id) DO UPDATE SET {count} = {table}.{count} + "
        f"excluded.{count}"
    )
    columns = ("issue_id", "value_id", "key", "count")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[start : start + _ROWS_PER_STATEMENT]
            sql = _insert_sql(IssueTagCount, columns, len(chunk), upsert)
            cursor.execute(sql, [param for row in chunk for param in row])


def _tag_value_ids(project_id: int, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(key, value) -> TagValue id, creating the missing ones."""
    found = _lookup_tag_values(project_id, wanted)
    missing = wanted - found.keys()
    if missing:
        suffix = " ON CONFLICT DO NOTHING"
        sql = _insert_sql(TagValue, ("project_id", "key", "value"), suffix=suffix)
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(project_id, key, value) for key, value in missing])
        found.update(_lookup_tag_values(project_id, missing))
    return found


def _lookup_tag_values(project_id: int, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    keys = {key for key, _ in wanted}
    values = sorted({value for _, value in wanted})
    found = {}
    # Chunked: a batch of events with unique values (URLs, users) has thousands of them.
    for start in range(0, len(values), 500):
        rows = TagValue.objects.filter(
            project_id=project_id, key__in=keys, value__in=values[start : start + 500]
        ).values_list("key", "value", "id")
        found.update({(k, v): i for k, v, i in rows if (k, v) in wanted})
    return found
