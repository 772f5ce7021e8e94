"""Group commit of spooled events: many requests' inserts share one transaction and one fsync.

Requests add their rows to the process's pending batch and await its commit, so the 200 they
then send still means "on disk". The batch is committed on the event loop itself, once the
requests that became ready in the same loop iteration have added their rows: one INSERT of all
of them and one commit, well under a millisecond on SQLite (a local file) and on a nearby
PostgreSQL. Under load a batch carries many requests' rows.

Why on the loop and not in a writer thread: a thread would need the GIL back after every
row's step inside the database driver, and while the loop is busy each of those waits lasts up
to Python's switch interval (5 ms). Batches then take milliseconds, stay small, and cost more
fsyncs per event; on the loop the commit never waits for anybody.

The connection is a plain DB-API connection opened (in a thread, since Django refuses to open
connections on an event loop) with the settings Django would use, and is only ever used by the
loop's thread afterwards.
"""

import asyncio
import logging
import os
from datetime import datetime
from typing import Any, NamedTuple

from django.db import DatabaseError, OperationalError, connections

from events.models import RawEvent
from events.routers import spool_database
from events.spool_lock import spool_write_lock

logger = logging.getLogger("bugsink.ingest")

WAIT_SECONDS = 30.0


class SpoolRow(NamedTuple):
    project_id: int
    event_id: str
    received_at: datetime
    payload: bytes
    remote_addr: str


class _Job(NamedTuple):
    rows: list[SpoolRow]
    done: asyncio.Future


class SpoolConnection:
    """A raw connection to the spool's database that inserts a batch in one transaction."""

    def __init__(self) -> None:
        # Blocking (connects): call from a thread, not from the event loop.
        wrapper = connections.create_connection(spool_database())
        wrapper.ensure_connection()  # the pragmas / session settings Django applies
        self.raw: Any = wrapper.connection
        self.vendor: str = wrapper.vendor
        self.pid = os.getpid()
        self._adapt = wrapper.ops.adapt_datetimefield_value
        placeholder = "?" if self.vendor == "sqlite" else "%s"
        values = ", ".join([placeholder] * 5)
        # A resent event_id still waiting in the spool is stored once; one already digested
        # is dropped by digestion (Event is unique per project and event_id).
        self._sql = (
            f"INSERT INTO {RawEvent._meta.db_table} "
            "(project_id, event_id, received_at, payload, remote_addr) "
            f"VALUES ({values}) ON CONFLICT (project_id, event_id) DO NOTHING"
        )

    def insert(self, rows: list[SpoolRow]) -> None:
        params = [
            (row.project_id, row.event_id, self._adapt(row.received_at), row.payload,
             row.remote_addr)
            for row in rows
        ]  # fmt: skip
        if self.vendor == "sqlite":
            with spool_write_lock():  # Django opens it in autocommit mode: we BEGIN ourselves
                self.raw.execute("BEGIN IMMEDIATE")
                try:
                    self.raw.executemany(self._sql, params)
                    self.raw.execute("COMMIT")
                except BaseException:
                    if self.raw.in_transaction:
                        self.raw.execute("ROLLBACK")
                    raise
        else:
            with self.raw.transaction(), self.raw.cursor() as cursor:
                cursor.executemany(self._sql, params)

    def close(self) -> None:
        try:
            self.raw.close()
        except Exception:  # already broken: nothing left to release
            pass


class GroupCommitter:
    """One per process, used from the event loop's thread only."""

    def __init__(self) -> None:
        self._pending: list[_Job] = []
        self._flush_scheduled = False
        self._connection: SpoolConnection | None = None

    async def store(self, rows: list[SpoolRow]) -> None:
        """Return once the rows are committed; raise a DatabaseError if they could not be."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._pending.append(_Job(rows, done))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.create_task(self._flush())
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                await done
        except TimeoutError as e:
            raise OperationalError("the spool did not commit in time") from e

    async def _flush(self) -> None:
        # One turn of the loop: the requests that are ready now add their rows to this batch.
        await asyncio.sleep(0)
        try:
            connection = await self._connected()
        except Exception as e:
            self._finish(e)
            return
        jobs, self._pending = self._pending, []
        self._flush_scheduled = False
        try:
            connection.insert([row for job in jobs for row in job.rows])
        except Exception as e:  # every waiting request learns it was not stored
            if not isinstance(e, DatabaseError):
                logger.exception("spool commit failed")
            connection.close()  # a broken connection must not poison the next batch
            self._connection = None
            _settle(jobs, e)
            return
        _settle(jobs, None)

    async def _connected(self) -> SpoolConnection:
        if self._connection is None or self._connection.pid != os.getpid():
            loop = asyncio.get_running_loop()
            self._connection = await loop.run_in_executor(None, SpoolConnection)
        return self._connection

    def _finish(self, error: Exception) -> None:
        """Fail everything pending (the database could not even be connected to)."""
        jobs, self._pending = self._pending, []
        self._flush_scheduled = False
        _settle(jobs, error)


def _settle(jobs: list[_Job], error: Exception | None) -> None:
    for job in jobs:
        if job.done.done():
            continue
        if error is None:
            job.done.set_result(None)
        else:
            job.done.set_exception(error)


committer = GroupCommitter()
