"""Calendar periods in UTC: the buckets that period counters and ingest quotas count in.

A bucket is a whole minute, hour, day, month or year as a clock shows it (UTC), numbered by an
integer index; both the digest's period counters and the ingest quota windows use these same
buckets, so a quota and an unmute condition agree on where a period starts.
"""

from datetime import UTC, datetime
from functools import lru_cache

GRANULARITIES = ("minute", "hour", "day", "month", "year")


def bucket_of(granularity: str, when: datetime) -> int:
    """The index of the calendar bucket containing `when` (an aware datetime)."""
    when = when.astimezone(UTC)
    if granularity == "month":
        return when.year * 12 + when.month - 1
    if granularity == "year":
        return when.year
    seconds = {"minute": 60, "hour": 3600, "day": 86400}[granularity]
    return int(when.timestamp()) // seconds


def bucket_indexes(when: datetime) -> tuple[int, ...]:
    """`bucket_of(g, when)` for every granularity g of GRANULARITIES, in that order.

    Digestion counts every event in five granularities twice (project and Issue): computed
    once, from one conversion to a timestamp, with the calendar month looked up per day.
    """
    timestamp = when.timestamp() if when.utcoffset() is not None else -1.0
    if timestamp < 0:  # naive, or before 1970 (where int() rounds toward the epoch): the slow way
        return tuple(bucket_of(granularity, when) for granularity in GRANULARITIES)
    seconds = int(timestamp)
    day = seconds // 86400
    year, month = _year_month(day)
    return seconds // 60, seconds // 3600, day, year * 12 + month - 1, year


@lru_cache(maxsize=64)
def _year_month(day: int) -> tuple[int, int]:
    start = datetime.fromtimestamp(day * 86400, tz=UTC)
    return start.year, start.month


def bucket_start(granularity: str, index: int) -> datetime:
    if granularity == "month":
        year, month0 = divmod(index, 12)
        return datetime(max(year, 1), month0 + 1, 1, tzinfo=UTC)
    if granularity == "year":
        return datetime(max(index, 1), 1, 1, tzinfo=UTC)
    seconds = {"minute": 60, "hour": 3600, "day": 86400}[granularity]
    return datetime.fromtimestamp(index * seconds, tz=UTC)
