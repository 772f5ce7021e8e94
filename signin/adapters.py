"""allauth's hooks, set in settings (ACCOUNT_ADAPTER, SOCIALACCOUNT_ADAPTER).

- No public sign-up: accounts come from an administrator, an invitation or single sign-on.
- Single sign-on links to an existing account by email only when the provider says the email
  is verified; an unverified match is refused (it would hand the account to whoever typed that
  address at the provider), and so is every failed exchange, each on a page that says why and
  in the audit log.
"""

import jwt
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import render

from signin.audit import record
from signin.models import AuditEvent

# allauth messages our pages do not show: the old login and logout showed none either.
QUIET_MESSAGES = ("account/messages/logged_in.txt", "account/messages/logged_out.txt")


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def add_message(self, request, level, message_template=None, *args, **kwargs) -> None:
        if message_template in QUIET_MESSAGES:
            return
        super().add_message(request, level, message_template, *args, **kwargs)


def refusal_page(request: HttpRequest, provider_label: str, reason: str, status: int = 403):
    return render(
        request,
        "signin/sso_refused.html",
        {"provider_label": provider_label, "reason": reason},
        status=status,
    )


def _error_reason(exception: BaseException | None, extra_context: dict | None) -> str:
    cause = exception.__cause__ if exception is not None else None
    if isinstance(cause, jwt.InvalidAudienceError):
        return "The identity provider's token was issued for another application (audience)."
    if isinstance(cause, jwt.ExpiredSignatureError):
        return "The identity provider's token has expired."
    if isinstance(cause, jwt.InvalidIssuerError):
        return "The identity provider's token comes from another issuer."
    if isinstance(cause, jwt.PyJWTError):
        return "The identity provider's token could not be verified."
    if exception is None and extra_context and "state" not in extra_context:
        return (
            "This sign-in did not start in this browser, or its state was altered or already "
            "used. Start again from the login page."
        )
    if exception is not None:
        return "The exchange with the identity provider failed."
    return "The identity provider refused or cancelled the sign-in."


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return True  # the first single sign-on of a person creates their account

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        if sociallogin.is_existing or sociallogin.state.get("process") == "connect":
            return  # a known link, or a signed-in user linking their own provider account
        email = (sociallogin.user.email or "").strip()
        if not email:
            return
        existing = get_user_model().objects.filter(email__iexact=email).first()
        if existing is None:
            return
        verified = any(
            a.verified and a.email.lower() == email.lower() for a in sociallogin.email_addresses
        )
        label = sociallogin.provider.name
        if not verified:
            record(
                AuditEvent.Kind.SSO_REFUSED, request, user=existing,
                method=f"sso:{sociallogin.account.provider}",
                detail=f"unverified email {email} matches an existing account",
            )  # fmt: skip
            raise ImmediateHttpResponse(
                refusal_page(
                    request,
                    label,
                    f"{label} does not say that the email address {email} is verified, and an "
                    "account with that address exists here: it is not linked. Ask your "
                    "administrator, or verify the address at your identity provider.",
                )
            )
        sociallogin.connect(request, existing)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        reason = _error_reason(exception, extra_context)
        record(
            AuditEvent.Kind.SSO_REFUSED, request, method=f"sso:{getattr(provider, 'sub_id', '')}",
            detail=f"{reason} ({type(exception).__name__ if exception else error})",
        )  # fmt: skip
        label = getattr(provider, "name", "single sign-on")
        raise ImmediateHttpResponse(refusal_page(request, label, reason))
