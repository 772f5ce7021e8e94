"""What a single sign-on does besides signing in: the identity provider's groups become team
memberships (signin.team_rules), and open invitations to the user's verified email address are
accepted, so an invited person who signs in through SSO joins the invited team."""

import logging
from datetime import timedelta

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from projects.models import INVITATION_DAYS, Invitation, TeamMembership
from signin.oidc_config import OidcProvider
from signin.team_rules import apply_team_rules, groups_from_claim

logger = logging.getLogger(__name__)


def provider_config(provider_id: str) -> OidcProvider | None:
    return next((p for p in settings.OIDC_PROVIDERS if p.id == provider_id), None)


def claims_of(sociallogin) -> dict:
    """The ID token's claims with the userinfo answer's on top (allauth keeps both)."""
    data = sociallogin.account.extra_data or {}
    merged: dict = {}
    for part in ("id_token", "userinfo"):
        if isinstance(data.get(part), dict):
            merged.update(data[part])
    return merged


def verified_email(sociallogin) -> str:
    """The address the provider vouches for (`email_verified` true), else ""."""
    for address in sociallogin.email_addresses:
        if address.verified and address.email:
            return address.email
    return ""


@transaction.atomic
def accept_invitations_for(user, email: str) -> list[str]:
    """Accepts every open invitation to `email`; returns the names of the teams joined."""
    cutoff = timezone.now() - timedelta(days=INVITATION_DAYS)
    joined = []
    invitations = Invitation.objects.select_for_update().select_related("team")
    for invitation in invitations.filter(
        email__iexact=email, accepted_at__isnull=True, created_at__gte=cutoff
    ):
        TeamMembership.objects.get_or_create(
            team=invitation.team, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        joined.append(invitation.team.name)
    return joined


@receiver(allauth_user_logged_in, dispatch_uid="signin-sso-provisioning")
def _after_sso_login(sender, request, user, sociallogin=None, **kwargs) -> None:
    if sociallogin is None:
        return
    provider = provider_config(sociallogin.account.provider)
    if provider is not None and provider.team_rules:
        groups = groups_from_claim(claims_of(sociallogin).get(provider.groups_claim))
        changes = apply_team_rules(user, provider.team_rules, groups)
        if changes:
            logger.info("SSO %s: %s %s", provider.id, user.get_username(), ", ".join(changes))
    if email := verified_email(sociallogin):
        accept_invitations_for(user, email)
