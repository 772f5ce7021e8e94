"""Per-project event quotas: at most INGEST_QUOTA_PER_MINUTE / _PER_HOUR events (0 = no limit).

Windows are calendar minutes and hours (UTC), the same buckets as the period counters, so the
answer to a client is simply "come back when this minute (or hour) is over".

Cheap by design, per gunicorn process and project:
- the number of events already stored in the current window is read from the database (the
  spool plus digested events, both indexed by project) at most every REFRESH_SECONDS, and our
  own acceptances since that read are added in memory;
- only when that estimate gets within a margin of the quota (10%, at least 10 events) is it
  re-read on every request, so the decision is exact where it matters, and a project over its
  quota is then answered from memory alone until its window ends.
Other processes' acceptances since our last read are the only slack: a few events at most.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from core.periods import bucket_of, bucket_start
from events.models import Event, RawEvent

from .rejections import record_rejection

logger = logging.getLogger("bugsink.ingest")

REFRESH_SECONDS = 2.0
REFUSAL_DETAIL = "event quota of this project exceeded; retry after the current period"
NEEDS_READ = object()  # check_quota(may_read=False): the answer needs a database read


@dataclass
class _Window:
    granularity: str
    limit: int
    index: int = -1
    stored: int = 0  # events in the window according to the last database read
    local: int = 0  # events this process accepted since that read
    read_at: float = field(default=-math.inf)


@dataclass
class _ProjectQuota:
    windows: list[_Window]
    blocked_until: datetime | None = None


_lock = threading.Lock()
_projects: dict[int, _ProjectQuota] = {}


def _limits() -> list[tuple[str, int]]:
    pairs = [("minute", settings.INGEST_QUOTA_PER_MINUTE), ("hour", settings.INGEST_QUOTA_PER_HOUR)]
    return [(g, limit) for g, limit in pairs if limit > 0]


def check_quota(project_id: int, *, may_read: bool = True) -> int | None | object:
    """None when the project may send; else the seconds until it may again (refusal counted).

    With `may_read=False` (the event loop) the answer comes from memory only, or is
    NEEDS_READ when the database must be asked: call again from a thread with may_read=True.
    """
    limits = _limits()
    if not limits:
        return None
    now = timezone.now()
    with _lock:
        state = _projects.get(project_id)
        if state is None or [(w.granularity, w.limit) for w in state.windows] != limits:
            state = _projects[project_id] = _ProjectQuota([_Window(g, n) for g, n in limits])
        if state.blocked_until is not None and now < state.blocked_until:
            return _refuse(project_id, state.blocked_until, now)
        state.blocked_until = None
        stale = [w for w in state.windows if _needs_read(w, now)]
    if stale and not may_read:
        return NEEDS_READ
    for window in stale:
        try:
            count = _stored_count(project_id, _start(window.granularity, now))
        except DatabaseError:  # fail open: storing the event will report the real trouble
            logger.warning("quota: could not count events of project %s", project_id)
            return None
        with _lock:
            window.index, window.stored, window.local = bucket_of(window.granularity, now), count, 0
            window.read_at = time.monotonic()
    with _lock:
        for window in state.windows:
            if window.stored + window.local >= window.limit:
                state.blocked_until = bucket_start(window.granularity, window.index + 1)
        if state.blocked_until is not None:
            return _refuse(project_id, state.blocked_until, now)
    return None


def count_accepted(project_id: int, n: int) -> None:
    """Add events this process just stored to its estimate."""
    with _lock:
        state = _projects.get(project_id)
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


def _stored_count(project_id: int, since: datetime) -> int:
    """Events of the project received since `since`: spooled plus digested.

    On PostgreSQL digestion moves an event from the spool to Event in one transaction, so the
    sum is exact. On SQLite the spool is its own database file and a digested row leaves it
    just after the batch commits: for that moment it counts twice, erring towards refusing.
    """
    spooled = RawEvent.objects.filter(project_id=project_id, received_at__gte=since).count()
    digested = Event.objects.filter(project_id=project_id, received_at__gte=since).count()
    return spooled + digested


def _refuse(project_id: int, until: datetime, now: datetime) -> int:
    record_rejection(project_id, "quota_exceeded", 429, REFUSAL_DETAIL)
    return max(1, math.ceil((until - now) / timedelta(seconds=1)))


def reset() -> None:
    """Forget all per-process state (tests; settings changed)."""
    with _lock:
        _projects.clear()
