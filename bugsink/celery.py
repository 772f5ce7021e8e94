"""The Celery application: digestion and alerts run here, never in the request cycle."""

import os

from celery import Celery
from celery.signals import worker_init

from bugsink import beat_thread
from core.malloc import limit_arenas

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
# Celery's Django fixup runs the system checks when a worker starts, and the URL checks import
# the whole site (every view, allauth's MFA with fido2 and cryptography, django-ninja): about
# 30 MB a worker then holds for nothing. `manage.py migrate`, which runs before the workers
# start (./run, deployments), has already run the same checks.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

# Every task keeps to its queue's lane of the worker's threads (bugsink/lanes.py).
app = Celery("bugsink", task_cls="bugsink.lanes:LanedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
beat_thread.install(app)


@worker_init.connect
def _one_malloc_arena(**kwargs: object) -> None:
    limit_arenas()  # before the pool's threads start: they share what the others free
