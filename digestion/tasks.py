"""Celery tasks of digestion. The ingest path enqueues through ingest/scheduling.py.

Task names follow the module (they were "events.tasks.*" before digestion had an app of its own).
A message still queued under an old name is discarded as unregistered; its events stay in the
spool, and the sweep every worker runs at start-up enqueues their projects again.
"""

import logging
import time

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from core import digest_requests
from core.malloc import release_free_memory
from datapolicy.eviction import keep_within_cap
from digestion.digest import digest_batch
from events.models import RawEvent

logger = logging.getLogger("bugsink.digest")

# A task drains its project for about this long, then hands the worker to the next request in
# the queue and enqueues the rest: under sustained load every project's request is reached
# within (projects x this), far below the age at which a marker counts as stale.
DRAIN_SECONDS = 10.0


@shared_task(name="digestion.tasks.digest_project", acks_late=True)
def digest_project(project_id: int, token: str | None = None) -> int:
    # Released before the drain, never after: an event spooled from here on finds the marker
    # free and enqueues the next drain, while one spooled before is seen by this drain. A
    # request whose token no longer names the marker is a duplicate: it drains, frees nothing.
    digest_requests.release(project_id, token)
    try:
        return _drain(project_id)
    finally:
        # The batches' parsed events are garbage now: their pages go back to the system rather
        # than keeping the worker at its peak until the next drain (a fraction of a millisecond
        # to a few milliseconds, once per drain of up to DRAIN_SECONDS).
        release_free_memory()


def _drain(project_id: int) -> int:
    deadline = time.monotonic() + DRAIN_SECONDS
    total = 0
    while True:
        stored, more = digest_batch(project_id, settings.DIGEST_BATCH_SIZE)
        total += stored
        if stored:
            # Retention runs here, in the background worker between batches, never on ingest.
            keep_within_cap(project_id, stored)
        if not more:
            return total
        if time.monotonic() > deadline:
            break
    # More is spooled: to the back of the queue, unless ingest has enqueued a request already.
    _enqueue(project_id)
    return total


def _enqueue(project_id: int, force: bool = False) -> bool:
    """Publish a digest request for the project if its marker can be claimed."""
    token = digest_requests.claim(project_id, force=force)
    if token is None:
        return False
    try:
        digest_project.apply_async(args=[project_id], kwargs={"token": token})
    except Exception:
        digest_requests.release(project_id, token)  # the sweep enqueues it
        raise
    return True


@shared_task(name="digestion.tasks.sweep_undigested")
def sweep_undigested(force: bool = False) -> list[int]:
    """Enqueue a digest for every project with spooled events (missed enqueues, crashes) that
    has no request pending; `force` enqueues regardless (a worker start: markers whose
    messages were lost are not trusted). Returns the projects enqueued."""
    project_ids = list(
        RawEvent.objects.order_by("project_id").values_list("project_id", flat=True).distinct()
    )
    return [project_id for project_id in project_ids if _enqueue(project_id, force)]


@worker_ready.connect
def _sweep_on_worker_start(sender, **kwargs) -> None:
    # Only a worker that digests (digest_project is not routed: it goes to the default queue).
    # The alert and monitor workers import this module too, and each forced sweep puts one
    # more request per project in the queue.
    if sender.app.conf.task_default_queue in sender.app.amqp.queues.consume_from:
        sweep_undigested.apply_async(kwargs={"force": True})
