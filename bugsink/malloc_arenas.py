"""One malloc arena for every thread of a process (glibc), so threads share the memory it frees.

glibc gives each thread that allocates its own arena, up to eight per core, and memory freed in
one arena serves only the threads that use it. In the Celery worker (one process, a pool of
threads, bugsink/workers.py) each digest batch may run on another thread: without this the
worker held 50-75 MB more than the same work on one thread (docs/benchmark.md). Its threads run
Python under one interpreter lock, so they hardly ever contend for the single arena.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def limit_arenas(count: int = 1) -> bool:
    """Ask glibc for at most `count` arenas; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False  # musl and others have no mallopt: their allocator has no arenas to cap
    return mallopt(M_ARENA_MAX, count) == 1
