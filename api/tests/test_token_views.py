"""Tokens in the user's settings: created after a recent sign-in (else the password again),
shown once, listed by prefix, revoked by their owner only."""

import re
import time

from django.urls import reverse

from api.models import ApiToken
from api.signin import SESSION_KEY
from api.tests.helpers import bearer, token_for
from projects.tests.factories import PASSWORD
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

NEW = reverse("api-token-create")


def _created_token(response) -> str:
    match = re.search(r'id="new-token">(sntryu_[0-9a-f]{64})<', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def test_a_fresh_sign_in_creates_a_token_shown_once(member_client, member):
    form = member_client.get(NEW).content.decode()
    assert 'name="password"' not in form
    response = member_client.post(NEW, {"name": "deploy", "scopes": ["project:releases"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = _created_token(response)
    assert member_client.get("/api/0/", **bearer(token)).status_code == 200

    listing = member_client.get(reverse("api-tokens")).content.decode()
    row = ApiToken.objects.get(user=member)
    assert row.prefix in listing and token not in listing and "deploy" in listing


def test_an_old_sign_in_asks_for_the_password_again(member_client, member):
    session = member_client.session
    session[SESSION_KEY] = time.time() - 16 * 60
    session.save()
    assert 'name="password"' in member_client.get(NEW).content.decode()

    wrong = member_client.post(NEW, {"scopes": ["event:read"], "password": "nope"})
    assert "That is not your password" in wrong.content.decode()
    assert not ApiToken.objects.filter(user=member).exists()

    right = member_client.post(NEW, {"scopes": ["event:read"], "password": PASSWORD})
    _created_token(right)
    # Confirming the password counts as a fresh sign-in.
    assert 'name="password"' not in member_client.get(NEW).content.decode()


def test_a_session_without_a_recorded_sign_in_asks_for_the_password(client, member):
    client.force_login(member)  # no sign-in signal: no recorded time
    session = client.session
    session.pop(SESSION_KEY, None)
    session.save()
    assert 'name="password"' in client.get(NEW).content.decode()


def test_unknown_scopes_are_refused(member_client, member):
    response = member_client.post(NEW, {"scopes": ["root:everything"]})
    assert response.status_code == 200 and not ApiToken.objects.filter(user=member).exists()


def test_revoke_own_token_only(member_client, member, outsider):
    token = token_for(member, "event:read")
    other = token_for(outsider, "event:read")
    own_row = ApiToken.objects.get(user=member)
    other_row = ApiToken.objects.get(user=outsider)

    assert member_client.post(reverse("api-token-revoke", args=[other_row.pk])).status_code == 404
    response = member_client.post(reverse("api-token-revoke", args=[own_row.pk]))
    assert response.status_code == 302
    assert member_client.get("/api/0/", **bearer(token)).status_code == 401
    assert member_client.get("/api/0/", **bearer(other)).status_code == 200
    assert "revoked" in member_client.get(reverse("api-tokens")).content.decode()


def test_token_pages_need_a_sign_in(client, db):
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_superusers_revoke_tokens_in_the_admin_without_seeing_them(client, member):
    from django.contrib.auth import get_user_model

    token = token_for(member, "event:read")
    row = ApiToken.objects.get(user=member)
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client.login(username="root", password=PASSWORD)
    change = f"/admin/api/apitoken/{row.pk}/change/"
    page = client.get(change).content.decode()
    assert row.prefix in page and row.token_hash not in page and token not in page
    assert client.get("/admin/api/apitoken/add/").status_code == 403
    response = client.post(change, {"name": row.name, "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.is_enabled  # the unticked box revoked it
    assert client.get("/api/0/", **bearer(token)).status_code == 401
