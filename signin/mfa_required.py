"""MFA_REQUIRED_FOR_ADMINS: an administrator who signed in with a password and has no second
factor sees only the page that sets one up (and may sign out) until they do.

Administrators are superusers, staff and team admins. Single sign-on sessions are not held
back (the identity provider owns their second factor), and neither is anything that is not a
signed-in browser session: ingest never reaches Django's middleware, and API requests
(under /api/) authenticate with tokens of their own.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from projects.models import TeamMembership
from signin.audit import sign_in_method

# Set in the session once this session's user has a second factor, so the check costs nothing
# on later pages; removing the factor clears it.
SESSION_OK = "signin_mfa_ok"


def is_admin(user) -> bool:
    return (
        user.is_superuser
        or user.is_staff
        or TeamMembership.objects.filter(user=user, role=TeamMembership.Role.ADMIN).exists()
    )


class MfaRequiredForAdminsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.MFA_REQUIRED_FOR_ADMINS and self._held_back(request):
            messages.warning(
                request,
                "Administrators must set up two-factor authentication before going on: "
                "scan the code with an authenticator app and enter the code it shows.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _held_back(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.session.get(SESSION_OK):
            return False
        if request.path.startswith("/api/"):
            return False
        if request.path.startswith(reverse("mfa_index")) or request.path in self._exempt_paths():
            return False
        if sign_in_method(request).startswith("sso:"):
            return False
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            request.session[SESSION_OK] = True
            return False
        return is_admin(user)  # not remembered: a member may be made an admin at any time

    @staticmethod
    def _exempt_paths() -> set[str]:
        return {
            reverse("logout"),
            reverse("account_reauthenticate"),
            reverse("password_change"),
            reverse("password_change_done"),
        }


def _forget_compliance(sender, request=None, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_OK, None)


def _connect() -> None:
    from allauth.mfa.signals import authenticator_removed

    authenticator_removed.connect(_forget_compliance, dispatch_uid="signin-mfa-removed")


_connect()
