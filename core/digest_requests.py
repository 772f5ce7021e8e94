"""One pending digest request per project in the broker: a shared "pending" marker per project.

Ingest (ingest/scheduling.py) and the sweep publish a digest task for a project only when they
`claim` its marker, i.e. when no request of theirs is waiting in the broker already. A claim
returns a token, and the message carries it; the digest task `release`s the marker with that
token BEFORE it starts draining the spool. So the queue holds at most one message per project
whatever the load, and no wake-up is lost: an event spooled before the release is seen by the
drain that follows it, an event spooled after it finds the marker free and enqueues the next
drain.

The token is why the queue also returns to one message per project after something put a
second one there (a forced claim at a worker start while a request was still queued, a stale
marker taken over): the marker names only the newest request, so an older duplicate drains
when its turn comes but frees nothing, and is not replaced. Were any message to free the
marker, each duplicate would make room for a new publish the moment it ran, and the surplus
would circulate for as long as events arrive.

The marker lives beside the broker's messages, so every process that shares the broker shares
it, and it costs microseconds:
- Redis broker: a key `SET NX EX` holding the token in the broker's database, freed by a
  compare-and-delete script;
- filesystem broker: a file created with O_CREAT | O_EXCL in the broker's folder, holding the
  token.
A marker whose message was lost (a process killed between claim and publish, a purged queue)
would keep the project from being enqueued; it counts as free once it is older than
STALE_SECONDS, and a worker start (`force=True`) claims regardless, so the sweep recovers it.
Other brokers have no marker: every claim succeeds (one message per claim, as before).
"""

import os
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings

# Far longer than a queued request waits (each digest task drains for about 10 s and then yields
# the worker): a marker this old lost its message. Recovering one takes at most this long.
STALE_SECONDS = 300
REDIS_KEY = "bugsink:digest-pending:{}"
# Deletes the key only while it still holds the releasing request's token (ARGV[1]).
_REDIS_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def _new_token() -> str:
    return uuid.uuid4().hex


def _read(path: str) -> str:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 64).decode()
    finally:
        os.close(fd)


class _FileMarkers:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def claim(self, project_id: int, force: bool) -> str | None:
        path = os.path.join(self.folder, str(project_id))
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return self._take_over(path) if force or self._stale(path) else None
        # Written before the caller publishes, so the task that releases it reads it whole.
        token = _new_token()
        try:
            os.write(fd, token.encode())
        finally:
            os.close(fd)
        return token

    @staticmethod
    def _stale(path: str) -> bool:
        try:
            return time.time() - os.stat(path).st_mtime > STALE_SECONDS
        except FileNotFoundError:
            return True  # released in between: ours to take

    def _take_over(self, path: str) -> str:
        # Replaced whole (rename), so a release racing with it reads the old token or the new
        # one, never a mix; two claimers racing on a stale marker may both publish, which costs
        # one redundant message (it drains and frees nothing), never a lost one.
        token = _new_token()
        partial = f"{path}.{token}"
        with open(partial, "w") as f:
            f.write(token)
        os.replace(partial, path)
        return token

    def release(self, project_id: int, token: str | None) -> None:
        path = os.path.join(self.folder, str(project_id))
        try:
            if token is not None and _read(path) != token:
                return  # a newer request holds it
            os.unlink(path)
        except FileNotFoundError:
            pass


class _RedisMarkers:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._release_held = self.client.register_script(_REDIS_RELEASE)

    def claim(self, project_id: int, force: bool) -> str | None:
        key = REDIS_KEY.format(project_id)
        token = _new_token()
        return token if self.client.set(key, token, nx=not force, ex=STALE_SECONDS) else None

    def release(self, project_id: int, token: str | None) -> None:
        key = REDIS_KEY.format(project_id)
        if token is None:
            self.client.delete(key)
        else:
            self._release_held(keys=[key], args=[token])


class _NoMarkers:
    def claim(self, project_id: int, force: bool) -> str | None:
        return _new_token()

    def release(self, project_id: int, token: str | None) -> None:
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


def claim(project_id: int, *, force: bool = False) -> str | None:
    """A token when the caller should publish a digest request for the project (and must, with
    the token, or `release` it); None when a request is pending already. Raises what the
    marker's store raises (e.g. Redis down)."""
    return _current().claim(project_id, force)


def release(project_id: int, token: str | None = None) -> None:
    """Free the project's marker if it still holds `token` (any marker when None: a request
    published without one); call before draining, so later events enqueue again."""
    _current().release(project_id, token)


def reset() -> None:
    """Forget the marker store (tests that change the broker settings)."""
    global _markers
    with _lock:
        _markers = None
