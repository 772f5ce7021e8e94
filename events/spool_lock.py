"""One writer at a time on the SQLite spool, queued by the kernel instead of by SQLite.

SQLite's busy handler polls: a writer that finds the file locked sleeps 1, 2, 5 ... up to 100 ms
between attempts, so with several gunicorn processes committing in turn a commit can wait far
longer than anyone held the lock, and ingest latency grows a long tail. Writers of the spool
first take an flock on a file beside it: waiters sleep in the kernel and wake the moment the
lock is released, in order. PostgreSQL locks rows, so there this is a no-op.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from events.routers import SPOOL_ALIAS

_thread_lock = threading.Lock()  # an flock is per open file, not per thread
_lock_file: tuple[int, int] | None = None  # (pid, fd): a forked child must open its own


def _lock_fd() -> int:
    global _lock_file
    if _lock_file is None or _lock_file[0] != os.getpid():
        path = settings.DATABASES[SPOOL_ALIAS]["NAME"] + ".lock"
        _lock_file = (os.getpid(), os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    return _lock_file[1]


def _spool_is_a_file() -> bool:
    """False for PostgreSQL (no spool alias) and for in-memory SQLite (one process only)."""
    if SPOOL_ALIAS not in settings.DATABASES:
        return False
    name = str(settings.DATABASES[SPOOL_ALIAS]["NAME"])
    return not (name == ":memory:" or name.startswith("file:"))


@contextmanager
def spool_write_lock() -> Iterator[None]:
    with _thread_lock:
        if not _spool_is_a_file():
            yield
            return
        fd = _lock_fd()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
