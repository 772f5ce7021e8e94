"""Inviting people to a team: an admin sends a link; the invitee joins (signing up if needed).

The invitation page is the one UI page reachable without login: the unguessable token in the
link is the authorization, it works once, and it expires after INVITATION_DAYS.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alerts.email_config import email_is_configured
from projects.access import is_team_admin, team_for
from projects.forms import InviteForm
from projects.models import INVITATION_DAYS, Invitation, TeamMembership
from projects.team_views import team_page_context
from signin.sso import sso_buttons

logger = logging.getLogger(__name__)


def invitation_url(invitation: Invitation) -> str:
    return settings.BASE_URL + reverse("invitation", args=[invitation.token])


@login_required
@require_POST
def invite(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for(request.user, team_id)
    if not is_team_admin(request.user, team):
        raise PermissionDenied("Only the team's admins can invite people.")
    form = InviteForm(request.POST)
    if not form.is_valid():
        context = team_page_context(request, team, True, invite_form=form)
        return render(request, "projects/team.html", context, status=400)
    invitation = Invitation.objects.create(
        team=team, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
        invited_by=request.user,
    )  # fmt: skip
    link = invitation_url(invitation)
    if not email_is_configured():
        messages.warning(
            request,
            f"Invitation for {invitation.email} made, but this server sends no email "
            f"(EMAIL_HOST is not set). Pass this link on yourself: {link}",
        )
    elif error := _send_invitation(request, invitation, link):
        messages.warning(
            request,
            f"Invitation for {invitation.email} made, but the email could not be sent "
            f"({error}). Pass this link on yourself: {link}",
        )
    else:
        messages.success(request, f"Invitation emailed to {invitation.email}.")
    return redirect("team-detail", team.pk)


def _send_invitation(request: HttpRequest, invitation: Invitation, link: str) -> str:
    """Email the invitation; returns "" when the mail server took it, else what went wrong."""
    team = invitation.team
    try:
        send_mail(
            f"You are invited to {team.name} on Bugsink",
            f"{request.user.get_username()} invites you to the team {team.name}.\n\n"
            f"Join here (valid for {INVITATION_DAYS} days):\n{link}\n",
            None,
            [invitation.email],
        )
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("invitation email to %s failed: %s", invitation.email, exc)
        return str(exc) or type(exc).__name__
    return ""


def _open_invitation(token: str) -> Invitation:
    cutoff = timezone.now() - timedelta(days=INVITATION_DAYS)
    try:
        return Invitation.objects.select_related("team").get(
            token=token, accepted_at__isnull=True, created_at__gte=cutoff
        )
    except Invitation.DoesNotExist:
        raise Http404("This invitation is invalid, used or expired.") from None


def _joined_by_sso(user, token: str) -> Invitation | None:
    """The invitation, when a single sign-on just accepted it for this user (by their verified
    email) on the way back to this page."""
    return (
        Invitation.objects.select_related("team")
        .filter(token=token, accepted_at__isnull=False, team__memberships__user=user)
        .first()
    )


@transaction.atomic
def _accept(invitation: Invitation, user) -> None:
    TeamMembership.objects.get_or_create(
        team=invitation.team, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    if request.user.is_authenticated and (joined := _joined_by_sso(request.user, token)):
        messages.success(request, f"You joined {joined.team.name}.")
        return redirect("project-list")
    invitation = _open_invitation(token)
    if request.user.is_authenticated:
        if request.method == "POST":
            _accept(invitation, request.user)
            messages.success(request, f"You joined {invitation.team.name}.")
            return redirect("project-list")
        return render(request, "projects/invitation.html", {"invitation": invitation})
    # Single sign-on returns here signed in (the invitation then joins as above); in SSO-only
    # mode it is the only way: no password account is made.
    context = {"invitation": invitation, "sso_buttons": sso_buttons(request, request.path)}
    if settings.SSO_ONLY:
        return render(request, "projects/invitation.html", context)
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.email = invitation.email
            user.save()
            _accept(invitation, user)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        return redirect("project-list")
    return render(request, "projects/invitation.html", {**context, "form": form})
