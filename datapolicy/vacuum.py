"""Giving freed space back to the disk, and leaving no deleted data behind (SQLite).

SQLite keeps the pages of deleted rows in the file for reuse. The databases are created with
`auto_vacuum=INCREMENTAL` (settings), so freed pages can be cut off the end of the file a few
thousand at a time, each step a short write transaction, instead of by a full VACUUM that would
hold the write lock for as long as it takes to copy the whole database. A database made before
that setting is converted once by a VACUUM. The write-ahead log is then checkpointed and
truncated, so neither file keeps copies of deleted pages.

PostgreSQL needs none of this: autovacuum makes the space of deleted rows reusable, which keeps
the database's size flat under eviction.
"""

import logging

from django.db import connections

logger = logging.getLogger("bugsink.retention")

# Pages freed per incremental step (4 KiB pages: 8 MiB).
STEP_PAGES = 2048
# Free pages tolerated before a vacuum is worth starting.
MIN_FREE_PAGES = 256
INCREMENTAL = 2


def sqlite_aliases() -> list[str]:
    return [alias for alias in connections if connections[alias].vendor == "sqlite"]


def reclaim_space() -> dict[str, int]:
    """{alias: pages given back} for each SQLite database; nothing on PostgreSQL."""
    return {alias: reclaim(alias) for alias in sqlite_aliases()}


def reclaim(alias: str) -> int:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA auto_vacuum")
        if cursor.fetchone()[0] == INCREMENTAL:
            freed = _incremental(cursor)
        else:
            freed = _convert(cursor, alias)
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return freed


def _convert(cursor, alias: str) -> int:
    cursor.execute("PRAGMA freelist_count")
    free = cursor.fetchone()[0]
    if free < MIN_FREE_PAGES:
        return 0
    logger.info("converting %s to incremental vacuum (one full VACUUM)", alias)
    cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
    cursor.execute("VACUUM")
    return free


def _incremental(cursor) -> int:
    cursor.execute("PRAGMA freelist_count")
    free = cursor.fetchone()[0]
    if free < MIN_FREE_PAGES:
        return 0
    freed = 0
    while free > 0:
        cursor.execute(f"PRAGMA incremental_vacuum({STEP_PAGES})")
        cursor.fetchall()
        freed += min(free, STEP_PAGES)
        cursor.execute("PRAGMA freelist_count")
        free = cursor.fetchone()[0]
    return freed


def database_bytes(alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return pages * cursor.fetchone()[0]
