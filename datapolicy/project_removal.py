"""Deleting a whole project in the background, in batches.

Asking marks the project (its DataPolicy row) and revokes its keys at once, so ingest refuses
it from then on; the rows then go in transactions of RETENTION_BATCH_ROWS (events first, then
Issues), so a project with millions of events never holds the database for long. The Celery
task does it right away; the beat's eviction pass finishes any marked project whose task was
lost.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from datapolicy.models import DataPolicy
from events.models import Attachment, Event, RawEvent, TagValue, UserFeedback
from issues.models import Issue
from projects.models import Project, ProjectKey

logger = logging.getLogger("bugsink.retention")


def request_removal(project: Project) -> None:
    DataPolicy.objects.update_or_create(
        project=project, defaults={"removal_requested_at": timezone.now()}
    )
    ProjectKey.objects.filter(project=project).update(is_active=False)


def marked_projects() -> list[int]:
    return list(
        DataPolicy.objects.filter(removal_requested_at__isnull=False).values_list(
            "project_id", flat=True
        )
    )


def remove_project(project_id: int) -> bool:
    """Delete the project and everything in it; True when it is gone."""
    if not Project.objects.filter(pk=project_id).exists():
        return True
    batch = settings.RETENTION_BATCH_ROWS
    for model in (Event, Attachment, UserFeedback):
        _delete_in_batches(model.objects.filter(project_id=project_id), batch)
    _delete_in_batches(Issue.objects.filter(project_id=project_id), max(1, batch // 10))
    _delete_in_batches(TagValue.objects.filter(project_id=project_id), batch)
    RawEvent.objects.filter(project_id=project_id).delete()
    with transaction.atomic():
        Project.objects.filter(pk=project_id).delete()
    logger.info("project %s deleted", project_id)
    return True


def _delete_in_batches(queryset, batch: int) -> None:
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch])
        if not ids:
            return
        with transaction.atomic():
            queryset.model.objects.filter(pk__in=ids).delete()
