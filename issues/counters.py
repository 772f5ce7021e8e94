"""Period counters: event counts per Issue and per project, bucketed by calendar period (UTC).

Semantics of "the last N periods" at moment `now`: the period that contains `now` (partial, up
to `now`) plus the N-1 whole periods before it. Periods are calendar-aligned in UTC: minutes,
hours, days, months and years start where a clock says they do; a week is 7 days, so "the last
N weeks" is today plus the 7N-1 days before it. Events are counted by the time the server
received them (`Event.received_at`): client clocks lie, and a quota or an unmute must react to
what arrives now, not to what a client claims happened long ago.

The registry lives in the memory of the process that digests. It is exact because digestion of
a project is serialized (a PostgreSQL advisory lock; SQLite's single write lock), and it knows
when another process digested the same project in between: every digested batch stores a fresh
random token in `CounterGeneration` under that lock; a process whose remembered token differs
reloads the project's counters from the stored events (a few aggregate queries). Memory is
bounded: each granularity keeps only its last RETENTION buckets, and buckets are sparse.
"""

import random
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db.models import Count
from django.db.models.functions import TruncDay, TruncHour, TruncMinute, TruncMonth, TruncYear

from core.periods import GRANULARITIES, bucket_indexes, bucket_of, bucket_start
from datapolicy.models import EvictedCount
from events.models import Event
from issues.models import CounterGeneration

PERIODS = ("minute", "hour", "day", "week", "month", "year")

# How many buckets of each granularity are kept; conditions may not look further back.
RETENTION = {"minute": 24 * 60, "hour": 62 * 24, "day": 2 * 366, "month": 10 * 12, "year": 100}
MAX_PERIODS = {
    "minute": RETENTION["minute"],
    "hour": RETENTION["hour"],
    "day": RETENTION["day"],
    "week": RETENTION["day"] // 7,
    "month": RETENTION["month"],
    "year": RETENTION["year"],
}
MAX_VOLUME = 10**9

_TRUNC = {
    "minute": TruncMinute,
    "hour": TruncHour,
    "day": TruncDay,
    "month": TruncMonth,
    "year": TruncYear,
}


class InvalidCondition(ValueError):
    pass


def span(period: str, nr_of_periods: int) -> tuple[str, int]:
    """(granularity, number of its buckets) that make up the last N `period`s."""
    if period == "week":
        return "day", 7 * nr_of_periods
    return period, nr_of_periods


def window_start(period: str, nr_of_periods: int, now: datetime) -> datetime:
    """Start of "the last N periods" at `now`: events at or after it (and up to now) count."""
    granularity, n = span(period, nr_of_periods)
    return bucket_start(granularity, bucket_of(granularity, now) - n + 1)


def validate_conditions(conditions: object) -> list[dict]:
    """Check and normalize a list of volume conditions; raises InvalidCondition with a reason."""
    if conditions is None:
        return []
    if not isinstance(conditions, list):
        raise InvalidCondition("conditions must be a list")
    cleaned = []
    for condition in conditions:
        if not isinstance(condition, dict):
            raise InvalidCondition("each condition must be an object")
        period = condition.get("period")
        if period not in PERIODS:
            raise InvalidCondition(f"period must be one of {', '.join(PERIODS)}")
        n, volume = condition.get("nr_of_periods"), condition.get("volume")
        for name, value, upper in (
            ("nr_of_periods", n, MAX_PERIODS[period]),
            ("volume", volume, MAX_VOLUME),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
                raise InvalidCondition(f"{name} must be a whole number from 1 to {upper}")
        cleaned.append({"period": period, "nr_of_periods": n, "volume": volume})
    return cleaned


def describe(condition: dict) -> str:
    n, period = condition["nr_of_periods"], condition["period"]
    return f"{condition['volume']} or more events in the last {n} {period}{'s' if n != 1 else ''}"


class PeriodCounter:
    """Sparse event counts per calendar bucket, for every granularity."""

    __slots__ = ("buckets", "newest")

    def __init__(self) -> None:
        self.buckets: dict[str, dict[int, int]] = {g: {} for g in GRANULARITIES}
        self.newest: dict[str, int] = {}

    def add(self, when: datetime, count: int = 1) -> None:
        self.add_indexes(bucket_indexes(when), count)

    def add_indexes(self, indexes: tuple[int, ...], count: int = 1) -> None:
        """Add to the buckets `bucket_indexes` returned (one per granularity)."""
        for granularity, index in zip(GRANULARITIES, indexes, strict=True):
            buckets = self.buckets[granularity]
            buckets[index] = buckets.get(index, 0) + count
            if index > self.newest.get(granularity, index - 1):
                self.newest[granularity] = index
                self._prune(granularity)

    def add_to_bucket(self, granularity: str, index: int, count: int) -> None:
        buckets = self.buckets[granularity]
        buckets[index] = buckets.get(index, 0) + count
        if index > self.newest.get(granularity, index - 1):
            self.newest[granularity] = index
            self._prune(granularity)

    def _prune(self, granularity: str) -> None:
        # Only when a new newest bucket appears, so at most once per bucket of time.
        buckets = self.buckets[granularity]
        if len(buckets) <= RETENTION[granularity]:
            return
        oldest_kept = self.newest[granularity] - RETENTION[granularity] + 1
        for index in [i for i in buckets if i < oldest_kept]:
            del buckets[index]

    def count(self, period: str, nr_of_periods: int, now: datetime) -> int:
        """Events in the last `nr_of_periods` periods at `now` (see the module docstring)."""
        granularity, n = span(period, nr_of_periods)
        current = bucket_of(granularity, now)
        buckets = self.buckets[granularity]
        if n < len(buckets):
            return sum(buckets.get(i, 0) for i in range(current - n + 1, current + 1))
        return sum(c for i, c in buckets.items() if current - n < i <= current)

    def total(self, granularity: str = "year") -> int:
        return sum(self.buckets[granularity].values())


class ProjectCounters:
    """A project's counter and its Issues' counters, plus threshold listeners per Issue."""

    def __init__(self) -> None:
        self.project = PeriodCounter()
        self.issues: dict[int, PeriodCounter] = {}
        self.listeners: dict[int, list[dict]] = {}
        self.token: int | None = None

    def issue(self, issue_id: int) -> PeriodCounter:
        counter = self.issues.get(issue_id)
        if counter is None:
            counter = self.issues[issue_id] = PeriodCounter()
        return counter

    def watch(self, issue_id: int, conditions: list[dict]) -> None:
        """Listen for any of `conditions` becoming true for the Issue (replaces earlier ones)."""
        if conditions:
            self.listeners[issue_id] = list(conditions)
        else:
            self.listeners.pop(issue_id, None)

    def record(self, issue_id: int, when: datetime) -> dict | None:
        """Count one event; returns the condition it made true, if a listener was waiting.

        A listener fires once and is then removed: the caller unmutes the Issue.
        """
        indexes = bucket_indexes(when)
        self.project.add_indexes(indexes)
        counter = self.issue(issue_id)
        counter.add_indexes(indexes)
        conditions = self.listeners.get(issue_id)
        if not conditions:
            return None
        for condition in conditions:
            count = counter.count(condition["period"], condition["nr_of_periods"], when)
            if count >= condition["volume"]:
                del self.listeners[issue_id]
                return condition
        return None


def load_project_counters(project_id: int, now: datetime) -> ProjectCounters:
    """Build a project's counters from its stored events: one aggregate query per granularity,
    plus the counts that eviction left of the events it removed (one query)."""

    counters = ProjectCounters()
    starts = {}
    for granularity in GRANULARITIES:
        since = bucket_start(granularity, bucket_of(granularity, now) - RETENTION[granularity] + 1)
        starts[granularity] = since
        rows = (
            Event.objects.filter(project_id=project_id, received_at__gte=since)
            .annotate(bucket=_TRUNC[granularity]("received_at", tzinfo=UTC))
            .values_list("issue_id", "bucket")
            .annotate(n=Count("id"))
            .order_by()
        )
        for issue_id, bucket, n in rows:
            index = bucket_of(granularity, bucket)
            counters.project.add_to_bucket(granularity, index, n)
            counters.issue(issue_id).add_to_bucket(granularity, index, n)
    _add_evicted(counters, project_id, starts)
    return counters


def _add_evicted(counters: "ProjectCounters", project_id: int, starts: dict) -> None:
    """Evicted events count where they were received: minute rows in every granularity, hour
    rows (older than the minute counters look back) in the hour and coarser ones."""
    rows = EvictedCount.objects.filter(
        project_id=project_id, start__gte=min(starts.values())
    ).values_list("issue_id", "granularity", "start", "count")
    for issue_id, row_granularity, start, n in rows:
        for granularity in GRANULARITIES:
            if granularity == "minute" and row_granularity != EvictedCount.MINUTE:
                continue
            if start < starts[granularity]:
                continue
            index = bucket_of(granularity, start)
            counters.project.add_to_bucket(granularity, index, n)
            counters.issue(issue_id).add_to_bucket(granularity, index, n)


class CounterRegistry:
    """The digesting process's counters, per project; call only under the project's lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._projects: dict[int, ProjectCounters] = {}

    def begin(self, project_id: int, now: datetime) -> ProjectCounters:
        """The project's counters, reloaded if another process digested since we last did."""
        stored, _ = CounterGeneration.objects.get_or_create(project_id=project_id)
        with self._lock:
            counters = self._projects.get(project_id)
        if counters is None or counters.token != stored.generation:
            counters = load_project_counters(project_id, now)
            with self._lock:
                self._projects[project_id] = counters
        return counters

    def commit(self, project_id: int, counters: ProjectCounters) -> None:
        """Mark the stored generation as ours, in the batch's transaction.

        A fresh random token rather than an increment: if the transaction rolls back, or another
        process writes its own token, ours can never match by accident, so we reload.
        """
        token = random.getrandbits(62)
        CounterGeneration.objects.filter(project_id=project_id).update(generation=token)
        counters.token = token

    def invalidate(self, project_ids: Iterable[int] | None = None) -> None:
        with self._lock:
            if project_ids is None:
                self._projects.clear()
            for project_id in project_ids or ():
                self._projects.pop(project_id, None)

    def cached(self, project_id: int) -> ProjectCounters | None:
        with self._lock:
            return self._projects.get(project_id)


registry = CounterRegistry()
