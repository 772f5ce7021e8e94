"""When the user last signed in, for actions that need a recent sign-in (creating an API token).

Django's `user_logged_in` signal fires for every sign-in, password or django-allauth (social,
MFA) alike, so the time is recorded in the session there; a sign-in older than
RECENT_SIGNIN asks for the password again before the action.
"""

import time
from datetime import timedelta

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

SESSION_KEY = "bugsink_signed_in_at"
RECENT_SIGNIN = timedelta(minutes=15)


@receiver(user_logged_in, dispatch_uid="api.signin.remember_sign_in")
def remember_sign_in(sender, request: HttpRequest | None = None, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        mark_signed_in(request)


def mark_signed_in(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = time.time()


def signed_in_recently(request: HttpRequest) -> bool:
    at = request.session.get(SESSION_KEY)
    return isinstance(at, int | float) and time.time() - at < RECENT_SIGNIN.total_seconds()
