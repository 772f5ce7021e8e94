"""The alert settings pages: a project's (for its team) and the user's own ("My alerts").

Where alerts are set up, the pages say so when email is not configured (EMAIL_HOST empty).
"""

import pytest
from django.urls import reverse

from alerts.models import AlertOptOut
from alerts.recipients import alert_recipients
from projects.tests.factories import PASSWORD, make_project, make_user
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db

NOT_CONFIGURED = "Email is not configured"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("as_admin", [True, False])
def test_project_settings_say_email_is_not_configured(
    client, settings, project, member, admin_member, as_admin
):
    login(client, admin_member if as_admin else member)
    url = reverse("project-settings", args=[project.pk])
    settings.EMAIL_HOST = ""
    body = client.get(url).content.decode()
    assert NOT_CONFIGURED in body and "<code>EMAIL_HOST</code>" in body
    assert "Webhooks work without it" in body
    settings.EMAIL_HOST = "smtp.example.com"
    assert NOT_CONFIGURED not in client.get(url).content.decode()


def test_my_alerts_says_email_is_not_configured(member_client, settings):
    settings.EMAIL_HOST = ""
    body = member_client.get(reverse("my-alerts")).content.decode()
    assert NOT_CONFIGURED in body and "<code>EMAIL_HOST</code>" in body
    settings.EMAIL_HOST = "smtp.example.com"
    assert NOT_CONFIGURED not in member_client.get(reverse("my-alerts")).content.decode()


def test_my_alerts_is_linked_from_every_page(member_client):
    body = member_client.get(reverse("project-list")).content.decode()
    assert f'href="{reverse("my-alerts")}"' in body


def test_my_alerts_needs_login(client):
    response = client.get(reverse("my-alerts"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_member_opts_out_and_back_in(client, project, member, outsider):
    other = make_project("Team A", "Back <office>")  # member's team: a second project
    login(client, member)
    url = reverse("my-alerts")

    page = client.get(url)
    body = page.content.decode()
    assert "Shop" in body and "Back &lt;office&gt;" in body and "<office>" not in body
    assert "Other" not in body  # the outsider's project
    form = page.context["form"]
    assert form[f"project_{project.pk}"].value() is True
    assert form[f"project_{other.pk}"].value() is True
    assert "member@example.com" in alert_recipients(project)

    # Unchecked boxes are not sent: only `other` stays checked.
    response = client.post(url, {f"project_{other.pk}": "on"})
    assert response.status_code == 302 and response["Location"] == url
    assert list(AlertOptOut.objects.filter(user=member).values_list("project_id", flat=True)) == [
        project.pk
    ]
    assert "member@example.com" not in alert_recipients(project)
    assert "member@example.com" in alert_recipients(other)
    assert client.get(url).context["form"][f"project_{project.pk}"].value() is False

    client.post(url, {f"project_{project.pk}": "on", f"project_{other.pk}": "on"})
    assert not AlertOptOut.objects.filter(user=member).exists()
    assert "member@example.com" in alert_recipients(project)


def test_projects_of_other_teams_are_out_of_reach(client, member, outsider):
    other_project = outsider.team_memberships.get().team.projects.get()
    login(client, member)
    client.post(reverse("my-alerts"), {f"project_{other_project.pk}": ""})
    assert not AlertOptOut.objects.filter(project=other_project).exists()
    # ... and saving one's own settings leaves another user's opt-out alone.
    AlertOptOut.objects.create(user=outsider, project=other_project)
    client.post(reverse("my-alerts"), {})
    assert AlertOptOut.objects.filter(user=outsider, project=other_project).exists()


def test_account_without_address_is_told(client, project):
    nobody = make_user("nomail", project.team)
    nobody.email = ""
    nobody.save()
    body = login(client, nobody).get(reverse("my-alerts")).content.decode()
    assert "no email address" in body
