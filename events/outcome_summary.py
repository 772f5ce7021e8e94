"""Reading the ingest outcome counters (events.models.Outcome) per hour or per day.

One query per page: the project's hourly rows of the period, summed into buckets in Python
(at most a few thousand rows: 30 days of hours times a handful of outcome kinds).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from .models import Outcome

PERIODS = {"hour": (timedelta(hours=1), 48), "day": (timedelta(days=1), 30)}
OUTCOME_KINDS = ("accepted", "refused", "filtered", "client_discard")


@dataclass
class Bucket:
    start: datetime
    # {outcome: {reason: {category: count}}}; accepted items have the reason "".
    counts: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )

    def total(self, outcome: str) -> int:
        return sum(n for by_cat in self.counts.get(outcome, {}).values() for n in by_cat.values())

    def as_json(self) -> dict:
        result: dict = {"start": self.start.isoformat()}
        for outcome in OUTCOME_KINDS:
            by_reason = self.counts.get(outcome, {})
            if outcome == "accepted":
                result[outcome] = dict(by_reason.get("", {}))
            else:
                result[outcome] = {reason: dict(cats) for reason, cats in by_reason.items()}
        return result


def bucket_starts(period: str, now: datetime | None = None) -> list[datetime]:
    step, count = PERIODS[period]
    now = (now or timezone.now()).astimezone(UTC)
    last = now.replace(minute=0, second=0, microsecond=0)
    if period == "day":
        last = last.replace(hour=0)
    return [last - step * (count - 1 - i) for i in range(count)]


def outcome_buckets(project_id: int, period: str, now: datetime | None = None) -> list[Bucket]:
    """The period's buckets, oldest first (`period` is "hour": 48 hours, or "day": 30 days)."""
    starts = bucket_starts(period, now)
    buckets = {start: Bucket(start) for start in starts}
    rows = Outcome.objects.filter(project_id=project_id, hour__gte=starts[0]).values_list(
        "hour", "outcome", "reason", "category", "count"
    )
    for hour, outcome, reason, category, count in rows:
        hour = hour.astimezone(UTC)
        start = hour.replace(hour=0) if period == "day" else hour
        bucket = buckets.get(start)
        if bucket is not None:
            by_category = bucket.counts[outcome][reason]
            by_category[category] = by_category.get(category, 0) + count
    return [buckets[start] for start in starts]


def totals(buckets: list[Bucket]) -> list[tuple[str, str, str, int]]:
    """(outcome, reason, category, count) summed over the buckets, largest first."""
    summed: dict[tuple[str, str, str], int] = defaultdict(int)
    for bucket in buckets:
        for outcome, by_reason in bucket.counts.items():
            for reason, by_category in by_reason.items():
                for category, n in by_category.items():
                    summed[(outcome, reason, category)] += n
    order = {kind: i for i, kind in enumerate(OUTCOME_KINDS)}
    return sorted(
        ((o, r, c, n) for (o, r, c), n in summed.items()),
        key=lambda row: (order.get(row[0], 9), -row[3], row[1], row[2]),
    )
