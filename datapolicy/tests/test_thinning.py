"""The thinning rule: first and latest per Issue, then k per hour / day / week bucket."""

from datetime import UTC, datetime, timedelta

from datapolicy.thinning import bucket_key, choose_kept

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def rows_for(issue_id: int, times: list[datetime], start_id: int) -> list[tuple]:
    return [(start_id + n, issue_id, when) for n, when in enumerate(times)]


def test_buckets_are_hourly_then_daily_then_weekly():
    assert bucket_key(NOW - timedelta(hours=2), NOW)[0] == "h"
    assert bucket_key(NOW - timedelta(days=3), NOW)[0] == "d"
    assert bucket_key(NOW - timedelta(days=45), NOW)[0] == "w"


def test_first_and_latest_of_every_issue_are_kept():
    old = [NOW - timedelta(days=60) + timedelta(minutes=n) for n in range(50)]
    recent = [NOW - timedelta(minutes=50 - n) for n in range(50)]
    rows = rows_for(1, old + recent, 1) + rows_for(2, recent, 1000)
    rows.sort()
    kept, _ = choose_kept(rows, 10, NOW)
    assert {1, 100, 1000, 1049} <= kept
    assert len(kept) <= 10


def test_at_most_k_per_bucket_and_the_newest_of_each():
    # 40 events in each of the last 5 hours, one issue.
    times = [NOW - timedelta(hours=h, minutes=m) for h in range(5, 0, -1) for m in range(40, 0, -1)]
    rows = rows_for(7, times, 1)
    kept, k = choose_kept(rows, 52, NOW)
    assert len(kept) <= 52
    per_bucket: dict = {}
    protected = {rows[0][0], rows[-1][0]}
    for event_id, _, when in rows:
        if event_id in kept and event_id not in protected:
            per_bucket.setdefault(bucket_key(when, NOW), []).append(event_id)
    assert max(len(ids) for ids in per_bucket.values()) <= k
    assert k == 10  # 2 protected + 5 buckets x 10 = 52
    for ids in per_bucket.values():  # the newest of the bucket
        bucket_rows = [
            r
            for r in rows
            if bucket_key(r[2], NOW) == bucket_key(next(x[2] for x in rows if x[0] == ids[0]), NOW)
            and r[0] not in protected
        ]
        newest = sorted((r[0] for r in bucket_rows), reverse=True)[: len(ids)]
        assert sorted(ids) == sorted(newest)


def test_older_history_is_thinner_than_recent_history():
    recent = [NOW - timedelta(minutes=n) for n in range(300, 0, -1)]  # 5 hourly buckets
    older = [NOW - timedelta(days=10, minutes=n) for n in range(3000, 0, -10)]  # 3 daily buckets
    rows = rows_for(1, older + recent, 1)
    kept, k = choose_kept(rows, 100, NOW)
    kept_recent = sum(1 for r in rows if r[0] in kept and r[2] > NOW - timedelta(days=1))
    kept_older = sum(1 for r in rows if r[0] in kept and r[2] < NOW - timedelta(days=1))
    assert kept_recent > kept_older
    assert len(kept) <= 100


def test_more_issues_than_room_keeps_the_latest_events():
    rows = [(n, n, NOW - timedelta(minutes=n)) for n in range(1, 101)]
    kept, k = choose_kept(rows, 10, NOW)
    assert kept == set(range(91, 101)) and k == 0
