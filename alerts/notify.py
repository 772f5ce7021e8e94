"""The one door from digestion (and triage actions) to alerting.

Digestion calls `queue_alerts` inside its transaction; the Celery tasks are published only once
that transaction commits, so an alert never speaks of an Issue state that was rolled back.
"""

import logging
from collections.abc import Iterable
from typing import Literal

from django.db import transaction

from alerts.email_config import email_is_configured
from alerts.models import Webhook
from alerts.tasks import issue_alert, send_assignment_email
from issues.models import Issue

AlertKind = Literal["new_issue", "regression", "unmute"]

logger = logging.getLogger("bugsink.alerts")


def queue_alert(kind: AlertKind, issue_id: int) -> None:
    queue_alerts([(kind, issue_id)])


def queue_alerts(alerts: Iterable[tuple[AlertKind, int]]) -> None:
    """Publish one alert task per (kind, issue id) once the current transaction commits.

    Without email only webhooks can deliver: alerts of projects without an active webhook are
    dropped here, so a server with no mail set up does no alert work at all.
    """
    alerts = list(alerts)
    if alerts and not email_is_configured():
        reachable = _issues_with_active_webhook({issue_id for _, issue_id in alerts})
        alerts = [(kind, issue_id) for kind, issue_id in alerts if issue_id in reachable]
    for kind, issue_id in alerts:
        transaction.on_commit(lambda k=kind, i=issue_id: _publish(issue_alert, k, i))


def _issues_with_active_webhook(issue_ids: set[int]) -> set[int]:
    projects = Webhook.objects.filter(is_active=True).values("project_id")
    return set(
        Issue.objects.filter(pk__in=issue_ids, project_id__in=projects).values_list("pk", flat=True)
    )


def _publish(task, kind: AlertKind, issue_id: int) -> None:
    try:
        task.apply_async(args=[kind, issue_id], retry=False)
    except Exception:  # broker down: alerts are best effort, digestion must go on
        logger.warning("could not enqueue %s alert for issue %s", kind, issue_id, exc_info=True)


def queue_assignment_email(issue_id: int, assignee_id: int, assigned_by: str) -> None:
    """Email the new assignee once the assignment commits (when this server sends email)."""
    if not email_is_configured():
        return
    transaction.on_commit(lambda: _publish_assignment(issue_id, assignee_id, assigned_by))


def _publish_assignment(issue_id: int, assignee_id: int, assigned_by: str) -> None:
    try:
        send_assignment_email.apply_async(args=[issue_id, assignee_id, assigned_by], retry=False)
    except Exception:  # broker down: the email is best effort, the assignment stands
        logger.warning(
            "could not enqueue the assignment email of issue %s", issue_id, exc_info=True
        )
