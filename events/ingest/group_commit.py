"""Group commit of spooled events: many requests' inserts share one transaction and one fsync.

Request handlers hand their rows to the process's writer thread and wait (without blocking the
event loop) until those rows are committed, so the 200 they then send still means "on disk".
Under load one commit carries many requests' rows: SQLite's single write lock is taken once per
batch instead of once per request, and nobody sleeps in SQLite's busy handler.

Rows are plain tuples written with one `executemany` of a plain INSERT: building a model
instance per row would cost more than the insert itself.
"""

import logging
import os
import queue
import threading
from concurrent.futures import Future
from datetime import datetime
from typing import NamedTuple

from django.db import DatabaseError, OperationalError, connections, transaction

from events.models import RawEvent
from events.routers import spool_database
from events.spool_lock import spool_write_lock

logger = logging.getLogger("bugsink.ingest")

MAX_BATCH_ROWS = 500
WAIT_SECONDS = 30.0


class SpoolRow(NamedTuple):
    project_id: int
    event_id: str
    received_at: datetime
    payload: bytes
    remote_addr: str


def _insert_sql() -> str:
    table = RawEvent._meta.db_table
    # A resent event_id still waiting in the spool is stored once; one already digested is
    # dropped by digestion (Event is unique per project and event_id).
    return (
        f"INSERT INTO {table} (project_id, event_id, received_at, payload, remote_addr) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (project_id, event_id) DO NOTHING"
    )


class GroupCommitter:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[list[SpoolRow], Future]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._owner_pid: int | None = None

    def submit(self, rows: list[SpoolRow]) -> Future:
        """A future that completes once the rows are committed (or fails with the error)."""
        self._ensure_writer()
        done: Future = Future()
        self._queue.put((rows, done))
        return done

    def store(self, rows: list[SpoolRow]) -> None:
        """Blocking form of submit(): return once committed; raise a DatabaseError if not."""
        try:
            self.submit(rows).result(timeout=WAIT_SECONDS)
        except TimeoutError as e:
            raise OperationalError("the spool did not commit in time") from e

    def _ensure_writer(self) -> None:
        if self._owner_pid == os.getpid():
            return
        with self._lock:
            if self._owner_pid != os.getpid():  # first use, or first use after a fork
                self._owner_pid = os.getpid()
                threading.Thread(target=self._run, name="spool-writer", daemon=True).start()

    def _run(self) -> None:
        while True:
            jobs = [self._queue.get()]
            rows = len(jobs[0][0])
            while rows < MAX_BATCH_ROWS:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                jobs.append(job)
                rows += len(job[0])
            self._commit(jobs)

    @staticmethod
    def _commit(jobs: list[tuple[list[SpoolRow], Future]]) -> None:
        alias = spool_database()
        connection = connections[alias]
        try:
            adapt = connection.ops.adapt_datetimefield_value
            params = [
                (row.project_id, row.event_id, adapt(row.received_at), row.payload,
                 row.remote_addr)
                for rows, _ in jobs
                for row in rows
            ]  # fmt: skip
            with spool_write_lock(), transaction.atomic(using=alias):
                with connection.cursor() as cursor:
                    cursor.executemany(_insert_sql(), params)
        except Exception as e:  # every waiting request learns it was not stored
            if not isinstance(e, DatabaseError):
                logger.exception("spool commit failed")
            connection.close()  # a broken connection must not poison the next batch
            for _, done in jobs:
                done.set_exception(e)
            return
        for _, done in jobs:
            done.set_result(None)


committer = GroupCommitter()
