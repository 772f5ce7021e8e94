"""What each project stores, against its caps: the admins' storage page."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import connections
from django.db.models import Count, Min, Sum
from django.db.models.functions import Length

from datapolicy.eviction import Caps
from datapolicy.models import DataPolicy
from events.models import Attachment, Event
from issues.models import Issue
from projects.models import Project


@dataclass
class ProjectStorage:
    project: Project
    events_stored: int
    events_seen: int
    event_bytes: int
    attachment_bytes: int
    attachments: int
    oldest_event: datetime | None
    caps: Caps

    @property
    def stored_share_of_cap(self) -> int:
        return round(100 * self.events_stored / self.caps.max_events) if self.caps.max_events else 0


def project_storage(projects: list[Project]) -> list[ProjectStorage]:
    """One aggregate query per table for all projects, not one per project."""
    ids = [p.pk for p in projects]
    events = {
        row["project_id"]: row
        for row in Event.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(n=Count("id"), size=Sum(Length("data")), oldest=Min("received_at"))
        .order_by()
    }
    seen = dict(
        Issue.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(n=Sum("event_count"))
        .order_by()
        .values_list("project_id", "n")
    )
    attachments = {
        row["project_id"]: row
        for row in Attachment.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(n=Count("id"), size=Sum("size"))
        .order_by()
    }
    policies = DataPolicy.objects.in_bulk(ids)
    rows = []
    for project in projects:
        event_row = events.get(project.pk, {})
        attachment_row = attachments.get(project.pk, {})
        rows.append(
            ProjectStorage(
                project=project,
                events_stored=event_row.get("n", 0),
                events_seen=seen.get(project.pk) or 0,
                event_bytes=event_row.get("size") or 0,
                attachment_bytes=attachment_row.get("size") or 0,
                attachments=attachment_row.get("n", 0),
                oldest_event=event_row.get("oldest"),
                caps=Caps.from_policy(policies.get(project.pk)),
            )
        )
    return rows


def database_files() -> list[tuple[str, int]]:
    """(name, bytes) of the databases: SQLite files with their WAL, or PostgreSQL's size."""
    result = []
    for alias in connections:
        connection = connections[alias]
        if connection.vendor == "sqlite":
            name = Path(connection.settings_dict["NAME"])
            for path in (name, Path(f"{name}-wal")):
                if path.exists():
                    result.append((path.name, path.stat().st_size))
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                result.append((connection.settings_dict["NAME"], cursor.fetchone()[0]))
    return result
