"""Running the few blocking (database) steps of ingest off the event loop.

The hot path of an ingest request never touches the database itself: keys, quotas and the spool
are served from memory or by the group commit on the loop. What is left (a key not yet cached, a
quota re-read, an attachment) runs in a worker thread, with the connection hygiene Django
applies around a request so a dropped database connection is replaced, not reused.
"""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from django.db import close_old_connections

T = TypeVar("T")


def _with_fresh_connections(func: Callable[..., T], *args: object) -> T:
    close_old_connections()
    try:
        return func(*args)
    finally:
        close_old_connections()


async def run_blocking(func: Callable[..., T], *args: object) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, _with_fresh_connections, func, *args)
