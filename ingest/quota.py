"""Per-project, per-category quotas (categories.py says which category shares which quota).

The `error` quota (events: error, default and security) is INGEST_QUOTA_PER_MINUTE /
_PER_HOUR; the others come from INGEST_CATEGORY_QUOTAS ("attachment=1000/minute,..."). Windows
are calendar minutes and hours (UTC), the same buckets as the period counters, so the answer
to a client is simply "come back when this minute (or hour) is over".

Cheap by design, per gunicorn process, project and quota, exactly as cheap as one counter was:
- only the quotas of the categories a request carries are looked at (an error event: one);
- the number already stored in the current window is read from the database (for events the
  spool plus digested events, both indexed by project) at most every REFRESH_SECONDS, and our
  own acceptances since that read are added in memory;
- only when that estimate gets within a margin of the quota (10%, at least 10) is it re-read on
  every request, so the decision is exact where it matters, and a quota that is over is then
  answered from memory alone until its window ends.
Other processes' acceptances since our last read are the only slack: a few items at most.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from core.category_quotas import GRANULARITIES, parse_category_quotas
from core.periods import bucket_of, bucket_start
from events.models import Attachment, Event, RawEvent, UserFeedback
from monitors.models import CheckIn

logger = logging.getLogger("bugsink.ingest")

REFRESH_SECONDS = 2.0
REFUSAL_DETAIL = "event quota of this project exceeded; retry after the current period"
NEEDS_READ = object()  # check_quota(may_read=False): the answer needs a database read


@dataclass
class _Window:
    granularity: str
    limit: int
    index: int = -1
    stored: int = 0  # items in the window according to the last database read
    local: int = 0  # items this process accepted since that read
    read_at: float = field(default=-math.inf)


@dataclass
class _Quota:
    windows: list[_Window]
    blocked_until: datetime | None = None


_lock = threading.Lock()
_quotas: dict[tuple[int, str], _Quota] = {}


# limits() per (quota, the settings it reads): every request asks, the settings seldom change.
_limits_memo: dict[tuple[str, str, int, int], list[tuple[str, int]]] = {}


def limits(quota: str) -> list[tuple[str, int]]:
    """[(granularity, limit)] of a quota, without the unlimited ones (shared: do not modify)."""
    key = (
        quota,
        settings.INGEST_CATEGORY_QUOTAS,
        settings.INGEST_QUOTA_PER_MINUTE,
        settings.INGEST_QUOTA_PER_HOUR,
    )
    found = _limits_memo.get(key)
    if found is None:
        found = _limits(*key)
        if len(_limits_memo) < 256:  # settings changed at run time (tests) cannot grow it forever
            _limits_memo[key] = found
    return found


def _limits(
    quota: str, category_quotas: str, per_minute: int, per_hour: int
) -> list[tuple[str, int]]:
    configured = dict(parse_category_quotas(category_quotas).get(quota, {}))
    if quota == "error":
        configured.setdefault("minute", per_minute)
        configured.setdefault("hour", per_hour)
    return [(g, configured[g]) for g in GRANULARITIES if configured.get(g, 0) > 0]


def check_quota(project_id: int, quota: str = "error", *, may_read: bool = True) -> object:
    """None when the project may send; else the seconds until it may again.

    With `may_read=False` (the event loop) the answer comes from memory only, or is
    NEEDS_READ when the database must be asked: call again from a thread with may_read=True.
    """
    wanted = limits(quota)
    if not wanted:
        return None
    now = timezone.now()
    with _lock:
        state = _quotas.get((project_id, quota))
        if state is None or [(w.granularity, w.limit) for w in state.windows] != wanted:
            state = _quotas[(project_id, quota)] = _Quota([_Window(g, n) for g, n in wanted])
        if state.blocked_until is not None and now < state.blocked_until:
            return _seconds(state.blocked_until, now)
        state.blocked_until = None
        stale = [w for w in state.windows if _needs_read(w, now)]
    counter = _COUNTERS.get(quota)
    if stale and counter is not None and not may_read:
        return NEEDS_READ
    for window in stale:
        if counter is None:  # counted in memory only: a new window starts from zero
            with _lock:
                if window.index != bucket_of(window.granularity, now):
                    window.index, window.stored, window.local = (
                        bucket_of(window.granularity, now),
                        0,
                        0,
                    )
            continue
        try:
            count = counter(project_id, _start(window.granularity, now))
        except DatabaseError:  # fail open: storing the item will report the real trouble
            logger.warning("quota: could not count %s items of project %s", quota, project_id)
            return None
        with _lock:
            window.index, window.stored, window.local = bucket_of(window.granularity, now), count, 0
            window.read_at = time.monotonic()
    with _lock:
        for window in state.windows:
            if window.stored + window.local >= window.limit:
                state.blocked_until = bucket_start(window.granularity, window.index + 1)
        if state.blocked_until is not None:
            return _seconds(state.blocked_until, now)
    return None


def count_accepted(project_id: int, quota: str, n: int) -> None:
    """Add items this process just stored to its estimate."""
    with _lock:
        state = _quotas.get((project_id, quota))
        for window in state.windows if state else ():
            window.local += n


def _needs_read(window: _Window, now: datetime) -> bool:
    if window.index != bucket_of(window.granularity, now):
        return True
    if time.monotonic() - window.read_at > REFRESH_SECONDS:
        return True
    margin = max(10, window.limit // 10)
    return window.stored + window.local >= window.limit - margin


def _start(granularity: str, now: datetime) -> datetime:
    return bucket_start(granularity, bucket_of(granularity, now))


def _stored_events(project_id: int, since: datetime) -> int:
    """Events of the project received since `since`: spooled plus digested.

    On PostgreSQL digestion moves an event from the spool to Event in one transaction, so the
    sum is exact. On SQLite the spool is its own database file and a digested row leaves it
    just after the batch commits: for that moment it counts twice, erring towards refusing.
    """
    spooled = RawEvent.objects.filter(project_id=project_id, received_at__gte=since).count()
    digested = Event.objects.filter(project_id=project_id, received_at__gte=since).count()
    return spooled + digested


def _stored_attachments(project_id: int, since: datetime) -> int:
    return Attachment.objects.filter(project_id=project_id, received_at__gte=since).count()


def _stored_feedback(project_id: int, since: datetime) -> int:
    return UserFeedback.objects.filter(project_id=project_id, received_at__gte=since).count()


def _stored_checkins(project_id: int, since: datetime) -> int:
    return CheckIn.objects.filter(project_id=project_id, received_at__gte=since).count()


# How each quota counts what is stored already; None: in memory only (nothing stored yet).
_COUNTERS: dict[str, Callable[[int, datetime], int] | None] = {
    "error": _stored_events,
    "attachment": _stored_attachments,
    "feedback": _stored_feedback,
    "monitor": _stored_checkins,
}


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now) / timedelta(seconds=1)))


def reset() -> None:
    """Forget all per-process state (tests; settings changed)."""
    with _lock:
        _quotas.clear()
