"""Whether this server sends email at all.

Pages that would email someone (invitations) ask this first, so that on a server without
email they say so and show what to pass on by hand, instead of pretending a message went out.
"""

from django.conf import settings


def email_is_configured() -> bool:
    """True when an SMTP host is set (EMAIL_HOST); an empty EMAIL_HOST means "no email"."""
    return bool(settings.EMAIL_HOST)
