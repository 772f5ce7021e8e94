"""Which events of a project over its cap are kept: the thinning rule, pure and testable.

Every Issue keeps its first and its latest event. Besides those, each Issue keeps at most `k`
events per hour for the last day, per day for the last 30 days and per week before that (the
newest of each bucket), with the largest `k` for which everything kept fits the target. So
recent history stays dense, older history thins out, and no Issue loses its whole past.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

HOUR = 3600
DAY = 86400
WEEK = 7 * DAY


def bucket_key(received_at: datetime, now: datetime) -> tuple[str, int]:
    """The thinning bucket of an event: hourly for a day, daily for 30 days, weekly after."""
    age = now - received_at
    seconds = int(received_at.timestamp())
    if age <= timedelta(days=1):
        return "h", seconds // HOUR
    if age <= timedelta(days=30):
        return "d", seconds // DAY
    return "w", seconds // WEEK


def choose_kept(
    rows: Sequence[tuple[int, int, datetime]], target: int, now: datetime
) -> tuple[set[int], int]:
    """(ids to keep, k) for rows of (id, issue id, received_at) in id order.

    Ids are assigned in the order events are digested, so the smallest id of an Issue is its
    first event and the largest its latest. If the first and latest events alone exceed the
    target (more than target/2 Issues), the latest events of the most recent Issues are kept.
    """
    first: dict[int, int] = {}
    latest: dict[int, int] = {}
    buckets: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    for event_id, issue_id, received_at in rows:
        first.setdefault(issue_id, event_id)
        latest[issue_id] = event_id
        buckets[(issue_id, *bucket_key(received_at, now))].append(event_id)
    protected = set(first.values()) | set(latest.values())
    if len(protected) > target:
        newest = sorted(latest.values(), reverse=True)[:target]
        return set(newest), 0
    # Per bucket, the newest ids first; a bucket's protected ids are kept anyway.
    ranked = [
        [event_id for event_id in reversed(ids) if event_id not in protected]
        for ids in buckets.values()
    ]
    low, high = 0, max((len(ids) for ids in ranked), default=0)
    while low < high:  # the largest k with len(protected) + sum(min(k, n)) <= target
        middle = (low + high + 1) // 2
        if len(protected) + sum(min(middle, len(ids)) for ids in ranked) <= target:
            low = middle
        else:
            high = middle - 1
    kept = set(protected)
    for ids in ranked:
        kept.update(ids[:low])
    return kept, low
