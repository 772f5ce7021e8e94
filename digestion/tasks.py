"""Celery tasks of digestion. The ingest path enqueues through ingest/scheduling.py.

Task names follow the module (they were "events.tasks.*" before digestion had an app of its own).
A message still queued under an old name is discarded as unregistered; its events stay in the
spool, and the sweep every worker runs at start-up enqueues their projects again.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready

from datapolicy.eviction import keep_within_cap
from digestion.digest import digest_pending
from events.models import RawEvent

logger = logging.getLogger("bugsink.digest")


@shared_task(name="digestion.tasks.digest_project", acks_late=True)
def digest_project(project_id: int) -> int:
    # Retention runs here, in the background worker between batches, never on ingest.
    return digest_pending(project_id, after_batch=keep_within_cap)


@shared_task(name="digestion.tasks.sweep_undigested")
def sweep_undigested() -> list[int]:
    """Enqueue a digest for every project with spooled events (missed enqueues, crashes)."""
    project_ids = list(
        RawEvent.objects.order_by("project_id").values_list("project_id", flat=True).distinct()
    )
    for project_id in project_ids:
        digest_project.apply_async(args=[project_id])
    return project_ids


@worker_ready.connect
def _sweep_on_worker_start(sender, **kwargs) -> None:
    sweep_undigested.apply_async()
