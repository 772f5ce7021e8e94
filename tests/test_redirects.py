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
def email_on(settings):
    # Password reset and invitations follow their links only when email is configured; the
    # test backend keeps every message in memory.
    settings.EMAIL_HOST = "mail.example"


@pytest.fixture
def world(db) -> World:
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


# Each case makes one request that its view answers with a redirect (or, for logout, the
# "logged out" page); `evil` goes in as every redirect parameter, in the URL and the form.
Call = Callable[[Client, World, str], object]
REDIRECTING_VIEWS: dict[str, Call] = {}


def case(name: str) -> Callable[[Call], Call]:
    def register(call: Call) -> Call:
        REDIRECTING_VIEWS[name] = call
        return call

    return register


@case("bulk resolve")
def _(c, w, e):
    data = {"action": "resolve", "issue": [w.issue.pk]}
    return post(signed_in(c, w.admin), reverse("issue-bulk", args=[w.project.pk]), e, data)


@case("bulk delete confirmed")
def _(c, w, e):
    data = {"action": "delete", "issue": [w.issue.pk], "confirmed": "1"}
    return post(signed_in(c, w.admin), reverse("issue-bulk", args=[w.project.pk]), e, data)


@case("bulk without selection")
def _(c, w, e):
    data = {"action": "resolve"}
    return post(signed_in(c, w.admin), reverse("issue-bulk", args=[w.project.pk]), e, data)


@case("issue action")
def _(c, w, e):
    return post(signed_in(c, w.admin), _issue_url(w, "issue-action", "resolve"), e)


@case("issue action refused")
def _(c, w, e):
    url = _issue_url(w, "issue-action", "mute")
    return post(signed_in(c, w.admin), url, e, {"until": "custom"})


@case("issue delete")
def _(c, w, e):
    return post(signed_in(c, w.admin), _issue_url(w, "issue-action", "delete"), e)


@case("project settings")
def _(c, w, e):
    url = reverse("project-settings", args=[w.project.pk])
    return post(signed_in(c, w.admin), url, e, {"name": "Shop"})


@case("project keys")
def _(c, w, e):
    url = reverse("project-keys", args=[w.project.pk])
    return post(signed_in(c, w.admin), url, e, {"action": "create"})


@case("project alerts")
def _(c, w, e):
    url = reverse("project-alerts", args=[w.project.pk])
    return post(signed_in(c, w.admin), url, e, {"action": "switches"})


@case("old members link")
def _(c, w, e):
    return get(signed_in(c, w.admin), reverse("team-members", args=[w.project.pk]), e)


@case("project create")
def _(c, w, e):
    data = {"team": w.project.team_id, "name": "New"}
    return post(signed_in(c, w.admin), reverse("project-create"), e, data)


@case("team create")
def _(c, w, e):
    return post(signed_in(c, w.admin), reverse("team-create"), e, {"name": "Fresh"})


@case("team member role")
def _(c, w, e):
    url = reverse("team-detail", args=[w.project.team_id])
    return post(signed_in(c, w.superuser), url, e, {"user": w.admin.pk, "role": "member"})


@case("team settings")
def _(c, w, e):
    url = reverse("team-settings", args=[w.project.team_id])
    return post(signed_in(c, w.admin), url, e, {"name": "Team A", "is_open": "on"})


@case("team add member")
def _(c, w, e):
    url = reverse("team-add-member", args=[w.project.team_id])
    return post(signed_in(c, w.admin), url, e, {"user": "root", "role": "member"})


@case("team invite")
def _(c, w, e):
    url = reverse("team-invite", args=[w.project.team_id])
    return post(signed_in(c, w.admin), url, e, {"email": "x@example.com", "role": "member"})


@case("team join")
def _(c, w, e):
    team = Team.objects.create(name="Open", is_open=True)
    return post(signed_in(c, make_user("joiner")), reverse("team-join", args=[team.pk]), e)


@case("invitation accepted")
def _(c, w, e):
    invitation = Invitation.objects.create(team=w.project.team, email="g@example.com")
    url = reverse("invitation", args=[invitation.token])
    return post(signed_in(c, make_user("guest")), url, e)


@case("invitation sign-up")
def _(c, w, e):
    invitation = Invitation.objects.create(team=w.project.team, email="n@example.com")
    passphrase = "a fine long passphrase"
    data = {"username": "newbie", "password1": passphrase, "password2": passphrase}
    return post(c, reverse("invitation", args=[invitation.token]), e, data)


@case("login required")
def _(c, w, e):
    return get(c, reverse("issue-list", args=[w.project.pk]), e)


@case("login")
def _(c, w, e):
    return post(c, reverse("login"), e, {"username": "boss", "password": PASSWORD})


@case("logout")
def _(c, w, e):
    return post(signed_in(c, w.admin), reverse("logout"), e)


@case("password change")
def _(c, w, e):
    new = "another fine passphrase"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    return post(signed_in(c, w.admin), reverse("password_change"), e, data)


@case("password reset")
def _(c, w, e):
    return post(c, reverse("password_reset"), e, {"email": "boss@example.com"})


@case("password reset link")
def _(c, w, e):
    return get(c, _reset_link(w.admin), e)


@case("admin login")
def _(c, w, e):
    return post(c, reverse("admin:login"), e, {"username": "root", "password": PASSWORD})


@case("admin logout")
def _(c, w, e):
    return post(signed_in(c, w.superuser), reverse("admin:logout"), e)


@case("re-authentication")
def _(c, w, e):
    return post(signed_in(c, w.admin), reverse("account_reauthenticate"), e, {"password": PASSWORD})


@case("end other sessions")
def _(c, w, e):
    return post(signed_in(c, w.admin), reverse("usersessions_list"), e)


@case("second-factor step")
def _(c, w, e):
    return post(c, reverse("mfa_authenticate"), e, {"code": "123456"})


# Logging out with an unusable `next` shows the "logged out" page instead of redirecting.
MAY_ANSWER_200 = {"logout", "admin logout"}


def assert_on_site(location: str) -> None:
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "testserver"), location
    assert location.startswith(("/", "http://testserver/")), location
    assert not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("evil", EVIL_TARGETS)
@pytest.mark.parametrize("name", list(REDIRECTING_VIEWS))
def test_redirects_stay_on_site(client, world, name, evil):
    response = REDIRECTING_VIEWS[name](client, world, evil)
    if response.status_code == 200:
        assert name in MAY_ANSWER_200, name
        return
    assert response.status_code in (301, 302, 303), response.status_code
    assert_on_site(response["Location"])


@pytest.mark.parametrize("evil", EVIL_TARGETS)
def test_safe_next_refuses_and_accepts(rf, evil):
    from core.redirects import safe_next

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
