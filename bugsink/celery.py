"""The Celery application: digestion and alerts run here, never in the request cycle."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")

app = Celery("bugsink")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
