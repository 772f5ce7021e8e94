"""One pending digest request per project in the broker: a shared "pending" marker per project.

Ingest (ingest/scheduling.py) and the sweep publish a digest task for a project only when they
`claim` its marker, i.e. when no request of theirs is waiting in the broker already; the digest
task `release`s the marker BEFORE it starts draining the spool. So the queue holds at most one
message per project whatever the load, and no wake-up is lost: an event spooled before the
release is seen by the drain that follows it, an event spooled after it finds the marker free
and enqueues the next drain.

The marker lives beside the broker's messages, so every process that shares the broker shares
it, and it costs microseconds:
- Redis broker: a key `SET NX EX` in the broker's database;
- filesystem broker: a file created with O_CREAT | O_EXCL in the broker's folder.
A marker whose message was lost (a process killed between claim and publish, a purged queue)
would keep the project from being enqueued; it counts as free once it is older than
STALE_SECONDS, and a worker start (`force=True`) claims regardless, so the sweep recovers it.
Other brokers have no marker: every claim succeeds (one message per claim, as before).
"""

import os
import threading
import time
from pathlib import Path

from django.conf import settings

# Far longer than a queued request waits (each digest task drains for about 10 s and then yields
# the worker): a marker this old lost its message. Recovering one takes at most this long.
STALE_SECONDS = 300
REDIS_KEY = "bugsink:digest-pending:{}"


class _FileMarkers:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def claim(self, project_id: int, force: bool) -> bool:
        path = os.path.join(self.folder, str(project_id))
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return True
        except FileExistsError:
            pass
        try:
            stale = time.time() - os.stat(path).st_mtime > STALE_SECONDS
        except FileNotFoundError:
            stale = True  # released in between: ours to take
        if force or stale:
            # Refreshed, so the next claimer sees a young marker; two claimers racing on a
            # stale one may both publish, which costs one redundant message, never a lost one.
            Path(path).touch()
            return True
        return False

    def release(self, project_id: int) -> None:
        try:
            os.unlink(os.path.join(self.folder, str(project_id)))
        except FileNotFoundError:
            pass


class _RedisMarkers:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)

    def claim(self, project_id: int, force: bool) -> bool:
        key = REDIS_KEY.format(project_id)
        return bool(self.client.set(key, b"1", nx=not force, ex=STALE_SECONDS))

    def release(self, project_id: int) -> None:
        self.client.delete(REDIS_KEY.format(project_id))


class _NoMarkers:
    def claim(self, project_id: int, force: bool) -> bool:
        return True

    def release(self, project_id: int) -> None:
        pass


_lock = threading.Lock()
_markers: tuple[int, object] | None = None  # (pid, markers): a forked child makes its own


def _current():
    global _markers
    pid = os.getpid()
    if _markers is None or _markers[0] != pid:
        with _lock:
            if _markers is None or _markers[0] != pid:
                _markers = (pid, _make())
    return _markers[1]


def _make():
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        return _FileMarkers(Path(settings.BROKER_DIR) / "pending")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _RedisMarkers(url)
    return _NoMarkers()


def claim(project_id: int, *, force: bool = False) -> bool:
    """True when the caller should publish a digest request for the project (and must, or
    `release` it). Raises what the marker's store raises (e.g. Redis down)."""
    return _current().claim(project_id, force)


def release(project_id: int) -> None:
    """Free the project's marker; call before draining, so later events enqueue again."""
    _current().release(project_id)


def reset() -> None:
    """Forget the marker store (tests that change the broker settings)."""
    global _markers
    with _lock:
        _markers = None
