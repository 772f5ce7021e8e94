"""The password backend: Django's ModelBackend behind the lockout and the "SSO only" switch.

Every password sign-in goes through Django's `authenticate()` (our login page, the admin's,
allauth's re-authentication, the test client), so enforcing both here covers them all. A
refusal raises PermissionDenied: Django then tries no other backend and signals a failed
sign-in, which signin.audit logs as the refusal it is.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from signin.audit import REFUSAL_ATTRIBUTE
from signin.client_ip import client_ip
from signin.lockout import current_lock
from signin.models import AuditEvent

SSO_ONLY_MESSAGE = "Password sign-in is off on this server: sign in with single sign-on."


def _refuse(request: HttpRequest | None, kind: str, detail: str) -> None:
    if request is not None:
        setattr(request, REFUSAL_ATTRIBUTE, (kind, detail))
    raise PermissionDenied(detail)


class PasswordBackend(ModelBackend):
    """Password sign-in, refused while locked out, and in SSO-only mode for all but superusers."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None
        lock = current_lock(str(username), client_ip(request))
        if lock is not None:
            until = timezone.localtime(lock.until).strftime("%Y-%m-%d %H:%M:%S %Z")
            what = "this address" if lock.by_address else "this account"
            message = f"Too many failed sign-ins: {what} is locked until {until}."
            _refuse(request, AuditEvent.Kind.LOCKED_OUT, message)
        if settings.SSO_ONLY and not self._is_break_glass(str(username)):
            # Decided before the password is checked: the answer tells nothing about it.
            _refuse(request, AuditEvent.Kind.PASSWORD_REFUSED, SSO_ONLY_MESSAGE)
        return super().authenticate(request, username=username, password=password, **kwargs)

    def _is_break_glass(self, username: str) -> bool:
        """In SSO-only mode, superusers keep their password: the way in when the identity
        provider is down or misconfigured."""
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        lookup = {user_model.USERNAME_FIELD: username, "is_superuser": True, "is_active": True}
        return user_model._default_manager.filter(**lookup).exists()

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
