"""Project list, settings, keys, members and the account pages."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from projects.models import ProjectKey, TeamMembership
from projects.tests.factories import PASSWORD, ingest, make_user, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)
from tests.asgi import asgi_post
from tests.live import free_port

# Ingestion spools into its own database on SQLite (events/routers.py): allow every alias.
pytestmark = pytest.mark.django_db(databases="__all__")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_project_list_shows_own_projects_with_counts(member_client, project, outsider):
    ingest(project, python_event())
    response = member_client.get(reverse("project-list"))
    body = response.content.decode()
    assert project.name in body and "Other" not in body
    (row,) = response.context["projects"]
    assert row.open_issues == 1 and row.sparkline.total == 1


def test_pages_redirect_anonymous(client, project):
    for name in ("project-settings", "team-members"):
        response = client.get(reverse(name, args=[project.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("project-keys", args=[project.pk])).status_code == 302
    for name in ("team-list", "team-create", "project-create"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(reverse("team-detail", args=[project.team_id]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_team_gets_404(client, project, outsider):
    login(client, outsider)
    for name in ("project-settings", "team-members", "issue-list"):
        assert client.get(reverse(name, args=[project.pk])).status_code == 404
    assert client.get(reverse("team-detail", args=[project.team_id])).status_code == 404
    response = client.post(reverse("project-keys", args=[project.pk]), {"action": "create"})
    assert response.status_code == 404
    assert ProjectKey.objects.filter(project=project).count() == 1


def test_settings_shows_dsn_and_snippets(member_client, project):
    body = member_client.get(reverse("project-settings", args=[project.pk])).content.decode()
    dsn = project.keys.get().dsn()
    assert dsn in body and "sentry_sdk.init" in body and "Sentry.init" in body


def test_member_cannot_change_settings(member_client, project):
    url = reverse("project-settings", args=[project.pk])
    assert member_client.post(url, {"name": "Hacked"}).status_code == 403
    keys = reverse("project-keys", args=[project.pk])
    assert member_client.post(keys, {"action": "create"}).status_code == 403
    project.refresh_from_db()
    assert project.name == "Shop"


def test_admin_renames_and_manages_keys(client, project, admin_member):
    login(client, admin_member)
    client.post(reverse("project-settings", args=[project.pk]), {"name": "Shop 2"})
    project.refresh_from_db()
    assert project.name == "Shop 2"
    keys = reverse("project-keys", args=[project.pk])
    client.post(keys, {"action": "create", "label": "mobile"})
    new = ProjectKey.objects.get(project=project, label="mobile")
    client.post(keys, {"action": "revoke", "key": new.pk})
    new.refresh_from_db()
    assert not new.is_active


def test_members_page_and_roles(client, project, admin_member, member):
    login(client, admin_member)
    old_url = reverse("team-members", args=[project.pk])  # the project's "Members" link
    url = reverse("team-detail", args=[project.team_id])
    assert client.get(old_url)["Location"] == url
    body = client.get(url).content.decode()
    assert "member" in body and "boss" in body
    client.post(url, {"user": member.pk, "role": "admin"})
    assert TeamMembership.objects.get(user=member).role == "admin"
    client.post(url, {"user": member.pk, "remove": "1"})
    assert not TeamMembership.objects.filter(user=member).exists()


def test_plain_member_cannot_manage_members(member_client, project, admin_member, member):
    url = reverse("team-detail", args=[project.team_id])
    assert member_client.post(url, {"user": admin_member.pk, "remove": "1"}).status_code == 403
    assert TeamMembership.objects.filter(user=admin_member).exists()


def test_login_logout(client, member):
    response = client.post(
        reverse("login"), {"username": member.username, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("project-list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("project-list")).status_code == 302


def test_login_page_and_csrf(member):
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(reverse("login"))
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = strict.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    assert response.status_code == 403


def test_password_change(member_client, member):
    url = reverse("password_change")
    assert member_client.get(url).status_code == 200
    new = "an even better passphrase 42"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    assert member_client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.check_password(new)


def test_password_reset_by_email(client, member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = "mail.example"
    assert client.get(reverse("password_reset")).status_code == 200
    client.post(reverse("password_reset"), {"email": member.email})
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200 and b"new_password1" in response.content
    new = "a brand new passphrase 7"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new)


@pytest.mark.django_db(databases="__all__", transaction=True)  # ingest commits its own writes
def test_ingest_needs_no_login(project):
    key = project.keys.get().public_key
    response = asgi_post(
        f"/api/{project.pk}/store/?sentry_key={key}",
        b'{"message": "hi"}',
        {"Content-Type": "application/json"},
    )
    assert response.status_code == 200


def test_security_headers(member_client):
    response = member_client.get(reverse("project-list"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_new_user_sees_nothing(client, project):
    login(client, make_user("new"))
    assert client.get(reverse("issue-list", args=[project.pk])).status_code == 404


def test_admin_sets_alert_switches_and_webhooks(client, project, admin_member):
    from alerts.models import ProjectAlertSettings, Webhook

    login(client, admin_member)
    url = reverse("project-alerts", args=[project.pk])
    client.post(url, {"action": "switches", "alert_on_new_issue": "on"})
    settings_row = ProjectAlertSettings.objects.get(project=project)
    assert settings_row.alert_on_new_issue and not settings_row.alert_on_regression
    client.post(url, {"action": "add_webhook", "kind": "slack", "url": "https://hooks.example/x"})
    hook = Webhook.objects.get(project=project)
    body = client.get(reverse("project-settings", args=[project.pk])).content.decode()
    assert "https://hooks.example/x" in body
    client.post(url, {"action": "delete_webhook", "webhook": hook.pk})
    assert not Webhook.objects.exists()
    client.post(url, {"action": "add_webhook", "kind": "slack", "url": "hooks.example/y"})
    assert Webhook.objects.get(project=project).url == "https://hooks.example/y"


def test_alerts_need_team_admin(client, member_client, project, outsider):
    from alerts.models import Webhook

    url = reverse("project-alerts", args=[project.pk])
    data = {"action": "add_webhook", "kind": "slack", "url": "https://hooks.example/x"}
    assert member_client.post(url, data).status_code == 403
    member_client.logout()
    assert member_client.post(url, data).status_code == 302  # to login
    login(client, outsider)
    assert client.post(url, data).status_code == 404
    assert not Webhook.objects.exists()


def test_settings_shows_quotas_and_refusals(member_client, project):
    from datetime import date

    from events.models import IngestRejection

    IngestRejection.objects.create(project=project, reason="quota", day=date.today(), count=7)
    body = member_client.get(reverse("project-settings", args=[project.pk])).content.decode()
    assert "events / minute" in body and "attachment: 1000 / minute" in body and ">7</a>" in body


def test_project_list_query_count_is_constant(client, member, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.tests.factories import make_project

    login(client, member)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("project-list"))
    for i in range(5):
        extra = make_project("Team A", f"More {i}")
        ingest(extra, python_event())
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("project-list"))
    assert len(response.context["projects"]) == 6


def test_password_reset_with_email_off_says_so(client, member, settings):
    settings.EMAIL_HOST = ""
    for response in (
        client.get(reverse("password_reset")),
        client.post(reverse("password_reset"), {"email": member.email}),
    ):
        assert response.status_code == 503
        assert b"Email is not configured" in response.content
        assert b"changepassword" in response.content
    assert mail.outbox == []


def test_password_reset_with_a_refusing_mail_server_is_no_500(client, member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens: the connection is refused
    response = client.post(reverse("password_reset"), {"email": member.email})
    assert response.status_code == 302  # the usual "sent" page: it never tells who has an account
    assert response["Location"] == reverse("password_reset_done")
