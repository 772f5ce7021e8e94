"""Writes the audit log (signin.models.AuditEvent) from the signals Django and allauth send:
every sign-in (password, single sign-on, with or without a second factor), failed sign-in,
refusal, sign-out and second-factor change."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from signin.client_ip import client_ip
from signin.lockout import login_key
from signin.models import AuditEvent

# Set on the request by signin.backends when it refuses before checking the password, so the
# failure Django then signals is logged as what it is.
REFUSAL_ATTRIBUTE = "_signin_refusal"


def record(
    kind: str,
    request: HttpRequest | None,
    *,
    user=None,
    username: str = "",
    method: str = "",
    detail: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        login_key=login_key(username or (user.get_username() if user is not None else "")),
        ip=client_ip(request),
        method=method[:60],
        detail=detail[:300],
    )


def sign_in_method(request: HttpRequest | None) -> str:
    """How this session signed in, from allauth's record of the steps: `password`,
    `password+totp`, `sso:<provider>`; empty for a login no allauth flow saw."""
    if request is None or not hasattr(request, "session"):
        return ""
    steps = []
    for step in request.session.get("account_authentication_methods") or []:
        method = step.get("method")
        if method == "socialaccount":
            steps.append(f"sso:{step.get('provider', '')}")
        elif method == "mfa":
            steps.append(str(step.get("type", "mfa")))
        elif method:
            steps.append(str(method))
    return "+".join(dict.fromkeys(steps))


@receiver(user_logged_in, dispatch_uid="signin-audit-logged-in")
def _logged_in(sender, request, user, **kwargs) -> None:
    record(AuditEvent.Kind.SIGNED_IN, request, user=user, method=sign_in_method(request))


@receiver(user_logged_out, dispatch_uid="signin-audit-logged-out")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(AuditEvent.Kind.SIGNED_OUT, request, user=user)


@receiver(user_login_failed, dispatch_uid="signin-audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or credentials.get("email") or "")
    refusal = getattr(request, REFUSAL_ATTRIBUTE, None) if request is not None else None
    kind, detail = refusal or (AuditEvent.Kind.FAILED, "wrong username or password")
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(kind, request, user=user, username=username, method="password", detail=detail)


def _connect_mfa_signals() -> None:
    from allauth.mfa import signals

    def added(sender, request, user, authenticator, **kwargs) -> None:
        record(AuditEvent.Kind.MFA_ADDED, request, user=user, method=authenticator.type)

    def removed(sender, request, user, authenticator, **kwargs) -> None:
        record(AuditEvent.Kind.MFA_REMOVED, request, user=user, method=authenticator.type)

    def reset(sender, request, user, authenticator, **kwargs) -> None:
        record(AuditEvent.Kind.MFA_RESET, request, user=user, method=authenticator.type)

    def failed(sender, request=None, user=None, **kwargs) -> None:
        # A wrong second-factor code counts like a wrong password towards the lockout.
        kind = getattr(kwargs.get("authenticator"), "type", "code")
        record(
            AuditEvent.Kind.FAILED, request, user=user, method=f"mfa:{kind}",
            detail="wrong second-factor code",
        )  # fmt: skip

    signals.authenticator_added.connect(added, dispatch_uid="signin-audit-mfa-added", weak=False)
    signals.authenticator_removed.connect(removed, dispatch_uid="signin-audit-mfa-rm", weak=False)
    signals.authenticator_reset.connect(reset, dispatch_uid="signin-audit-mfa-reset", weak=False)
    signals.authentication_failed.connect(failed, dispatch_uid="signin-audit-mfa-bad", weak=False)


_connect_mfa_signals()
