"""bucket_indexes, the fast path of digestion's counting, against bucket_of for every moment."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from issues.counters import GRANULARITIES, PeriodCounter, bucket_indexes, bucket_of

zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-11)), None]
)
moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31), timezones=zones
)


@settings(max_examples=500, deadline=None)
@given(moments)
def test_bucket_indexes_equal_bucket_of(when):
    assert bucket_indexes(when) == tuple(bucket_of(g, when) for g in GRANULARITIES)


def test_month_and_year_edges():
    for when in (
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
        datetime(2028, 2, 29, 12, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
    ):
        assert bucket_indexes(when) == tuple(bucket_of(g, when) for g in GRANULARITIES), when


def test_add_counts_in_every_granularity():
    counter = PeriodCounter()
    when = datetime(2026, 3, 10, 12, 30, 15, tzinfo=UTC)
    counter.add(when, 3)
    for granularity in GRANULARITIES:
        assert counter.buckets[granularity] == {bucket_of(granularity, when): 3}
