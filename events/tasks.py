"""Celery tasks of digestion. The ingest path enqueues through events/scheduling.py."""

import logging

from celery import shared_task
from celery.signals import worker_ready

logger = logging.getLogger("bugsink.digest")


@shared_task(name="events.tasks.digest_project", acks_late=True)
def digest_project(project_id: int) -> int:
    from events.digest import digest_pending

    return digest_pending(project_id)


@shared_task(name="events.tasks.sweep_undigested")
def sweep_undigested() -> list[int]:
    """Enqueue a digest for every project with spooled events (missed enqueues, crashes)."""
    from events.models import RawEvent

    project_ids = list(
        RawEvent.objects.order_by("project_id").values_list("project_id", flat=True).distinct()
    )
    for project_id in project_ids:
        digest_project.apply_async(args=[project_id])
    return project_ids


@worker_ready.connect
def _sweep_on_worker_start(sender, **kwargs) -> None:
    sweep_undigested.apply_async()
