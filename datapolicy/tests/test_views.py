"""The project's Data & privacy page: who may change it, and the form's refusals."""

import pytest
from django.urls import reverse

from datapolicy.models import DataPolicy
from projects.models import TeamMembership
from projects.tests.factories import make_project, make_user

pytestmark = pytest.mark.django_db


def admin_client(client):
    project = make_project()
    user = make_user("ann")
    TeamMembership.objects.create(team=project.team, user=user, role="admin")
    client.force_login(user)
    return project


def post(client, project, **fields):
    data = {"ip_mode": "keep", "scrub_extra": "", "scrub_keep": "", "store_attachments": "on"}
    data.update(fields)
    return client.post(reverse("project-data", args=[project.pk]), data)


def test_admin_saves_a_policy(client):
    project = admin_client(client)
    response = post(client, project, scrub_extra="ssn\n/^x-internal-/", max_events="10000")
    assert response.status_code == 302
    policy = DataPolicy.objects.get(project=project)
    assert policy.extra_rules() == ["ssn", "/^x-internal-/"]
    assert policy.max_events == 10000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scrub_extra": "/([a-/"}, "not a valid regular expression"),
        ({"max_events": "0"}, "at least 1"),
        ({"max_events": "-5"}, "at least 1"),
        ({"max_age_days": "100000"}, "At most 3,650 days"),
        ({"max_attachment_mb": "0"}, "at least 1"),
    ],
)
def test_bad_values_get_form_errors(client, fields, message):
    project = admin_client(client)
    response = post(client, project, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DataPolicy.objects.filter(project=project).exists()


def test_members_read_but_cannot_change(client):
    project = make_project()
    user = make_user("bob")
    TeamMembership.objects.create(team=project.team, user=user, role="member")
    client.force_login(user)
    assert client.get(reverse("project-data", args=[project.pk])).status_code == 200
    assert post(client, project, scrub_extra="x").status_code == 403


def test_other_teams_get_404(client):
    project = make_project()
    client.force_login(make_user("eve"))
    assert client.get(reverse("project-data", args=[project.pk])).status_code == 404


def test_rule_text_is_escaped(client):
    project = admin_client(client)
    DataPolicy.objects.create(project=project, scrub_extra="<script>alert(1)</script>")
    page = client.get(reverse("project-data", args=[project.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
