"""Period counters against brute force; release order; rebuild_counters on corrupted counts."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from issues.counters import (
    GRANULARITIES,
    MAX_PERIODS,
    PERIODS,
    RETENTION,
    PeriodCounter,
    ProjectCounters,
    bucket_of,
    registry,
    window_start,
)
from issues.models import Issue
from issues.releases import semver_key
from issues.state import IssueStateManager
from issues.tests import lifecycle_helpers
from issues.tests.lifecycle_helpers import new_project, send

# Shared fixtures, bound here so pytest finds them in this module.
alerts = lifecycle_helpers.alerts
fresh_registry = lifecycle_helpers.fresh_registry

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def in_last_periods(period: str, n: int, ts: datetime, now: datetime) -> bool:
    """Brute force, from calendar fields, independently of bucket indexes: is `ts` within the
    current (partial) period plus the n-1 whole periods before it?"""
    if ts > now:
        return False
    if period == "year":
        return now.year - ts.year < n
    if period == "month":
        return (now.year * 12 + now.month) - (ts.year * 12 + ts.month) < n
    if period == "week":
        return (now.date() - ts.date()).days < 7 * n
    if period == "day":
        return (now.date() - ts.date()).days < n
    unit = {"hour": timedelta(hours=1), "minute": timedelta(minutes=1)}[period]
    floor = {"hour": {"minute": 0, "second": 0, "microsecond": 0},
             "minute": {"second": 0, "microsecond": 0}}[period]  # fmt: skip
    return now.replace(**floor) - ts.replace(**floor) < unit * n


timestamps = st.lists(
    st.integers(min_value=0, max_value=3 * 366 * 86400).map(lambda s: EPOCH + timedelta(seconds=s)),
    min_size=1,
    max_size=60,
)
conditions = st.sampled_from(PERIODS).flatmap(
    lambda period: st.fixed_dictionaries(
        {
            "period": st.just(period),
            "nr_of_periods": st.integers(1, min(MAX_PERIODS[period], 40)),
            "volume": st.integers(1, 30),
        }
    )
)


@settings(max_examples=300, deadline=None)
@given(timestamps, st.lists(conditions, min_size=1, max_size=4), st.data())
def test_counter_equals_brute_force(stamps, conds, data):
    """Events arrive in time order; at each arrival every condition's count (and whether it
    holds) equals a brute-force count over all timestamps so far."""
    stamps = sorted(stamps)
    counter = PeriodCounter()
    for i, ts in enumerate(stamps):
        counter.add(ts)
        for c in conds:
            expected = sum(in_last_periods(c["period"], c["nr_of_periods"], t, ts)
                           for t in stamps[: i + 1])  # fmt: skip
            got = counter.count(c["period"], c["nr_of_periods"], ts)
            assert got == expected
            assert (got >= c["volume"]) == (expected >= c["volume"])
    later = stamps[-1] + timedelta(seconds=data.draw(st.integers(0, 400 * 86400)))
    for c in conds:
        expected = sum(in_last_periods(c["period"], c["nr_of_periods"], t, later) for t in stamps)
        assert counter.count(c["period"], c["nr_of_periods"], later) == expected
        start = window_start(c["period"], c["nr_of_periods"], later)
        assert expected == sum(start <= t <= later for t in stamps)


@settings(max_examples=100, deadline=None)
@given(timestamps, conditions)
def test_listener_fires_exactly_at_the_crossing(stamps, condition):
    stamps = sorted(stamps)
    counters = ProjectCounters()
    counters.watch(7, [condition])
    fired_at = [i for i, ts in enumerate(stamps) if counters.record(7, ts) is not None]
    crossings = [
        i for i, ts in enumerate(stamps)
        if sum(in_last_periods(condition["period"], condition["nr_of_periods"], t, ts)
               for t in stamps[: i + 1]) >= condition["volume"]
    ]  # fmt: skip
    assert fired_at == crossings[:1]  # the first moment it holds, and only once
    assert counters.project.total() == len(stamps)


def test_memory_is_bounded():
    counter = PeriodCounter()
    for minute in range(5 * RETENTION["minute"]):
        counter.add(EPOCH + timedelta(minutes=minute))
    for granularity in GRANULARITIES:
        assert len(counter.buckets[granularity]) <= RETENTION[granularity] + 1
    now = EPOCH + timedelta(minutes=5 * RETENTION["minute"] - 1)
    assert counter.count("minute", MAX_PERIODS["minute"], now) == RETENTION["minute"]


def test_bucket_edges():
    assert bucket_of("month", datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) + 1 == bucket_of(
        "month", datetime(2026, 2, 1, tzinfo=UTC)
    )
    assert window_start("week", 1, datetime(2026, 3, 10, 5, tzinfo=UTC)) == datetime(
        2026, 3, 4, tzinfo=UTC
    )
    assert window_start("month", 3, datetime(2026, 2, 10, tzinfo=UTC)) == datetime(
        2025, 12, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "older,newer",
    [
        ("1.0.0", "1.0.1"),
        ("1.9", "1.10"),
        ("v1.2.3", "1.2.4"),
        ("app@1.0.0-alpha", "app@1.0.0-alpha.1"),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta"),
        ("1.0.0-beta.2", "1.0.0-beta.11"),
        ("1.0.0-rc.1", "1.0.0"),
        ("2.0.0", "10.0.0"),
    ],
)
def test_semver_order(older, newer):
    assert semver_key(older) < semver_key(newer)


@pytest.mark.parametrize("version", ["abc123def", "release-candidate", "1.2.3.4.5", ""])
def test_non_semver(version):
    assert semver_key(version) is None


@pytest.mark.django_db(databases="__all__")
def test_counters_reload_when_another_process_digested(alerts, fresh_registry):
    """The generation token: a batch digested elsewhere makes our counters reload."""
    with time_machine.travel(EPOCH, tick=False):
        project = new_project()
        issue = send(project, n=2)
        ours = registry.cached(project.pk)
        registry.invalidate([project.pk])  # "another process" digests the next batch...
        send(project, n=2)
        theirs = registry.cached(project.pk)
        registry._projects[project.pk] = ours  # ...and we come back with our stale counters
        IssueStateManager.mute(issue, conditions=[{"period": "day", "nr_of_periods": 1,
                                                   "volume": 5}])  # fmt: skip
        send(project)
        issue.refresh_from_db()
        assert theirs is not ours
        assert registry.cached(project.pk).issue(issue.pk).count("day", 1, EPOCH) == 5
        assert not issue.is_muted and alerts.of("unmute") == [issue.pk]


@pytest.mark.django_db(databases="__all__")
def test_rebuild_counters_corrects_corrupted_counts(alerts, fresh_registry):
    with time_machine.travel(EPOCH, tick=False):
        project = new_project()
        issue = send(project, n=3)
        other = send(project, message="other", n=2)
        # Corrupt both the in-memory counters and the stored totals.
        counters = registry.cached(project.pk)
        counters.issue(issue.pk).add(EPOCH, 40)
        counters.project.add(EPOCH - timedelta(days=1), 7)
        Issue.objects.filter(pk=other.pk).update(event_count=99)

        out = StringIO()
        call_command("rebuild_counters", str(project.pk), stdout=out)
        report = out.getvalue()
        assert f"issue {other.pk} event_count 99 -> 2" in report
        assert f"issue {issue.pk} minute counts differ" in report
        assert "project day counts differ" in report
        assert "difference(s) found" in report and not report.startswith("0 ")
        other.refresh_from_db()
        assert other.event_count == 2

        # Digestion now works from the recomputed counts: 3 stored + 2 more crosses 5/day,
        # where the corrupted counter (43 events) would have unmuted at the very next event.
        IssueStateManager.mute(issue, conditions=[{"period": "day", "nr_of_periods": 1,
                                                   "volume": 5}])  # fmt: skip
        send(project)
        issue.refresh_from_db()
        assert issue.is_muted
        send(project)
        issue.refresh_from_db()
        assert not issue.is_muted and alerts.of("unmute") == [issue.pk]

        out = StringIO()
        call_command("rebuild_counters", stdout=out)
        assert out.getvalue().strip().endswith("0 difference(s) found and corrected")


@pytest.mark.django_db(databases="__all__")
def test_rebuild_counters_unknown_project():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rebuild_counters", "no-such-project")
