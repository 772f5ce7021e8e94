"""The optional email to a new assignee, through real SMTP (aiosmtpd), respecting opt-outs."""

import pytest
from django.urls import reverse

from alerts.models import AlertOptOut
from alerts.tests.conftest import make_issue
from projects.models import TeamMembership
from projects.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(project):
    """An assigner and an assignee in the project's team."""
    assigner = make_user("ann", project.team)
    assignee = make_user("bo", project.team)
    return assigner, assignee


def assign(client, issue, assignee, capture, **extra):
    client.login(username=extra.pop("as_user", "ann"), password=PASSWORD)
    url = reverse("issue-assign", args=[issue.project_id, issue.pk])
    with capture(execute=True):
        response = client.post(url, {"assignee": str(assignee.pk), **extra})
    assert response.status_code == 302
    return response


def test_assignee_gets_an_email_with_a_link(
    client, smtp, eager_celery, project, people, django_capture_on_commit_callbacks
):
    _, assignee = people
    issue = make_issue(project, title="ValueError: <b>bad</b>")
    assign(client, issue, assignee, django_capture_on_commit_callbacks, notify="1")

    (mail,) = smtp.wait_for(lambda m: len(m) >= 1)
    assert mail.recipients == ["bo@example.com"]
    assert mail.subject == "[Shop <Web>] Assigned to you: ValueError: <b>bad</b>"
    link = f"https://errors.example.com/projects/{project.pk}/issues/{issue.pk}/"
    assert "ann assigned you an issue in Shop <Web>" in mail.text
    assert link in mail.text
    assert f'href="{link}"' in mail.html
    assert "&lt;b&gt;bad&lt;/b&gt;" in mail.html and "<b>bad" not in mail.html


@pytest.mark.parametrize("case", ["opted_out", "not_asked", "self", "reassigned"])
def test_no_email(
    client, smtp, eager_celery, project, people, django_capture_on_commit_callbacks, case
):
    assigner, assignee = people
    issue = make_issue(project)
    capture = django_capture_on_commit_callbacks
    if case == "opted_out":
        AlertOptOut.objects.create(user=assignee, project=project)
        assign(client, issue, assignee, capture, notify="1")
    elif case == "not_asked":
        assign(client, issue, assignee, capture)  # the checkbox left unticked
    elif case == "self":
        assign(client, issue, assigner, capture, notify="1")
    else:
        # Reassigned before the queued email went out: the task finds another assignee.
        from alerts.tasks import send_assignment_email

        issue.assignee = assigner
        issue.save()
        assert send_assignment_email.apply(args=[issue.pk, assignee.pk, "ann"]).get() is False
    # Tasks run eagerly, so whatever would have been sent has been by now.
    assert smtp.messages == []
    assert TeamMembership.objects.filter(user=assignee).exists()


def test_no_email_when_email_is_off(
    client, settings, eager_celery, project, people, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = ""
    _, assignee = people
    issue = make_issue(project)
    with django_capture_on_commit_callbacks() as callbacks:
        client.login(username="ann", password=PASSWORD)
        url = reverse("issue-assign", args=[issue.project_id, issue.pk])
        client.post(url, {"assignee": str(assignee.pk), "notify": "1"})
    assert callbacks == []  # nothing queued at all
    issue.refresh_from_db()
    assert issue.assignee == assignee
