"""API tokens: stored as a hash, 401 when missing / unknown / revoked / expired / owner
deactivated, 403 out of scope, 404 for another team's project, createtoken prints one, and no
token is ever written to a log."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken
from api.tests.helpers import bearer, token_for
from api.tokens import hash_token
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)
from tests.cli import run_manage

ROOT = "/api/0/"


def test_token_is_stored_only_as_a_hash(member):
    token = token_for(member, "event:read", name="ci")
    row = ApiToken.objects.get(user=member)
    assert token.startswith("sntryu_") and len(token) == 7 + 64
    assert row.token_hash == hash_token(token) and token not in (row.token_hash, row.prefix)
    assert token.startswith(row.prefix) and len(row.prefix) < 16


def test_auth_check_answers_the_owner_and_scopes(client, member):
    token = token_for(member, "event:read", "project:releases")
    response = client.get(ROOT, **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == member.email
    assert body["auth"]["scopes"] == ["event:read", "project:releases"]
    assert ApiToken.objects.get(user=member).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer sntryu_" + "0" * 64, "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500],
)
def test_missing_or_unknown_token_is_401(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(ROOT, **extra)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_expired_and_deactivated_tokens_are_401(client, member):
    revoked = token_for(member, "event:read")
    ApiToken.objects.filter(token_hash=hash_token(revoked)).update(is_enabled=False)
    expired = token_for(member, "event:read", expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(ROOT, **bearer(revoked)).status_code == 401
    response = client.get(ROOT, **bearer(expired))
    assert response.status_code == 401 and "expired" in response.json()["detail"]

    valid = token_for(member, "event:read")
    assert client.get(ROOT, **bearer(valid)).status_code == 200
    member.is_active = False
    member.save()
    assert client.get(ROOT, **bearer(valid)).status_code == 401


def test_out_of_scope_is_403_and_another_teams_project_is_404(client, project, member, outsider):
    releases_only = token_for(member, "project:releases")
    url = f"/api/0/projects/{project.team.slug}/{project.slug}/issues/"
    response = client.get(url, **bearer(releases_only))
    assert response.status_code == 403 and "event:read" in response.json()["detail"]

    reader = token_for(outsider, "event:read", "project:read", "org:read")
    assert client.get(url, **bearer(reader)).status_code == 404
    org = f"/api/0/organizations/{project.team.slug}/"
    assert client.get(org, **bearer(reader)).status_code == 404
    # ... exactly as for a project that does not exist
    missing = f"/api/0/projects/{project.team.slug}/no-such-project/issues/"
    assert client.get(missing, **bearer(reader)).status_code == 404


def test_scopes_imply_the_lesser_ones(client, project, member):
    admin = token_for(member, "event:admin")
    url = f"/api/0/projects/{project.team.slug}/{project.slug}/issues/"
    assert client.get(url, **bearer(admin)).status_code == 200


def test_tokens_never_reach_the_logs(client, member, caplog):
    token = token_for(member, "event:read")
    caplog.set_level(logging.DEBUG)
    client.get(ROOT, **bearer(token))
    client.get("/api/0/organizations/", **bearer(token))  # 403: out of scope
    client.get(ROOT, **bearer(token + "0"))  # 401: unknown
    assert caplog.records, "the refusals are logged"
    assert all(token not in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_createtoken_prints_a_working_token(client):
    from projects.tests.factories import make_user

    user = make_user("cli-user")
    result = run_manage(
        "createtoken", "cli-user", "--scope", "project:releases", "--scope", "org:read",
        "--comment", "deploys",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    row = ApiToken.objects.get(user=user)
    assert row.name == "deploys" and row.scopes == ["org:read", "project:releases"]
    assert client.get(ROOT, **bearer(token)).status_code == 200

    bad = run_manage("createtoken", "cli-user", "--scope", "root:everything")
    assert bad.returncode != 0 and "unknown scope" in bad.stderr
    missing = run_manage("createtoken", "nobody")
    assert missing.returncode != 0 and "no user" in missing.stderr
