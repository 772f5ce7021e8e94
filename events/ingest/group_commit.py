"""Group commit of spooled events: many requests' inserts share one transaction and one fsync.

Each request thread hands its rows to the process's writer thread and waits until they are
committed, so the 200 it then sends still means "on disk". Under load a commit carries many
requests' rows; SQLite's single write lock is taken once per batch instead of once per
request, and threads never sleep in SQLite's busy handler waiting for each other.
"""

import os
import queue
import threading
from concurrent.futures import Future

from django.db import OperationalError, close_old_connections, transaction

from events.models import RawEvent
from events.routers import spool_database
from events.spool_lock import spool_write_lock

MAX_BATCH_ROWS = 500
WAIT_SECONDS = 30.0


class GroupCommitter:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[list[RawEvent], Future]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._owner_pid: int | None = None

    def store(self, raw_events: list[RawEvent]) -> None:
        """Return once the rows are committed; raise a DatabaseError if they could not be."""
        self._ensure_writer()
        done: Future = Future()
        self._queue.put((raw_events, done))
        try:
            done.result(timeout=WAIT_SECONDS)
        except TimeoutError as e:
            raise OperationalError("the spool did not commit in time") from e

    def _ensure_writer(self) -> None:
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
    def _commit(jobs: list[tuple[list[RawEvent], Future]]) -> None:
        try:
            with spool_write_lock(), transaction.atomic(using=spool_database()):
                # A resent event_id still waiting in the spool is stored once; one already
                # digested is dropped by digestion (Event is unique per project and event_id).
                RawEvent.objects.bulk_create(
                    [row for rows, _ in jobs for row in rows], ignore_conflicts=True
                )
        except Exception as e:  # every waiting request learns it was not stored
            close_old_connections()
            for _, done in jobs:
                done.set_exception(e)
            return
        for _, done in jobs:
            done.set_result(None)


committer = GroupCommitter()
