"""Group commit of spooled events: many requests' inserts share one transaction and one fsync.

Requests add their rows to the process's pending batch and await its commit, so the 200 they
then send still means "on disk". The loop commits one batch at a time: the first as soon as the
requests ready in the current loop turn have added their rows, the next with everything that
arrived meanwhile. Under load a batch carries many requests' rows.

Commits are driven by the event loop, never by a writer thread: a thread would need the GIL
back after every row's step inside the database driver, and while the loop is busy each of
those waits lasts up to Python's switch interval (5 ms); batches then take milliseconds, stay
small, and cost more fsyncs per event. On SQLite the commit (a local write and fsync, well under
a millisecond) runs on the loop itself; on PostgreSQL it goes through psycopg's asynchronous
connection, so the loop reads further requests during the round trip.

The connections are plain driver connections with the settings Django would use (Django
refuses to be called from an event loop), used by the loop's thread only.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import DatabaseError, OperationalError, connections

from events.models import RawEvent
from events.routers import spool_database
from events.spool_lock import spool_write_lock

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger("bugsink.ingest")

WAIT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable server answers 503s soon, not after TCP gives up


class SpoolRow(NamedTuple):
    project_id: int
    event_id: str
    received_at: datetime
    payload: bytes
    remote_addr: str


class _Job(NamedTuple):
    rows: list[SpoolRow]
    done: asyncio.Future


# A resent event_id still waiting in the spool is stored once; one already digested is dropped
# by digestion (Event is unique per project and event_id).
_INSERT = (
    f"INSERT INTO {RawEvent._meta.db_table} "
    "(project_id, event_id, received_at, payload, remote_addr) {rows} "
    "ON CONFLICT (project_id, event_id) DO NOTHING"
)


class SqliteSpool:
    """The spool file, through a plain sqlite3 connection configured as Django configures it.

    A commit is a local write and fsync (well under a millisecond for a batch), so it runs on
    the loop itself; see the module docstring for why not in a thread.
    """

    def __init__(self, alias: str) -> None:
        # Blocking (opens the file, runs the pragmas): called in a thread.
        wrapper = connections.create_connection(alias)
        wrapper.ensure_connection()
        self.raw: Any = wrapper.connection
        self._adapt = wrapper.ops.adapt_datetimefield_value
        self._sql = _INSERT.format(rows="VALUES (?, ?, ?, ?, ?)")

    async def insert(self, rows: list[SpoolRow]) -> None:
        adapt = self._adapt
        params = [(r.project_id, r.event_id, adapt(r.received_at), r.payload, r.remote_addr)
                  for r in rows]  # fmt: skip
        with spool_write_lock():  # Django opens it in autocommit mode: we BEGIN ourselves
            self.raw.execute("BEGIN IMMEDIATE")
            try:
                self.raw.executemany(self._sql, params)
                self.raw.execute("COMMIT")
            except BaseException:
                if self.raw.in_transaction:
                    self.raw.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        self.raw.close()


class PostgresSpool:
    """The spool table through psycopg's asynchronous connection: while a batch commits (a
    network round trip and the server's fsync) the loop goes on reading the next requests,
    which form the next batch."""

    def __init__(self, raw: psycopg.AsyncConnection) -> None:
        self.raw = raw
        # The whole batch as five arrays in one statement: one Bind/Execute instead of one per
        # row, which is what most of the time of a pipelined executemany goes to.
        self._sql = _INSERT.format(
            rows="SELECT * FROM unnest("
            "%b::bigint[], %b::varchar[], %b::timestamptz[], %b::bytea[], %b::varchar[])"
        )

    @classmethod
    async def connect(cls, alias: str) -> PostgresSpool:
        # imported here: psycopg costs about 9 MB of RSS and only a PostgreSQL spool needs it
        import psycopg
        from psycopg.conninfo import make_conninfo

        db = connections.settings[alias]
        options = {k: v for k, v in db.get("OPTIONS", {}).items() if isinstance(v, str | int)}
        options.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        conninfo = make_conninfo(
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=str(db["PORT"]) if db.get("PORT") else None,
            **options,
        )
        return cls(await psycopg.AsyncConnection.connect(conninfo, autocommit=True))

    async def insert(self, rows: list[SpoolRow]) -> None:
        columns = [list(column) for column in zip(*rows, strict=True)]
        await self.raw.execute(self._sql, columns)  # one statement: its own transaction

    async def close(self) -> None:
        await self.raw.close()


def _is_psycopg_error(e: Exception) -> bool:
    """Whether `e` is psycopg's; psycopg is only loaded once a PostgreSQL spool connects."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(e, psycopg.Error)


class GroupCommitter:
    """One per process, used from the event loop's thread only."""

    def __init__(self) -> None:
        self._pending: list[_Job] = []
        self._drainer: asyncio.Task | None = None  # referenced, or asyncio may drop it midway
        self._spool: SqliteSpool | PostgresSpool | None = None
        self._spool_of: tuple[int, asyncio.AbstractEventLoop] | None = None

    async def store(self, rows: list[SpoolRow]) -> None:
        """Return once the rows are committed; raise a DatabaseError if they could not be."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._pending.append(_Job(rows, done))
        if self._drainer is None:
            self._drainer = loop.create_task(self._drain())
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                await done
        except TimeoutError as e:
            raise OperationalError("the spool did not commit in time") from e

    async def _drain(self) -> None:
        """Commit pending rows, one batch at a time, until none are left."""
        try:
            # One turn of the loop: the requests that are ready now join this first batch.
            await asyncio.sleep(0)
            while self._pending:
                jobs, self._pending = self._pending, []
                _settle(jobs, await self._commit([row for job in jobs for row in job.rows]))
        finally:
            self._drainer = None

    async def _commit(self, rows: list[SpoolRow]) -> Exception | None:
        try:
            spool = await self._connected()
            await spool.insert(rows)
        except Exception as e:  # every request of the batch learns it was not stored
            if not isinstance(e, DatabaseError | sqlite3.Error) and not _is_psycopg_error(e):
                logger.exception("spool commit failed")
            await self._disconnect()  # a broken connection must not poison the next batch
            return e if isinstance(e, DatabaseError) else OperationalError(str(e))
        return None

    async def _connected(self) -> SqliteSpool | PostgresSpool:
        # A connection belongs to the process and, for psycopg, to the loop that opened it.
        owner = (os.getpid(), asyncio.get_running_loop())
        if self._spool is not None and self._spool_of != owner:
            await self._disconnect()
        if self._spool is None:
            alias = spool_database()
            if connections[alias].vendor == "sqlite":
                self._spool = await owner[1].run_in_executor(None, SqliteSpool, alias)
            else:
                self._spool = await PostgresSpool.connect(alias)
            self._spool_of = owner
        return self._spool

    async def close(self) -> None:
        """Release the spool connection (at shutdown, on the loop that opened it)."""
        await self._disconnect()

    async def _disconnect(self) -> None:
        spool, self._spool = self._spool, None
        if spool is not None:
            try:
                await spool.close()
            except Exception:  # already broken, or its loop is gone: nothing left to release
                pass


def _settle(jobs: list[_Job], error: Exception | None) -> None:
    for job in jobs:
        if job.done.done():
            continue
        if error is None:
            job.done.set_result(None)
        else:
            job.done.set_exception(error)


committer = GroupCommitter()
