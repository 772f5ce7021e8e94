"""Admins invite people to a team; the link lets them join once, signing up if needed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from projects.models import Invitation, TeamMembership
from projects.tests.factories import PASSWORD
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

# Ingestion spools into its own database on SQLite (events/routers.py): allow every alias.
pytestmark = pytest.mark.django_db(databases="__all__")


def invite(client, project, email="new@example.com", role="member"):
    url = reverse("team-invite", args=[project.team_id])
    return client.post(url, {"email": email, "role": role})


def test_admin_invites_and_new_user_signs_up(client, project, admin_member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = "mail.example"
    client.login(username=admin_member.username, password=PASSWORD)
    invite(client, project)
    invitation = Invitation.objects.get()
    assert invitation.token in mail.outbox[0].body
    client.logout()

    url = reverse("invitation", args=[invitation.token])
    assert b"Create account" in client.get(url).content
    data = {
        "username": "newbie",
        "password1": "a fine long passphrase",
        "password2": "a fine long passphrase",
    }  # noqa: E501
    response = client.post(url, data)
    assert response.status_code == 302
    membership = TeamMembership.objects.get(user__username="newbie")
    assert membership.team == project.team and membership.user.email == "new@example.com"
    assert client.get(reverse("issue-list", args=[project.pk])).status_code == 200
    client.logout()
    assert client.get(url).status_code == 404  # used once


def test_existing_user_joins(client, project, admin_member, outsider):
    client.login(username=admin_member.username, password=PASSWORD)
    invite(client, project, outsider.email, "admin")
    token = Invitation.objects.get().token
    client.login(username=outsider.username, password=PASSWORD)
    url = reverse("invitation", args=[token])
    assert b"Join team" in client.get(url).content
    client.post(url)
    assert TeamMembership.objects.get(user=outsider, team=project.team).role == "admin"


def test_member_cannot_invite(member_client, project):
    assert invite(member_client, project).status_code == 403
    assert not Invitation.objects.exists()


def test_anonymous_and_outsider_cannot_invite(client, project, outsider):
    assert invite(client, project).status_code == 302
    client.login(username=outsider.username, password=PASSWORD)
    assert invite(client, project).status_code == 404
    assert not Invitation.objects.exists()


def test_expired_or_unknown_token(client, project, admin_member):
    invitation = Invitation.objects.create(team=project.team, email="x@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert client.get(reverse("invitation", args=[invitation.token])).status_code == 404
    assert client.get(reverse("invitation", args=["nope"])).status_code == 404


def test_invite_form_defaults_to_member(client, project, admin_member):
    client.login(username=admin_member.username, password=PASSWORD)
    page = client.get(reverse("team-detail", args=[project.team_id])).content.decode()
    form = page.split('class="stacked invite"', 1)[1].split("</form>", 1)[0]
    assert '<option value="member" selected>' in form
    assert '<option value="admin" selected>' not in form


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_invitation_emailed_over_real_smtp_says_so(client, project, admin_member, settings):
    from alerts.tests.conftest import use_smtp_server
    from alerts.tests.servers import SmtpServer

    server = SmtpServer().start()
    try:
        use_smtp_server(settings, server.port)
        client.login(username=admin_member.username, password=PASSWORD)
        response = invite(client, project, "new@example.com")
        (received,) = server.wait_for(lambda msgs: len(msgs) >= 1, timeout=30)
    finally:
        server.stop()
    token = Invitation.objects.get().token
    assert received.recipients == ["new@example.com"] and token in received.text
    page = client.get(response["Location"])
    assert _messages(page) == ["Invitation emailed to new@example.com."]
    assert token not in page.content.decode()  # it went out by email; no need to show it


def test_invitation_email_failure_shows_the_link(client, project, admin_member, settings):
    from alerts.tests.conftest import use_smtp_server
    from alerts.tests.servers import free_port

    use_smtp_server(settings, free_port())  # nothing listens there: the connection is refused
    client.login(username=admin_member.username, password=PASSWORD)
    response = invite(client, project, "new@example.com")
    (message,) = _messages(client.get(response["Location"]))
    token = Invitation.objects.get().token
    assert "could not be sent" in message and f"/invitations/{token}/" in message


def test_invitation_without_email_shows_the_link(client, project, admin_member, settings):
    settings.EMAIL_HOST = ""
    client.login(username=admin_member.username, password=PASSWORD)
    page = client.get(reverse("team-detail", args=[project.team_id])).content.decode()
    assert "This server sends no email" in page
    response = invite(client, project, "new@example.com")
    (message,) = _messages(client.get(response["Location"]))
    token = Invitation.objects.get().token
    assert "sends no email" in message and f"/invitations/{token}/" in message
    assert not mail.outbox


def test_bad_invitation_is_a_400_with_the_reason(client, project, admin_member):
    client.login(username=admin_member.username, password=PASSWORD)
    response = invite(client, project, "not an address")
    assert response.status_code == 400 and "Enter a valid email address" in (
        response.content.decode()
    )
    assert not Invitation.objects.exists()
