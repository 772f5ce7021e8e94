"""Second factor through the real pages: enrol TOTP (the code computed with pyotp from the secret
the page shows), sign out, sign in with password + code; a recovery code works once; the audit
log records each change; MFA_REQUIRED_FOR_ADMINS holds back an admin without a second factor
from every page but the one that sets it up, and never holds back ingest."""

import html
import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.tests.factories import PASSWORD, make_project, make_user
from signin.models import AuditEvent
from tests.asgi import asgi_post

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def password_login(client: Client, user, next_url: str = "/"):
    data = {"username": user.username, "password": PASSWORD, "next": next_url}
    return client.post(reverse("login"), data)


def signed_in(client: Client) -> bool:
    return client.get(reverse("project-list")).status_code == 200


def enrol_totp(client: Client) -> tuple[pyotp.TOTP, list[str]]:
    """Activates TOTP as a user does; returns the authenticator and the recovery codes shown."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:  # a change of second factor asks for the password again
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    page = response.content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    secret = secret or re.search(r'value="([A-Z2-7]{16,})"[^>]*id="authenticator_secret"', page)
    totp = pyotp.TOTP(secret.group(1))
    response = client.post(reverse("mfa_activate_totp"), {"code": totp.now()})
    assert response.status_code == 302, response.content.decode()[:2000]
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    textarea = re.search(
        r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', codes_page, re.S
    )
    codes = html.unescape(textarea.group(1)).split()
    assert len(codes) >= 5
    return totp, codes


def mfa_step(client: Client, code: str):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def test_totp_enrol_then_sign_in_with_a_code_and_a_recovery_code_once(client):
    user = make_user("ann")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert password_login(client, user).status_code == 302
        totp, codes = enrol_totp(client)
        client.post(reverse("logout"))
        clock.shift(timedelta(seconds=90))  # a fresh code: a used one is refused

        # The right password alone no longer signs in: it asks for the code.
        response = password_login(client, user)
        assert response["Location"] == reverse("mfa_authenticate")
        assert not signed_in(client)
        assert mfa_step(client, "000000").status_code == 200  # wrong code: asked again
        assert not signed_in(client)
        assert mfa_step(client, totp.now()).status_code == 302
        assert signed_in(client)
        client.post(reverse("logout"))

        # A recovery code works once.
        password_login(client, user)
        assert mfa_step(client, codes[0]).status_code == 302
        assert signed_in(client)
        client.post(reverse("logout"))
        password_login(client, user)
        assert mfa_step(client, codes[0]).status_code == 200
        assert not signed_in(client)

    kinds = list(AuditEvent.objects.filter(user=user).values_list("kind", "method"))
    assert ("mfa_added", "totp") in kinds
    assert ("signed_in", "password+totp") in kinds
    assert ("signed_in", "password+recovery_codes") in kinds
    assert any(kind == "failed" and method.startswith("mfa:") for kind, method in kinds)


def test_allauth_logins_send_djangos_user_logged_in(client):
    """API tokens (another feature) remember the last sign-in from this signal."""
    seen = []

    def receiver(sender, request, user, **kwargs):
        seen.append(user.username)

    user_logged_in.connect(receiver)
    try:
        user = make_user("bob")
        password_login(client, user)
        totp, _ = enrol_totp(client)
        client.post(reverse("logout"))
        with time_machine.travel(timezone.now() + timedelta(seconds=90)):
            password_login(client, user)
            assert seen == ["bob"]  # the password alone is not a sign-in yet
            mfa_step(client, totp.now())
        assert seen == ["bob", "bob"]
    finally:
        user_logged_in.disconnect(receiver)


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True


def test_admin_without_a_second_factor_sees_only_the_setup_page(client, mfa_required):
    project = make_project()
    admin = make_user("boss", project.team, role="admin")
    password_login(client, admin)
    for url in (reverse("project-list"), reverse("issue-list", args=[project.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    # Setting one up asks for the password again first; both pages are open to the admin.
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(setup["Location"]).status_code == 200
    enrol_totp(client)
    assert signed_in(client)


def test_superuser_without_a_second_factor_cannot_use_the_admin(client, mfa_required):
    root = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    password_login(client, root)
    assert client.get(reverse("admin:index"))["Location"] == reverse("mfa_activate_totp")


def test_members_are_not_held_back(client, mfa_required):
    project = make_project()
    member = make_user("member", project.team)
    password_login(client, member)
    assert signed_in(client)


def test_ingest_never_needs_a_second_factor(client, mfa_required):
    project = make_project()
    admin = make_user("boss", project.team, role="admin")
    password_login(client, admin)
    key = project.keys.get().public_key
    response = asgi_post(
        f"/api/{project.pk}/store/?sentry_key={key}",
        b'{"message": "still accepted"}',
        {"Content-Type": "application/json"},
    )
    assert response.status_code == 200
