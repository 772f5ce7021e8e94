"""The monitor state machine: a verdict (a check's result, a check-in, a missed slot) in, the
monitor's new state and the alerts to send out.

- A failure first counts as unconfirmed: the scheduler re-runs the check after the recheck
  delay. Only `failures_before_alert` failures in a row declare the monitor down: severity
  critical, an Incident opens, one alert goes out (down, missed or failed).
- Passing checks while down count towards `recoveries_before_ok`; reaching it closes the
  Incident and sends exactly one "recovered" alert.
- A warning (slow response, certificate expiring soon) changes the severity at once and never
  declares the monitor down; a certificate entering its warning period alerts once until it is
  renewed.

The caller holds the monitor's row lock and passes `now` from the injectable clock.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from .models import Incident, Monitor, Severity


@dataclass(frozen=True)
class Verdict:
    severity: str  # ok | warning | critical
    cause: str = ""
    failure_kind: str = "monitor_down"  # the alert kind if this failure declares it down
    cert_expiring: str = ""  # non-empty: a certificate inside its warning period (the text)


@dataclass(frozen=True)
class AlertRequest:
    kind: str
    details: dict[str, Any]


def apply_verdict(monitor: Monitor, verdict: Verdict, now: datetime) -> list[AlertRequest]:
    alerts: list[AlertRequest] = []
    monitor.last_check_at = now
    if verdict.severity == Severity.CRITICAL:
        monitor.consecutive_failures += 1
        monitor.consecutive_successes = 0
        monitor.last_cause = verdict.cause[:500]
        if monitor.is_down:
            _set_severity(monitor, Severity.CRITICAL, now)
        elif monitor.consecutive_failures >= max(1, monitor.failures_before_alert):
            monitor.is_down = True
            _set_severity(monitor, Severity.CRITICAL, now)
            Incident.objects.create(monitor=monitor, started_at=now, cause=verdict.cause[:500])
            alerts.append(_alert(verdict.failure_kind, monitor, verdict.cause, now))
    else:
        monitor.consecutive_failures = 0
        monitor.consecutive_successes += 1
        if monitor.is_down:
            if monitor.consecutive_successes >= max(1, monitor.recoveries_before_ok):
                alerts.append(_recover(monitor, now))
                _set_severity(monitor, verdict.severity, now)
                monitor.last_cause = verdict.cause[:500]
        else:
            _set_severity(monitor, verdict.severity, now)
            monitor.last_cause = verdict.cause[:500]
    if verdict.cert_expiring and not monitor.cert_alert_sent:
        monitor.cert_alert_sent = True
        alerts.append(_alert("cert_expiring", monitor, verdict.cert_expiring, now))
    elif not verdict.cert_expiring and verdict.severity != Severity.CRITICAL:
        monitor.cert_alert_sent = False  # renewed: the next expiry alerts again
    return alerts


def is_unconfirmed_failure(monitor: Monitor) -> bool:
    """Failing, not (yet) down: the next check is a recheck."""
    return monitor.consecutive_failures > 0 and not monitor.is_down


def _recover(monitor: Monitor, now: datetime) -> AlertRequest:
    monitor.is_down = False
    incident = monitor.incidents.filter(ended_at__isnull=True).order_by("-started_at").first()
    details_since = now
    if incident is not None:
        incident.ended_at = now
        incident.save(update_fields=["ended_at"])
        details_since = incident.started_at
    request = _alert("monitor_recovered", monitor, "", now)
    request.details["down_since"] = details_since.isoformat()
    request.details["downtime_seconds"] = round((now - details_since).total_seconds())
    return request


def _set_severity(monitor: Monitor, severity: str, now: datetime) -> None:
    if monitor.severity != severity:
        monitor.severity = severity
        monitor.severity_since = now


def _alert(kind: str, monitor: Monitor, cause: str, now: datetime) -> AlertRequest:
    return AlertRequest(
        kind,
        {
            "monitor_id": monitor.pk,
            "name": monitor.name,
            "monitor_kind": monitor.kind,
            "target": monitor.url or monitor.slug,
            "cause": cause[:500],
            "at": now.isoformat(),
            "url": f"{settings.BASE_URL}/monitors/{monitor.pk}/",
        },
    )
