"""The beat's status page work: automatic incidents from the monitors' states."""

from celery import shared_task

from monitors import clock
from statuspages.automatic import sync_automatic_incidents


@shared_task(name="statuspages.tasks.sync_automatic_incidents")
def sync_automatic() -> dict[str, int]:
    return sync_automatic_incidents(clock.now())
