"""Handing spooled events to digestion: coalesced, off the request thread, never blocking.

Publishing one Celery task per accepted event would cost every request a broker round trip and
flood the worker with tasks that find nothing left to do (one task digests the whole spool).
Instead each web process keeps a set of projects with new events (the request path only adds
to it) and a background thread, once per short window, publishes a task for each of them whose
shared marker it can claim (core/digest_requests.py): a project that already has a request
waiting in the broker gets no second one, so the queue holds O(projects), not O(events). An
event is durable before it gets here; if the process dies before publishing, the periodic sweep
enqueues its project.

The task is published by name: the ingest processes never import digestion's code (grouping,
the state machine), and ingestion and digestion stay independent of each other.
"""

import logging
import os
import threading
import time

from celery import current_app

from core import digest_requests

logger = logging.getLogger("bugsink.digest")

WINDOW_SECONDS = 0.05
# The Celery task digestion.tasks.digest_project registers under this name.
DIGEST_TASK = "digestion.tasks.digest_project"
# After a failed publish the broker is presumed down for this long: ingest keeps accepting
# (the rows are persisted) and the sweep enqueues them once the broker is back.
BROKER_BACKOFF_SECONDS = 5.0


class DigestScheduler:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._wakeup = threading.Event()
        self._owner_pid: int | None = None
        self._broker_down_until = 0.0

    def request(self, project_id: int) -> None:
        with self._lock:
            self._pending.add(project_id)
            if self._owner_pid != os.getpid():  # first use, or first use after a fork
                self._owner_pid = os.getpid()
                threading.Thread(target=self._run, name="digest-scheduler", daemon=True).start()
        self._wakeup.set()

    def _run(self) -> None:
        while True:
            self._wakeup.wait()
            time.sleep(WINDOW_SECONDS)  # let the window's other requests join this publish
            with self._lock:
                self._wakeup.clear()
                projects, self._pending = self._pending, set()
            for project_id in sorted(projects):
                self.publish(project_id)

    def publish(self, project_id: int) -> bool:
        """Publish one digest task now unless one is pending already. Never raises; False when
        the broker is unavailable."""
        if time.monotonic() < self._broker_down_until:
            return False
        token = None
        try:
            token = digest_requests.claim(project_id)
            if token is None:
                return True  # a request is waiting in the broker; its drain will see our rows
            current_app.send_task(
                DIGEST_TASK, args=[project_id], kwargs={"token": token}, retry=False
            )
            return True
        except Exception:  # any broker failure: the events are safe in the spool already
            if token is not None:
                self._release_quietly(project_id, token)
            self._broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            logger.warning(
                "could not enqueue digest for project %s; the sweep will pick it up",
                project_id,
                exc_info=True,
            )
            return False

    @staticmethod
    def _release_quietly(project_id: int, token: str) -> None:
        """Free a marker whose message was not published, so the sweep need not wait for it
        to go stale."""
        try:
            digest_requests.release(project_id, token)
        except Exception:
            pass  # it goes stale by itself


scheduler = DigestScheduler()


def request_digest(project_id: int) -> None:
    scheduler.request(project_id)
