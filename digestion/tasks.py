"""Celery tasks of digestion. The ingest path enqueues through ingest/scheduling.py.

Task names follow the module (they were "events.tasks.*" before digestion had an app of its own).
A message still queued under an old name is discarded as unregistered; its events stay in the
spool, and the sweep every worker runs at start-up enqueues their projects again.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready

from core import digest_requests
from digestion.digest import digest_pending
from events.models import RawEvent

logger = logging.getLogger("bugsink.digest")


@shared_task(name="digestion.tasks.digest_project", acks_late=True)
def digest_project(project_id: int) -> int:
    # Released before the drain, never after: an event spooled from here on finds the marker
    # free and enqueues the next drain, while one spooled before is seen by this drain.
    digest_requests.release(project_id)
    return digest_pending(project_id)


@shared_task(name="digestion.tasks.sweep_undigested")
def sweep_undigested(force: bool = False) -> list[int]:
    """Enqueue a digest for every project with spooled events (missed enqueues, crashes) that
    has no request pending; `force` enqueues regardless (a worker start: markers whose
    messages were lost are not trusted). Returns the projects enqueued."""
    project_ids = list(
        RawEvent.objects.order_by("project_id").values_list("project_id", flat=True).distinct()
    )
    enqueued = []
    for project_id in project_ids:
        if digest_requests.claim(project_id, force=force):
            try:
                digest_project.apply_async(args=[project_id])
            except Exception:
                digest_requests.release(project_id)
                raise
            enqueued.append(project_id)
    return enqueued


@worker_ready.connect
def _sweep_on_worker_start(sender, **kwargs) -> None:
    sweep_undigested.apply_async(kwargs={"force": True})
