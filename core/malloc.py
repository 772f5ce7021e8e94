"""glibc's malloc, told how this server uses memory: freed pages back, one arena per process.

A digest batch parses megabytes of JSON into short-lived objects. Once they are freed, glibc's
malloc keeps most of the pages for later allocations, so the process's RSS stays at its peak
long after the work is done. `malloc_trim(0)` returns the free pages at the top of the heap and
the wholly free pages inside it (a few milliseconds for a heap of a hundred megabytes).

glibc also gives each thread that allocates its own arena, up to eight per core, and memory
freed in one arena serves only the threads that use it. In the Celery worker (one process, a
pool of threads, bugsink/workers.py) each digest batch may run on another thread: without a
limit the worker held 50-75 MB more than the same work on one thread. Its threads run Python
under one interpreter lock, so they hardly ever contend for a single arena.

Elsewhere (musl, macOS) there are no such calls, and nothing is done.
"""

import ctypes
from collections.abc import Callable

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)

_trim: Callable[[int], int] | None = None
_looked_up = False


def _malloc_trim() -> Callable[[int], int] | None:
    global _trim, _looked_up
    if not _looked_up:
        _looked_up = True
        try:
            # The symbols the process already has: the C library it runs on, whichever it is.
            _trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
        except OSError:
            _trim = None
    return _trim


def release_free_memory() -> bool:
    """Return free heap pages to the operating system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def limit_arenas(count: int = 1) -> bool:
    """Ask glibc for at most `count` arenas from now on; False where the C library cannot.
    Call it before the process starts its threads: arenas made earlier stay."""
    try:
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    except OSError:
        mallopt = None
    if mallopt is None:
        return False
    return mallopt(M_ARENA_MAX, count) == 1
