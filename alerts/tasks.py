"""Celery tasks of alerting: record -> (window) -> flush -> one email per recipient + webhooks.

Every delivery is its own task, so a dead SMTP server or a failing webhook is retried on its
own with exponential backoff and never touches digestion or the other recipients.
"""

import logging
import smtplib

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from alerts.assignment_email import build_assignment_email
from alerts.coalesce import LOST_FLUSH_GRACE, record_alert, record_monitor_alert, take_pending
from alerts.context import build_items
from alerts.email import build_alert_email
from alerts.email_config import email_is_configured
from alerts.models import AlertOptOut, AlertWindow, Webhook
from alerts.outbound import WebhookFailed, WebhookRefused, WebhookRejected, post_json
from alerts.payloads import build_payload
from alerts.recipients import alert_recipients
from issues.models import Issue
from projects.models import Project

logger = logging.getLogger("bugsink.alerts")


@shared_task(name="alerts.tasks.issue_alert", acks_late=True)
def issue_alert(kind: str, issue_id: int) -> None:
    """Entry point from digestion (via alerts.notify.queue_alerts)."""
    flush = record_alert(kind, issue_id)
    if flush is not None:
        flush_project_alerts.apply_async(args=[flush.project_id], countdown=flush.countdown)


@shared_task(name="alerts.tasks.monitor_alert", acks_late=True)
def monitor_alert(kind: str, project_id: int, details: dict) -> None:
    """Entry point from the monitors (via monitors.alerting), by task name."""
    flush = record_monitor_alert(project_id, kind, details)
    if flush is not None:
        flush_project_alerts.apply_async(args=[flush.project_id], countdown=flush.countdown)


@shared_task(name="alerts.tasks.flush_project_alerts", acks_late=True)
def flush_project_alerts(project_id: int) -> int:
    """Send what the project's window collected; returns how many alerts were handed out."""
    pending = take_pending(project_id)
    project = Project.objects.filter(pk=project_id).first()
    if not pending or project is None:
        return 0
    # The rows are gone once taken: from here alerts are at-most-once, which beats a worker
    # crash re-sending a summary to everyone.
    batch = [[kind, issue_id, details] for kind, issue_id, details in pending]
    if email_is_configured():
        for address in alert_recipients(project):
            send_alert_email.apply_async(args=[project_id, batch, address])
    webhook_ids = Webhook.objects.filter(project_id=project_id, is_active=True).values_list(
        "id", flat=True
    )
    for webhook_id in webhook_ids:
        deliver_webhook.apply_async(args=[webhook_id, batch])
    return len(pending)


@shared_task(name="alerts.tasks.flush_overdue_alerts")
def flush_overdue_alerts() -> list[int]:
    """Periodic safety net: flush windows whose scheduled flush never ran (lost message)."""
    cutoff = timezone.now() - LOST_FLUSH_GRACE
    project_ids = list(
        AlertWindow.objects.filter(flush_at__lt=cutoff).values_list("project_id", flat=True)
    )
    for project_id in project_ids:
        flush_project_alerts.apply_async(args=[project_id])
    return project_ids


@shared_task(
    bind=True,
    name="alerts.tasks.send_alert_email",
    acks_late=True,
    max_retries=settings.ALERT_DELIVERY_MAX_RETRIES,
)
def send_alert_email(self, project_id: int, batch: list[list], address: str) -> bool:
    if not email_is_configured():
        return False  # queued before a restart that turned email off: nowhere to send it
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return False
    items = build_items(batch, with_details=len(batch) == 1)
    if not items:
        return False  # every Issue was muted or deleted since
    try:
        build_alert_email(project, items, address).send()
    except (smtplib.SMTPException, OSError) as exc:
        _retry_or_give_up(self, exc, f"alert email to {address} (project {project_id})")
        return False
    return True


@shared_task(
    bind=True,
    name="alerts.tasks.send_assignment_email",
    acks_late=True,
    max_retries=settings.ALERT_DELIVERY_MAX_RETRIES,
)
def send_assignment_email(self, issue_id: int, assignee_id: int, assigned_by: str) -> bool:
    """Tell the assignee, unless email is off, they opted out of the project's alert emails,
    have no address, or the Issue has been reassigned (or deleted) since."""
    if not email_is_configured():
        return False
    issue = Issue.objects.select_related("project", "assignee").filter(pk=issue_id).first()
    if issue is None or issue.assignee_id != assignee_id:
        return False
    assignee = issue.assignee
    if not assignee.is_active or not assignee.email:
        return False
    if AlertOptOut.objects.filter(user_id=assignee_id, project_id=issue.project_id).exists():
        return False
    try:
        build_assignment_email(issue, assigned_by, assignee.email).send()
    except (smtplib.SMTPException, OSError) as exc:
        _retry_or_give_up(self, exc, f"assignment email to {assignee.email} (issue {issue_id})")
        return False
    return True


@shared_task(
    bind=True,
    name="alerts.tasks.deliver_webhook",
    acks_late=True,
    max_retries=settings.ALERT_DELIVERY_MAX_RETRIES,
)
def deliver_webhook(self, webhook_id: int, batch: list[list]) -> bool:
    webhook = (
        Webhook.objects.select_related("project").filter(pk=webhook_id, is_active=True).first()
    )
    if webhook is None:
        return False
    items = build_items(batch, with_details=False)
    if not items:
        return False
    payload = build_payload(webhook.kind, webhook.project, items)
    what = f"{webhook.kind} webhook {webhook_id} (project {webhook.project_id})"
    try:
        status = post_json(
            webhook.url,
            payload,
            timeout=settings.ALERT_WEBHOOK_TIMEOUT,
            allow_private=settings.ALERT_WEBHOOK_ALLOW_PRIVATE,
        )
    except WebhookFailed as exc:
        _record_delivery(webhook_id, ok=False, status_code=exc.status_code, error=str(exc))
        _retry_or_give_up(self, exc, what)
        return False
    except (WebhookRefused, WebhookRejected) as exc:
        status_code = getattr(exc, "status_code", None)
        _record_delivery(webhook_id, ok=False, status_code=status_code, error=str(exc))
        logger.error("%s failed permanently, not retrying: %s", what, exc)
        return False
    _record_delivery(webhook_id, ok=True, status_code=status, error="")
    return True


def _record_delivery(webhook_id: int, *, ok: bool, status_code: int | None, error: str) -> None:
    Webhook.objects.filter(pk=webhook_id).update(
        last_attempt_at=timezone.now(),
        last_ok=ok,
        last_status_code=status_code,
        last_error=error[:2000],
    )


def _retry_or_give_up(task, exc: Exception, what: str) -> None:
    """Retry with exponential backoff (1 s, 2 s, 4 s, ...), or log the final failure."""
    retries = task.request.retries
    if retries >= task.max_retries:
        logger.error("%s failed %d times, giving up: %s", what, retries + 1, exc)
        return
    countdown = get_exponential_backoff_interval(
        factor=1, retries=retries, maximum=settings.ALERT_RETRY_BACKOFF_MAX
    )
    logger.warning("%s failed (attempt %d), retrying in %ss: %s", what, retries + 1, countdown, exc)
    raise task.retry(exc=exc, countdown=countdown)
