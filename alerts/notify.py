"""The one door from digestion (and triage actions) to alerting.

Digestion calls `queue_alert` inside its transaction; the Celery task is published only once that
transaction commits, so an alert never speaks of an Issue state that was rolled back.
"""

from typing import Literal

from django.db import transaction

AlertKind = Literal["new_issue", "regression", "unmute"]


def queue_alert(kind: AlertKind, issue_id: int) -> None:
    from alerts.tasks import issue_alert

    transaction.on_commit(lambda: _publish(issue_alert, kind, issue_id))


def _publish(task, kind: AlertKind, issue_id: int) -> None:
    try:
        task.apply_async(args=[kind, issue_id], retry=False)
    except Exception:  # broker down: alerts are best effort, digestion must go on
        import logging

        logging.getLogger("bugsink.alerts").warning(
            "could not enqueue %s alert for issue %s", kind, issue_id, exc_info=True
        )
