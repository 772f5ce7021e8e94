"""Celery beat inside the worker process, as a thread: `celery worker --beat-thread`.

Celery's own `--beat` forks a second process for the scheduler, which costs as much resident
memory again as the worker it was forked from, for a loop that mostly sleeps until the next
periodic task is due. As a thread it costs next to nothing; it sends the periodic tasks to the
broker like any other producer, and the worker's pool runs them.
"""

from __future__ import annotations

from typing import Any

import click
from celery import Celery, bootsteps
from celery.beat import EmbeddedService


class BeatThread(bootsteps.StartStopStep):
    label = "Beat thread"
    conditional = True

    def __init__(self, worker: Any, beat_thread: bool = False, **options: Any) -> None:
        self.enabled = beat_thread
        super().__init__(worker, **options)

    def create(self, worker: Any) -> Any:  # a threading.Thread with a stop()
        return EmbeddedService(worker.app, schedule_filename=worker.schedule_filename, thread=True)


def install(app: Celery) -> None:
    """Give the app's `celery worker` the `--beat-thread` option."""
    app.steps["worker"].add(BeatThread)
    app.user_options["worker"].add(
        click.Option(
            ("--beat-thread",),
            is_flag=True,
            default=False,
            help="Run the beat scheduler as a thread of this worker (bugsink/beat_thread.py).",
        )
    )
