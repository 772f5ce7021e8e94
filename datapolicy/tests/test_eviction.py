"""Eviction on a real database: caps hold, triage keeps what it needs, counts stay true."""

import os
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from datapolicy.eviction import evict_project
from datapolicy.models import DataPolicy
from datapolicy.vacuum import database_bytes, reclaim_space
from digestion.digest import digest_pending
from events.models import Attachment, Event, RawEvent
from issues import charts
from issues.counters import load_project_counters
from issues.models import Issue, IssueTagCount
from issues.selectors import issue_charts
from projects.tests.factories import make_project, python_event

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def spool(project_id: int, received_at: datetime, kind: str = "KeyError", **extra) -> str:
    event_id = uuid.uuid4().hex
    event = python_event(
        event_id=event_id,
        timestamp=received_at.isoformat(),
        exception={"values": [{"type": kind, "value": "x"}]},
        **extra,
    )
    RawEvent.objects.create(
        project_id=project_id,
        event_id=event_id,
        received_at=received_at,
        payload=orjson.dumps(event),
    )
    return event_id


def fill(project, now, count=120, kinds=("KeyError", "ValueError")):
    """`count` events per kind, one every 5 minutes, the oldest 10 hours ago."""
    for n in range(count):
        for kind in kinds:
            spool(project.pk, now - timedelta(minutes=5 * (count - n)), kind)
    digest_pending(project.pk)


def counter_totals(project_id, now):
    counters = load_project_counters(project_id, now)
    return {g: counters.project.count(p, n, now) for g, p, n in [
        ("hour", "hour", 24), ("minute", "minute", 60 * 24), ("day", "day", 30)]}  # fmt: skip


def test_count_cap_keeps_first_and_latest_and_counts_stay_true():
    now = timezone.now()
    project = make_project()
    DataPolicy.objects.create(project=project, max_events=50)
    fill(project, now)
    issues = list(Issue.objects.filter(project=project))
    before_counts = {i.pk: i.event_count for i in issues}
    before_tags = sorted(IssueTagCount.objects.values_list("issue_id", "value_id", "count"))
    before_counters = counter_totals(project.pk, now)
    before_charts = {i.pk: [b.count for b in issue_charts(i)[0].bars] for i in issues}
    firsts = {i.pk: Event.objects.filter(issue=i).order_by("pk").first().pk for i in issues}
    latest = {i.pk: Event.objects.filter(issue=i).order_by("pk").last().pk for i in issues}

    report = evict_project(project.pk, now)

    stored = Event.objects.filter(project=project).count()
    assert stored <= 45 and report.by_count == 240 - stored
    for issue in Issue.objects.filter(project=project):
        assert Event.objects.filter(pk=firsts[issue.pk]).exists()
        assert Event.objects.filter(pk=latest[issue.pk]).exists()
        assert issue.event_count == before_counts[issue.pk]  # events seen
        assert [b.count for b in issue_charts(issue)[0].bars] == before_charts[issue.pk]
    assert sorted(IssueTagCount.objects.values_list("issue_id", "value_id", "count")) == (
        before_tags
    )
    assert counter_totals(project.pk, now) == before_counters
    # A second pass has nothing to do.
    assert evict_project(project.pk, now).events == 0


def test_age_cap_removes_old_events_and_optionally_empty_issues():
    now = timezone.now()
    project = make_project()
    DataPolicy.objects.create(project=project, max_age_days=30)
    spool(project.pk, now - timedelta(days=40), "OldError")
    spool(project.pk, now - timedelta(days=40), "MutedError")
    spool(project.pk, now - timedelta(days=40), "ResolvedError")
    spool(project.pk, now - timedelta(days=35), "KeyError")
    spool(project.pk, now - timedelta(days=1), "KeyError")
    digest_pending(project.pk)
    Issue.objects.filter(title__startswith="MutedError").update(is_muted=True)
    Issue.objects.filter(title__startswith="ResolvedError").update(is_resolved=True)

    with override_settings(RETENTION_DELETE_EMPTY_ISSUES=False):
        assert evict_project(project.pk, now).by_age == 4
    assert Event.objects.filter(project=project).count() == 1
    assert Issue.objects.filter(project=project).count() == 4

    with override_settings(RETENTION_DELETE_EMPTY_ISSUES=True):
        assert evict_project(project.pk, now).issues_deleted == 1
    titles = {t.split(":")[0] for t in Issue.objects.values_list("title", flat=True)}
    assert titles == {"KeyError", "MutedError", "ResolvedError"}


def test_attachments_go_with_their_events_and_over_the_byte_cap():
    now = timezone.now()
    project = make_project()
    DataPolicy.objects.create(project=project, max_age_days=30, max_attachment_mb=1)
    old = spool(project.pk, now - timedelta(days=31))
    recent = [spool(project.pk, now - timedelta(minutes=n)) for n in range(3)]
    digest_pending(project.pk)
    for n, event_id in enumerate([old, *recent]):
        Attachment.objects.create(
            project=project,
            event_id=event_id,
            filename=f"a{n}.bin",
            size=400 * 1024,
            data=b"x" * 16,
            received_at=now - timedelta(minutes=10 - n),
        )
    report = evict_project(project.pk, now)
    assert not Attachment.objects.filter(event_id=old).exists()
    assert report.attachments == 1  # 3 x 400 KiB > 1 MiB: the oldest of them goes
    assert set(Attachment.objects.values_list("event_id", flat=True)) == set(recent[1:])


@pytest.mark.skipif(
    connections["default"].vendor != "sqlite", reason="file space is SQLite's concern"
)
def test_sqlite_file_shrinks_after_eviction():
    now = timezone.now()
    project = make_project()
    for n in range(600):
        noise = {"extra": {"blob": os.urandom(1500).hex()}}  # does not compress away
        spool(project.pk, now - timedelta(minutes=n), "KeyError", **noise)
    digest_pending(project.pk)
    reclaim_space()
    before = database_bytes("default")
    DataPolicy.objects.create(project=project, max_events=20)
    evict_project(project.pk, now)
    freed = reclaim_space()
    after = database_bytes("default")
    assert freed["default"] > 0
    assert after < before * 0.75  # 580 of 600 events went; the schema's own pages stay


def test_chart_counts_include_evicted_events_per_bucket():
    now = timezone.now().replace(minute=30)
    project = make_project()
    DataPolicy.objects.create(project=project, max_events=5)
    for n in range(30):
        spool(project.pk, now - timedelta(minutes=n))
    digest_pending(project.pk)
    issue = Issue.objects.get(project=project)
    starts, counts = charts.bucket_counts(
        Event.objects.filter(issue=issue), "issue_id", charts.HOUR, 2
    )
    evict_project(project.pk, now)
    from datapolicy.models import EvictedCount

    after_starts, after = charts.bucket_counts(
        Event.objects.filter(issue=issue),
        "issue_id",
        charts.HOUR,
        2,
        EvictedCount.objects.filter(issue=issue),
    )
    assert after == counts
    assert sum(after[issue.pk].values()) == 30
    assert Event.objects.filter(issue=issue).count() <= 5
    assert after_starts == starts
    assert UTC  # aware datetimes throughout


def test_digestion_keeps_a_busy_project_within_cap_plus_one_batch():
    from datapolicy.eviction import keep_within_cap

    now = timezone.now()
    project = make_project()
    DataPolicy.objects.create(project=project, max_events=100)
    for n in range(600):
        spool(project.pk, now - timedelta(seconds=600 - n))
    peaks = []

    def after_batch(project_id, stored):
        keep_within_cap(project_id, stored)
        peaks.append(Event.objects.filter(project=project).count())

    digest_pending(project.pk, batch_size=50, after_batch=after_batch)
    assert max(peaks) <= 100 + 50
    assert Issue.objects.get(project=project).event_count == 600


def test_source_maps_of_releases_without_recent_events_are_evicted():
    from sourcemaps.models import SourceFile
    from sourcemaps.store import store_release_file

    now = timezone.now()
    project = make_project()
    old = store_release_file(project, b"var a=1;", "~/old.min.js", "shop@1.0")
    live = store_release_file(project, b"var b=2;", "~/live.min.js", "shop@2.0")
    fresh = store_release_file(project, b"var c=3;", "~/fresh.min.js", "shop@0.9")
    SourceFile.objects.filter(pk__in=[old.pk, live.pk]).update(created_at=now - timedelta(days=100))
    spool(project.pk, now - timedelta(days=1), release="shop@2.0")
    digest_pending(project.pk)
    stored_name = old.storage_name

    report = evict_project(project.pk, now)

    assert report.source_files == 1
    assert set(SourceFile.objects.values_list("pk", flat=True)) == {live.pk, fresh.pk}
    from django.core.files.storage import storages

    assert not storages["sourcemaps"].exists(stored_name)  # the bytes went with the row
