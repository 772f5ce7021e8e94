"""Whether this server sends email at all: EMAIL_HOST set means yes, empty (the default) no."""

from django.conf import settings


def email_is_configured() -> bool:
    """True when EMAIL_HOST is set, so alert emails are delivered.

    With it empty no alert email is attempted (no task, no failures in the log), webhooks still
    deliver, and the alert settings pages say that email is not configured.
    """
    return bool(str(getattr(settings, "EMAIL_HOST", "") or "").strip())
