"""The Celery application: digestion and alerts run here, never in the request cycle."""

import os

from celery import Celery

from bugsink import beat_thread

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")

# Every task keeps to its queue's lane of the worker's threads (bugsink/lanes.py).
app = Celery("bugsink", task_cls="bugsink.lanes:LanedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
beat_thread.install(app)
