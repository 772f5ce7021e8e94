from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One sign-in, failed sign-in, refusal or second-factor change: the admin-visible audit log.

    Failed password sign-ins are also what the lockout counts (signin/lockout.py), by the login
    name as typed (`login_key`, lower-cased) and by address, so the two never disagree."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGNED_OUT = "signed_out", "Signed out"
        FAILED = "failed", "Failed sign-in"
        LOCKED_OUT = "locked_out", "Refused: locked out"
        PASSWORD_REFUSED = "password_refused", "Refused: password sign-in off (SSO only)"
        SSO_REFUSED = "sso_refused", "Refused single sign-on"
        MFA_ADDED = "mfa_added", "Second factor added"
        MFA_REMOVED = "mfa_removed", "Second factor removed"
        MFA_RESET = "mfa_reset", "Recovery codes regenerated"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    login_key = models.CharField(max_length=150, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=60, blank=True, default="")
    detail = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["login_key", "kind", "at"], name="audit_login_kind_at"),
            models.Index(fields=["ip", "kind", "at"], name="audit_ip_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.login_key}"
