"""The login page with single sign-on configured, SSO-only mode, the sessions page, and what an
SSO sign-in does to teams and invitations (the provider itself: tests/test_sso_live.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from projects.models import Invitation, Team, TeamMembership
from projects.tests.factories import PASSWORD, make_project, make_user
from signin.models import AuditEvent
from signin.oidc_config import configured_providers, parse_team_rules
from signin.provisioning import accept_invitations_for
from signin.team_rules import apply_team_rules

pytestmark = pytest.mark.django_db(databases="__all__")

PROVIDERS = configured_providers(
    '[{"id": "acme", "label": "Acme SSO", "server_url": "https://sso.acme.example/realms/x",'
    ' "client_id": "bugsink"}]',
    {},
)


@pytest.fixture
def sso_configured(settings):
    settings.OIDC_PROVIDERS = PROVIDERS


def test_login_page_offers_each_provider_and_allows_its_origin(client, sso_configured):
    response = client.get(reverse("login") + "?next=/teams/")
    page = response.content.decode()
    assert "Sign in with Acme SSO" in page
    assert 'action="/accounts/oidc/acme/login/?process=login&amp;next=%2Fteams%2F"' in page
    assert 'id="id_username"' in page  # the password form stays
    form_action = next(
        part for part in response["Content-Security-Policy"].split("; ")
        if part.startswith("form-action")
    )  # fmt: skip
    assert form_action == "form-action 'self' https://sso.acme.example"


def test_sso_only_refuses_passwords_except_for_superusers(client, settings, sso_configured):
    settings.SSO_ONLY = True
    user = make_user("ann")
    response = client.post(reverse("login"), {"username": "ann", "password": PASSWORD})
    assert b"Password sign-in is off on this server" in response.content
    assert client.get(reverse("project-list")).status_code == 302
    # The same answer for a wrong password: it tells nothing about the password.
    response = client.post(reverse("login"), {"username": "ann", "password": "wrong"})
    assert b"Password sign-in is off on this server" in response.content
    assert AuditEvent.objects.filter(user=user, kind="password_refused").count() == 2

    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    response = client.post(reverse("login"), {"username": "root", "password": PASSWORD})
    assert response.status_code == 302  # the break-glass account
    assert (
        "Administrator sign-in with a password" in Client().get(reverse("login")).content.decode()
    )


def test_sso_only_invitations_and_password_resets(client, settings, sso_configured):
    settings.SSO_ONLY = True
    settings.EMAIL_HOST = "mail.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    project = make_project()
    invitation = Invitation.objects.create(team=project.team, email="new@example.com")
    page = client.get(reverse("invitation", args=[invitation.token])).content.decode()
    assert "Sign in with Acme SSO" in page and "password1" not in page
    make_user("ann")
    client.post(reverse("password_reset"), {"email": "ann@example.com"})
    assert mail.outbox == []  # ann cannot use a password: no link


def test_sessions_page_lists_and_ends_the_other_sessions(settings):
    user = make_user("ann")
    laptop, phone = Client(), Client()
    for client in (laptop, phone):
        client.post(reverse("login"), {"username": "ann", "password": PASSWORD})
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert page.content.decode().count("<tr") >= 3  # a header row and both sessions
    laptop.post(reverse("usersessions_list"))
    assert phone.get(reverse("project-list")).status_code == 302  # signed out
    assert laptop.get(reverse("project-list")).status_code == 200
    assert AuditEvent.objects.filter(user=user, kind="signed_in").count() == 2


def test_team_rules_move_memberships_and_leave_other_teams_alone():
    user = make_user("ann")
    manual = Team.objects.create(name="Hand-made")
    TeamMembership.objects.create(team=manual, user=user, role="admin")
    rules = parse_team_rules("devs=Backend; leads=Backend:admin; web=Frontend", "x")
    assert apply_team_rules(user, rules, {"devs"}) == ["joined Backend as member"]
    assert apply_team_rules(user, rules, {"devs", "leads"}) == ["admin in Backend"]
    assert apply_team_rules(user, rules, {"web"}) == ["left Backend", "joined Frontend as member"]
    roles = dict(TeamMembership.objects.filter(user=user).values_list("team__name", "role"))
    assert roles == {"Hand-made": "admin", "Frontend": "member"}


def test_open_invitations_to_the_address_are_accepted():
    project = make_project()
    user = make_user("ann")
    Invitation.objects.create(team=project.team, email="Ann@Example.com", role="admin")
    assert accept_invitations_for(user, "ann@example.com") == [project.team.name]
    assert TeamMembership.objects.get(user=user).role == "admin"
    assert accept_invitations_for(user, "ann@example.com") == []  # used once
