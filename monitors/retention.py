"""Old results and processed check-ins go away: a 1-minute monitor writes 1,440 results a day.

Incidents are kept (uptime is computed from them, and they are few); results and check-ins
older than MONITOR_RESULT_RETENTION_DAYS are deleted in bounded batches by each tick, so one
tick never holds the database for long.
"""

from datetime import datetime, timedelta

from django.conf import settings

from .models import CheckIn, MonitorResult

BATCH = 5000


def prune(now: datetime) -> int:
    cutoff = now - timedelta(days=settings.MONITOR_RESULT_RETENTION_DAYS)
    deleted = 0
    for model, field in ((MonitorResult, "checked_at"), (CheckIn, "received_at")):
        old = model.objects.filter(**{f"{field}__lt": cutoff}).values_list("pk", flat=True)[:BATCH]
        ids = list(old)
        if ids:
            deleted += model.objects.filter(pk__in=ids).delete()[0]
    return deleted
