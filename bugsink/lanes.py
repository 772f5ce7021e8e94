"""Lanes: how many of the worker's threads each kind of slow work may hold at once.

./run's Celery worker is one process whose pool of threads serves every queue
(bugsink/workers.py). A task routed to a lane's queue holds one of that lane's slots while it
runs; when every slot is taken, it does not wait in a thread but goes back on its queue for a
moment later. A mail server that never answers therefore ties up at most the alert lane, never
the threads digestion needs. Tasks of the default queue (digestion) have no lane: they may use
every thread the lanes leave free.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import Task
from celery.exceptions import Ignore

from bugsink.workers import ALERT_THREADS, ALERTS_QUEUE, MONITOR_PASSES, MONITORS_QUEUE

# How long a task that found its lane full waits on its queue before it tries again.
REQUEUE_SECONDS = 2.0

_LANES: dict[str, threading.BoundedSemaphore] = {
    ALERTS_QUEUE: threading.BoundedSemaphore(ALERT_THREADS),
    MONITORS_QUEUE: threading.BoundedSemaphore(MONITOR_PASSES),
}
_queue_of: dict[str, str | None] = {}  # task name -> the queue it is routed to


class LanedTask(Task):
    """The base class of every task of the app (bugsink/celery.py)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        if request.called_directly or request.is_eager:
            return super().__call__(*args, **kwargs)  # not in a worker's pool: no lane to keep
        # From here the worker's tracer has pushed this run's request: `run`, not `super()`,
        # which would push a bare one and hide the message's id and retry count.
        slots = _LANES.get(self._queue())
        if slots is None:
            return self.run(*args, **kwargs)
        if not slots.acquire(blocking=False):
            self.signature_from_request(countdown=REQUEUE_SECONDS).apply_async()
            raise Ignore()  # this message is done with: its copy comes back shortly
        try:
            return self.run(*args, **kwargs)
        finally:
            slots.release()

    def _queue(self) -> str | None:
        if self.name not in _queue_of:
            route = self.app.amqp.router.route({}, self.name)
            queue = route.get("queue")
            _queue_of[self.name] = getattr(queue, "name", queue)
        return _queue_of[self.name]
