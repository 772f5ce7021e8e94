"""No redirect leaves the site, whatever `next` (or `back`, `return_to`, ...) a crafted link or
form carries: every view that answers with a redirect is called with each hostile target, in
the query string and in the form, and its Location must stay on this server.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode

from issues.models import Issue
from projects.models import Invitation, Project, Team
from projects.tests.factories import PASSWORD, ingest, make_project, make_user, python_event

pytestmark = pytest.mark.django_db(databases="__all__")

EVIL_TARGETS = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example/",
    "javascript:alert(1)",
]
# Every name a view might read a redirect target from.
TARGET_PARAMS = ("next", "back", "return_to", "redirect_to")


@dataclass
class World:
    project: Project
    issue: Issue
    admin: object
    superuser: object


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Many logins and new accounts: the slow production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, fast_passwords) -> World:
    project = make_project()
    ingest(project, python_event())
    admin = make_user("boss", project.team, role="admin")
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    return World(project, Issue.objects.get(project=project), admin, superuser)


def with_targets(url: str, evil: str, data: dict | None = None) -> tuple[str, dict]:
    hostile = dict.fromkeys(TARGET_PARAMS, evil)
    return f"{url}?{urlencode(hostile)}", {**hostile, **(data or {})}


def signed_in(client: Client, user) -> Client:
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def post(client: Client, url: str, evil: str, data: dict | None = None):
    full_url, body = with_targets(url, evil, data)
    return client.post(full_url, body)


def get(client: Client, url: str, evil: str):
    return client.get(with_targets(url, evil)[0])


def _issue_url(w: World, name: str, *extra) -> str:
    return reverse(name, args=[w.project.pk, w.issue.pk, *extra])


def _reset_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])


# (name, call): each call makes a request that the view answers with a redirect.
Call = Callable[[Client, World, str], object]
REDIRECTING_VIEWS: list[tuple[str, Call]] = [
    ("bulk resolve", lambda c, w, e: post(signed_in(c, w.admin), reverse("issue-bulk", args=[w.project.pk]), e, {"action": "resolve", "issue": [w.issue.pk]})),  # noqa: E501
    ("bulk delete confirmed", lambda c, w, e: post(signed_in(c, w.admin), reverse("issue-bulk", args=[w.project.pk]), e, {"action": "delete", "issue": [w.issue.pk], "confirmed": "1"})),  # noqa: E501
    ("bulk without selection", lambda c, w, e: post(signed_in(c, w.admin), reverse("issue-bulk", args=[w.project.pk]), e, {"action": "resolve"})),  # noqa: E501
    ("issue action", lambda c, w, e: post(signed_in(c, w.admin), _issue_url(w, "issue-action", "resolve"), e)),  # noqa: E501
    ("issue action refused", lambda c, w, e: post(signed_in(c, w.admin), _issue_url(w, "issue-action", "mute"), e, {"until": "custom"})),  # noqa: E501
    ("issue delete", lambda c, w, e: post(signed_in(c, w.admin), _issue_url(w, "issue-action", "delete"), e)),  # noqa: E501
    ("project settings", lambda c, w, e: post(signed_in(c, w.admin), reverse("project-settings", args=[w.project.pk]), e, {"name": "Shop"})),  # noqa: E501
    ("project keys", lambda c, w, e: post(signed_in(c, w.admin), reverse("project-keys", args=[w.project.pk]), e, {"action": "create"})),  # noqa: E501
    ("project alerts", lambda c, w, e: post(signed_in(c, w.admin), reverse("project-alerts", args=[w.project.pk]), e, {"action": "switches"})),  # noqa: E501
    ("old members link", lambda c, w, e: get(signed_in(c, w.admin), reverse("team-members", args=[w.project.pk]), e)),  # noqa: E501
    ("project create", lambda c, w, e: post(signed_in(c, w.admin), reverse("project-create"), e, {"team": w.project.team_id, "name": "New"})),  # noqa: E501
    ("team create", lambda c, w, e: post(signed_in(c, w.admin), reverse("team-create"), e, {"name": "Fresh"})),  # noqa: E501
    ("team member role", lambda c, w, e: post(signed_in(c, w.superuser), reverse("team-detail", args=[w.project.team_id]), e, {"user": w.admin.pk, "role": "member"})),  # noqa: E501
    ("team settings", lambda c, w, e: post(signed_in(c, w.admin), reverse("team-settings", args=[w.project.team_id]), e, {"name": "Team A", "is_open": "on"})),  # noqa: E501
    ("team add member", lambda c, w, e: post(signed_in(c, w.admin), reverse("team-add-member", args=[w.project.team_id]), e, {"user": "root", "role": "member"})),  # noqa: E501
    ("team invite", lambda c, w, e: post(signed_in(c, w.admin), reverse("team-invite", args=[w.project.team_id]), e, {"email": "x@example.com", "role": "member"})),  # noqa: E501
    ("team join", lambda c, w, e: post(signed_in(c, make_user("joiner")), reverse("team-join", args=[Team.objects.create(name="Open", is_open=True).pk]), e)),  # noqa: E501
    ("invitation accepted", lambda c, w, e: post(signed_in(c, make_user("guest")), reverse("invitation", args=[Invitation.objects.create(team=w.project.team, email="g@example.com").token]), e)),  # noqa: E501
    ("invitation sign-up", lambda c, w, e: post(c, reverse("invitation", args=[Invitation.objects.create(team=w.project.team, email="n@example.com").token]), e, {"username": "newbie", "password1": "a fine long passphrase", "password2": "a fine long passphrase"})),  # noqa: E501
    ("login required", lambda c, w, e: get(c, reverse("issue-list", args=[w.project.pk]), e)),
    ("login", lambda c, w, e: post(c, reverse("login"), e, {"username": "boss", "password": PASSWORD})),  # noqa: E501
    ("logout", lambda c, w, e: post(signed_in(c, w.admin), reverse("logout"), e)),
    ("password change", lambda c, w, e: post(signed_in(c, w.admin), reverse("password_change"), e, {"old_password": PASSWORD, "new_password1": "another fine passphrase", "new_password2": "another fine passphrase"})),  # noqa: E501
    ("password reset", lambda c, w, e: post(c, reverse("password_reset"), e, {"email": "boss@example.com"})),  # noqa: E501
    ("password reset link", lambda c, w, e: get(c, _reset_link(w.admin), e)),
    ("admin login", lambda c, w, e: post(c, reverse("admin:login"), e, {"username": "root", "password": PASSWORD})),  # noqa: E501
    ("admin logout", lambda c, w, e: post(signed_in(c, w.superuser), reverse("admin:logout"), e)),  # noqa: E501
]
# Logging out with an unusable `next` shows the "logged out" page instead of redirecting.
MAY_ANSWER_200 = {"logout", "admin logout"}


def assert_on_site(location: str) -> None:
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "testserver"), location
    assert location.startswith(("/", "http://testserver/")), location
    assert not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("evil", EVIL_TARGETS)
@pytest.mark.parametrize(
    "call", [c for _, c in REDIRECTING_VIEWS], ids=[name for name, _ in REDIRECTING_VIEWS]
)
def test_redirects_stay_on_site(client, world, call, evil):
    response = call(client, world, evil)
    if response.status_code == 200:
        assert call in {c for n, c in REDIRECTING_VIEWS if n in MAY_ANSWER_200}
        return
    assert response.status_code in (301, 302, 303), response.status_code
    assert_on_site(response["Location"])


@pytest.mark.parametrize("evil", EVIL_TARGETS)
def test_safe_next_refuses_and_accepts(rf, evil):
    from bugsink.redirects import safe_next

    request = rf.get("/")
    assert safe_next(request, evil, "/fallback/") == "/fallback/"
    assert safe_next(request, "/projects/1/issues/?tab=all", "/x/") == "/projects/1/issues/?tab=all"
    assert safe_next(request, "http://testserver/ok/", "/x/") == "http://testserver/ok/"


def test_bulk_action_follows_an_on_site_next(client, world):
    back = reverse("issue-list", args=[world.project.pk]) + "?tab=all&q=level%3Aerror"
    response = signed_in(client, world.admin).post(
        reverse("issue-bulk", args=[world.project.pk]),
        {"action": "resolve", "issue": [world.issue.pk], "next": back},
    )
    assert response["Location"] == back
