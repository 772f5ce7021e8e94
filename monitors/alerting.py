"""Monitor alerts into the alerting of the Issues: same coalescing window, recipients, opt-outs,
email and webhooks. Published once the transaction that changed the monitor commits."""

import logging
from collections.abc import Iterable

from django.db import transaction

from alerts.email_config import email_is_configured
from alerts.models import Webhook
from alerts.tasks import monitor_alert

from .state import AlertRequest

logger = logging.getLogger("bugsink.monitors")


def queue_monitor_alerts(project_id: int, requests: Iterable[AlertRequest]) -> None:
    requests = list(requests)
    if not requests:
        return
    if not email_is_configured() and not _has_active_webhook(project_id):
        return  # nowhere to deliver: do no alert work at all
    for request in requests:
        transaction.on_commit(lambda r=request: _publish(project_id, r))


def _has_active_webhook(project_id: int) -> bool:
    return Webhook.objects.filter(project_id=project_id, is_active=True).exists()


def _publish(project_id: int, request: AlertRequest) -> None:
    try:
        monitor_alert.apply_async(args=[request.kind, project_id, request.details], retry=False)
    except Exception:  # broker down: alerts are best effort, the state is already stored
        logger.warning("could not enqueue %s alert for project %s", request.kind, project_id)
