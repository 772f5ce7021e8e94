"""The Celery application: digestion and alerts run here, never in the request cycle."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
# Celery's Django fixup runs the system checks when a worker starts, and the URL checks import
# the whole site (every view, allauth's MFA with fido2 and cryptography, django-ninja): about
# 30 MB a worker then holds for nothing. `manage.py migrate`, which runs before the workers
# start (./run, deployments), has already run the same checks.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("bugsink")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
