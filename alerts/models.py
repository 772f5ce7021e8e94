"""Alert configuration (per project, per user, webhooks) and the pending-alert queue."""

from django.conf import settings
from django.db import models

from projects.models import Project


class AlertKind(models.TextChoices):
    NEW_ISSUE = "new_issue", "New issue"
    REGRESSION = "regression", "Regression"
    UNMUTE = "unmute", "Unmuted"
    # Monitors (monitors/state.py): one alert per incident, and one when it ends.
    MONITOR_DOWN = "monitor_down", "Monitor down"
    MONITOR_RECOVERED = "monitor_recovered", "Monitor recovered"
    CRON_MISSED = "cron_missed", "Missed check-in"
    CRON_FAILED = "cron_failed", "Cron job failed"
    CERT_EXPIRING = "cert_expiring", "Certificate expiring"


MONITOR_KINDS = (
    AlertKind.MONITOR_DOWN,
    AlertKind.MONITOR_RECOVERED,
    AlertKind.CRON_MISSED,
    AlertKind.CRON_FAILED,
    AlertKind.CERT_EXPIRING,
)


class ProjectAlertSettings(models.Model):
    """Per-project switches. A project without a row behaves as if it had one with defaults."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="alert_settings")
    alert_on_new_issue = models.BooleanField(default=True)
    alert_on_regression = models.BooleanField(default=True)
    alert_on_unmute = models.BooleanField(default=True)
    alert_on_monitors = models.BooleanField(default=True)
    # None: use settings.ALERT_COALESCE_SECONDS.
    coalesce_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        # Django's default plural appends an "s": "project alert settingss" in /admin/.
        verbose_name_plural = "project alert settings"

    def __str__(self) -> str:
        return f"alert settings of {self.project}"

    def wants(self, kind: str) -> bool:
        if kind in MONITOR_KINDS:
            return self.alert_on_monitors
        return {
            AlertKind.NEW_ISSUE: self.alert_on_new_issue,
            AlertKind.REGRESSION: self.alert_on_regression,
            AlertKind.UNMUTE: self.alert_on_unmute,
        }.get(kind, False)

    def window_seconds(self) -> int:
        if self.coalesce_seconds is not None:
            return self.coalesce_seconds
        return settings.ALERT_COALESCE_SECONDS

    @classmethod
    def for_project(cls, project_id: int) -> "ProjectAlertSettings":
        found = cls.objects.filter(project_id=project_id).first()
        return found or cls(project_id=project_id)


class AlertOptOut(models.Model):
    """A team member who does not want this project's alert emails."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_opt_outs"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="alert_opt_outs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="unique_alert_opt_out")
        ]

    def __str__(self) -> str:
        return f"{self.user} opted out of {self.project}"


class Webhook(models.Model):
    class Kind(models.TextChoices):
        SLACK = "slack", "Slack (incoming webhook)"
        DISCORD = "discord", "Discord"
        GENERIC = "generic", "Generic JSON"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhooks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField(max_length=2000)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The outcome of the most recent delivery attempt, for the project settings page.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_ok = models.BooleanField(null=True)
    last_error = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"{self.kind} webhook of {self.project}"


class PendingAlert(models.Model):
    """An alert waiting for its project's coalescing window to close.

    Unique per (issue, kind): the same Issue regressing twice in one window, or a redelivered
    task, yields one line in the summary. Monitor alerts have no Issue: `details` holds what
    the alert says (the monitor may change before the window closes).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(
        "issues.Issue", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    details = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "kind"], name="unique_pending_alert")
        ]
        indexes = [models.Index(fields=["project", "id"], name="pendingalert_project_id")]


class AlertWindow(models.Model):
    """One row per project with an open coalescing window; its lock serializes the project's
    alert bookkeeping across workers (select_for_update on PostgreSQL, the write lock on SQLite).
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    # When the scheduled flush is due; None when no window is open.
    flush_at = models.DateTimeField(null=True, blank=True)
