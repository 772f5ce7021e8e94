"""Monitors (uptime HTTP / TCP checks, heartbeats, cron jobs), their results and incidents.

One row per monitor is also its task: when it runs next, who runs it and since when (the lease),
its current severity and since when, and the counters the state machine needs.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models

from projects.models import Project


class Severity(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class MonitorKind(models.TextChoices):
    HTTP = "http", "HTTP(S)"
    TCP = "tcp", "TCP port"
    HEARTBEAT = "heartbeat", "Heartbeat (push)"
    CRON = "cron", "Cron job (SDK check-ins)"


class IpVersion(models.TextChoices):
    ANY = "any", "Any"
    V4 = "4", "IPv4"
    V6 = "6", "IPv6"


# Kinds the server (or an agent) actively probes; the others wait for pushes.
PROBED_KINDS = (MonitorKind.HTTP, MonitorKind.TCP)


def new_ping_token() -> str:
    return secrets.token_urlsafe(24)


class Monitor(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="monitors")
    name = models.CharField(max_length=200)
    # Cron monitors are found by slug (the SDK's monitor_slug); others get one from the name.
    slug = models.SlugField(max_length=100)
    kind = models.CharField(max_length=10, choices=MonitorKind.choices)
    is_paused = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # --- what to check (http, tcp) ---
    url = models.CharField(max_length=2000, blank=True, default="")  # http(s)://... or host:port
    method = models.CharField(max_length=10, default="GET")
    request_headers = models.JSONField(default=dict, blank=True)
    request_body = models.TextField(blank=True, default="")
    ip_version = models.CharField(max_length=3, choices=IpVersion.choices, default=IpVersion.ANY)
    timeout_seconds = models.PositiveIntegerField(default=10)
    # Comma-separated codes and ranges, e.g. "200-299,301".
    expected_status = models.CharField(max_length=100, default="200-299")
    body_contains = models.CharField(max_length=500, blank=True, default="")
    body_not_contains = models.CharField(max_length=500, blank=True, default="")
    response_warning_ms = models.PositiveIntegerField(null=True, blank=True)
    response_critical_ms = models.PositiveIntegerField(null=True, blank=True)
    cert_warning_days = models.PositiveIntegerField(default=14)

    # --- when (all kinds) ---
    frequency_seconds = models.PositiveIntegerField(default=60)
    recheck_delay_seconds = models.PositiveIntegerField(default=30)
    # Consecutive failed checks before the monitor is down (severity, incident, alert).
    failures_before_alert = models.PositiveIntegerField(default=2)
    # Checks passing in a row before a down monitor counts as recovered.
    recoveries_before_ok = models.PositiveIntegerField(default=1)
    # With agents: how many must see the failure before it counts (1 = any of them).
    agents_required = models.PositiveIntegerField(default=1)
    run_by_agents = models.BooleanField(default=False)

    # --- heartbeat: the secret part of the ping URL ---
    ping_token = models.CharField(max_length=64, unique=True, default=new_ping_token)
    # --- cron (from the SDK's monitor_config) ---
    schedule_type = models.CharField(max_length=10, blank=True, default="")  # crontab|interval
    schedule_value = models.CharField(max_length=100, blank=True, default="")
    schedule_unit = models.CharField(max_length=10, blank=True, default="")
    schedule_timezone = models.CharField(max_length=64, blank=True, default="UTC")
    checkin_margin_minutes = models.PositiveIntegerField(default=1)
    max_runtime_minutes = models.PositiveIntegerField(null=True, blank=True)

    # --- the task: scheduling and its lease ---
    next_run_at = models.DateTimeField(null=True, blank=True)
    selected_by = models.CharField(max_length=100, blank=True, default="")
    selected_at = models.DateTimeField(null=True, blank=True)

    # --- state ---
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.UNKNOWN)
    severity_since = models.DateTimeField(null=True, blank=True)
    is_down = models.BooleanField(default=False)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_cause = models.CharField(max_length=500, blank=True, default="")
    cert_alert_sent = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "slug"], name="unique_monitor_slug")
        ]
        indexes = [
            models.Index(fields=["next_run_at"], name="monitor_next_run"),
        ]

    def __str__(self) -> str:
        return self.name


class MonitorResult(models.Model):
    """One check (or check-in, or missed slot) and its verdict."""

    # Indexed by the (monitor, checked_at) index below, which starts with it.
    monitor = models.ForeignKey(
        Monitor, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    agent = models.ForeignKey(
        "MonitorAgent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField()
    # When it was due: lateness = checked_at - scheduled_for.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=20, blank=True, default="")  # up/down, ok/error/missed
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    context = models.JSONField(default=dict, blank=True)  # timings, certificate days, ...

    class Meta:
        indexes = [
            models.Index(fields=["monitor", "checked_at"], name="result_monitor_time"),
            models.Index(fields=["checked_at"], name="result_time"),  # retention
        ]

    @property
    def lateness_seconds(self) -> float | None:
        if self.scheduled_for is None:
            return None
        return round((self.checked_at - self.scheduled_for).total_seconds(), 1)


class Incident(models.Model):
    """A stretch of downtime: from the check that declared it down to the one that recovered."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="incidents")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    cause = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["monitor", "started_at"], name="incident_monitor_start")]


class CheckIn(models.Model):
    """A cron check-in as the SDK (or the HTTP check-in API) sent it.

    Ingest stores the raw payload and nothing else (`processed_at` empty); the monitors worker
    turns it into monitor state off the request path.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()
    payload = models.JSONField()
    processed_at = models.DateTimeField(null=True, blank=True)
    monitor = models.ForeignKey(
        Monitor, null=True, blank=True, on_delete=models.CASCADE, related_name="checkins"
    )
    check_in_id = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(max_length=20, blank=True, default="")
    # For in_progress check-ins: set once the same id finishes or times out.
    finished = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["processed_at"], name="checkin_unprocessed"),
            models.Index(fields=["project", "check_in_id"], name="checkin_project_id"),
            models.Index(fields=["project", "received_at"], name="checkin_project_time"),  # quota
        ]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class MonitorAgent(models.Model):
    """A remote agent that runs checks elsewhere and posts their results; only the token's hash
    is stored (the token is shown once, when it is created)."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    is_enabled = models.BooleanField(default=True)
    comment = models.CharField(max_length=500, blank=True, default="")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Agents run the monitors of these projects (their `run_by_agents` ones).
    projects = models.ManyToManyField(Project, related_name="monitor_agents", blank=True)

    def __str__(self) -> str:
        return self.name

    def new_token(self) -> str:
        """Give the agent a fresh token (replacing any old one); returns it, unsaved."""
        token = f"bsa_{uuid.uuid4().hex}{secrets.token_hex(8)}"
        self.token_hash = hash_token(token)
        return token

    @classmethod
    def create_with_token(cls, name: str, **fields) -> tuple["MonitorAgent", str]:
        agent = cls(name=name, **fields)
        token = agent.new_token()
        agent.save()
        return agent, token
