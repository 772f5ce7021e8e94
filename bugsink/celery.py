"""The Celery application: digestion and alerts run here, never in the request cycle."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")

app = Celery("bugsink")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _lower_cpu_priority(**kwargs) -> None:
    """Digestion is background work: under a burst, ingest and the UI get the CPU first and
    digestion catches up as soon as it is free (WORKER_NICE; 0 keeps the normal priority)."""
    from django.conf import settings

    if settings.WORKER_NICE > 0:
        os.nice(settings.WORKER_NICE)
