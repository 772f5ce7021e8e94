"""Giving freed heap memory back to the operating system.

A digest batch parses megabytes of JSON into short-lived objects. Once they are freed, glibc's
malloc keeps most of the pages for later allocations, so the process's RSS stays at its peak
long after the work is done. `malloc_trim(0)` returns the free pages at the top of the heap and
the wholly free pages inside it (a few milliseconds for a heap of a hundred megabytes).
Elsewhere (musl, macOS) there is no such call, and nothing is done.
"""

import ctypes
from collections.abc import Callable

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
