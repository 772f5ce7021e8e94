"""Coalescing alerts per project: record them as pending, hand them out in one batch.

The first alert of a quiet project opens a window and asks the caller to schedule one flush at
its end; alerts arriving while the window is open only add rows. The project's AlertWindow row
is locked for every step, so several workers never open two windows or hand out a row twice.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alerts.models import AlertWindow, PendingAlert, ProjectAlertSettings
from issues.models import Issue

# A window whose flush is this late is presumed lost (e.g. the broker dropped the message):
# the next alert schedules a new flush. A duplicate flush is harmless, it finds nothing to send.
LOST_FLUSH_GRACE = timedelta(seconds=120)


@dataclass(frozen=True)
class FlushRequest:
    project_id: int
    countdown: int


def record_alert(kind: str, issue_id: int) -> FlushRequest | None:
    """Queue one alert. Returns the flush to schedule when this alert opened a new window."""
    with transaction.atomic():
        issue = Issue.objects.filter(pk=issue_id).values("project_id", "is_muted").first()
        if issue is None or issue["is_muted"]:
            return None  # deleted meanwhile, or muted: a muted Issue never alerts
        project_id = issue["project_id"]
        alert_settings = ProjectAlertSettings.for_project(project_id)
        if not alert_settings.wants(kind):
            return None
        pending = PendingAlert(project_id=project_id, issue_id=issue_id, kind=kind)
        return _add_to_window(pending, alert_settings)


def record_monitor_alert(project_id: int, kind: str, details: dict) -> FlushRequest | None:
    """Queue one monitor alert (no Issue; `details` is what it says)."""
    with transaction.atomic():
        alert_settings = ProjectAlertSettings.for_project(project_id)
        if not alert_settings.wants(kind):
            return None
        pending = PendingAlert(project_id=project_id, kind=kind, details=details)
        return _add_to_window(pending, alert_settings)


def _add_to_window(
    pending: PendingAlert, alert_settings: ProjectAlertSettings
) -> FlushRequest | None:
    project_id = pending.project_id
    window = _lock_window(project_id)
    PendingAlert.objects.bulk_create([pending], ignore_conflicts=True)
    now = timezone.now()
    if window.flush_at is not None and now < window.flush_at + LOST_FLUSH_GRACE:
        return None  # the open window's flush will pick this row up
    seconds = alert_settings.window_seconds()
    window.flush_at = now + timedelta(seconds=seconds)
    window.save(update_fields=["flush_at"])
    return FlushRequest(project_id=project_id, countdown=seconds)


def take_pending(project_id: int) -> list[tuple[str, int | None, dict | None]]:
    """Remove and return the project's pending alerts as (kind, issue_id, details), oldest
    first (details only for monitor alerts, issue_id only for Issue alerts)."""
    with transaction.atomic():
        window = _lock_window(project_id)
        rows = list(
            PendingAlert.objects.filter(project_id=project_id)
            .order_by("id")
            .values_list("id", "kind", "issue_id", "details")
        )
        if rows:
            last_id = rows[-1][0]
            PendingAlert.objects.filter(project_id=project_id, id__lte=last_id).delete()
        window.flush_at = None
        window.save(update_fields=["flush_at"])
    return [(kind, issue_id, details) for _, kind, issue_id, details in rows]


def _lock_window(project_id: int) -> AlertWindow:
    AlertWindow.objects.bulk_create([AlertWindow(project_id=project_id)], ignore_conflicts=True)
    return AlertWindow.objects.select_for_update().get(project_id=project_id)
