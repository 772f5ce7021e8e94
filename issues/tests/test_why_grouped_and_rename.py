"""The event page's "Why grouped" section, renaming an Issue, upgrading a project's grouping:
through the real views, with events of the real SDKs (tests/fixtures/sdk)."""

import json
from html import escape

import pytest
from django.urls import reverse

from events.models import Event
from issues.models import Grouping, Issue, IssueActivity
from projects.models import Project, ProjectActivity
from projects.tests.factories import PASSWORD, ingest, make_user
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)
from tests.shared import SDK_CAPTURES_DIR

pytestmark = pytest.mark.django_db(databases="__all__")


def capture(name: str) -> dict:
    return json.loads((SDK_CAPTURES_DIR / name).read_text())


def event_page(client, event: Event) -> str:
    url = reverse("event-detail", args=[event.project_id, event.issue_id, event.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_why_grouped_shows_the_stored_components_and_the_frames(member_client, project):
    ingest(project, capture("py_exception_chained/0001.event.json"))
    event = Event.objects.get(project=project)
    stored = Grouping.objects.get(issue_id=event.issue_id)
    assert stored.config == "v2" and stored.strategy == "exception"
    assert "exception[1] type: ValueError" in stored.components
    html = event_page(member_client, event)
    assert "Why grouped" in html
    for component in stored.components:
        assert f"<code>{escape(component)}</code>" in html
    # Every frame of both exceptions is listed, in-app and contributing ones marked.
    assert html.count('<tr class="contributed in-app">') == sum(
        1 for c in stored.components if " frame " in c
    )


def test_why_grouped_marks_frames_that_are_not_in_app(member_client, project):
    # A Node unhandled rejection: only Node internals, none in-app, so every frame counts.
    ingest(project, capture("node_unhandled_rejection/0002.event.json"))
    event = Event.objects.get(project=project)
    html = event_page(member_client, event)
    assert '<tr class="contributed">' in html
    assert "in-app" not in html.split('id="why-grouped"', 1)[1].split("</thead>", 1)[1]


def test_why_grouped_of_a_v1_project(member_client, project):
    Project.objects.filter(pk=project.pk).update(grouping_config="v1")
    ingest(project, capture("py_exception_simple/0001.event.json"))
    event = Event.objects.get(project=project)
    assert Grouping.objects.get(issue_id=event.issue_id).config == "v1"
    html = event_page(member_client, event)
    assert "Grouping <code>v1</code>" in html
    assert '<tr class="contributed in-app">' in html


def test_component_text_is_escaped(member_client, project):
    ingest(project, capture("node_unicode/0003.event.json"))  # a "</script>" exception value
    event = Event.objects.get(project=project)
    html = event_page(member_client, event)
    why = html.split('id="why-grouped"', 1)[1]
    assert "<script>alert" not in why


def test_rename_keeps_the_title_against_new_events(member_client, project):
    ingest(project, capture("py_exception_simple/0001.event.json"))
    issue = Issue.objects.get(project=project)
    url = reverse("issue-rename", args=[project.pk, issue.pk])
    response = member_client.post(url, {"title": "  Average of <b>empty</b> list  "})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.title == "Average of <b>empty</b> list"
    activity = IssueActivity.objects.get(issue=issue, kind="renamed")
    assert activity.details["to"] == issue.title
    ingest(project, capture("py_exception_simple/0001.event.json") | {"event_id": None})
    issue.refresh_from_db()
    assert issue.event_count == 2 and issue.title == "Average of <b>empty</b> list"
    html = member_client.get(reverse("issue-detail", args=[project.pk, issue.pk])).content
    assert b"Average of &lt;b&gt;empty&lt;/b&gt; list" in html
    assert b"Renamed from" in html


def test_an_empty_title_is_refused(member_client, project):
    ingest(project, capture("py_exception_simple/0001.event.json"))
    issue = Issue.objects.get(project=project)
    member_client.post(reverse("issue-rename", args=[project.pk, issue.pk]), {"title": "   "})
    assert Issue.objects.get(pk=issue.pk).title == issue.title
    assert not IssueActivity.objects.filter(issue=issue).exists()


def test_outsiders_cannot_rename(client, project, outsider):
    ingest(project, capture("py_exception_simple/0001.event.json"))
    issue = Issue.objects.get(project=project)
    client.login(username=outsider.username, password=PASSWORD)
    response = client.post(reverse("issue-rename", args=[project.pk, issue.pk]), {"title": "x"})
    assert response.status_code == 404


def test_only_admins_upgrade_the_grouping(client, project, member):
    Project.objects.filter(pk=project.pk).update(grouping_config="v1")
    url = reverse("project-grouping", args=[project.pk])
    client.login(username=member.username, password=PASSWORD)
    assert client.post(url).status_code == 403
    boss = make_user("boss", project.team, role="admin")
    client.login(username=boss.username, password=PASSWORD)
    settings_page = client.get(reverse("project-settings", args=[project.pk])).content.decode()
    assert "Upgrade to v2" in settings_page
    assert client.post(url).status_code == 302
    project.refresh_from_db()
    assert project.grouping_config == "v2" and project.grouping_upgraded_from == "v1"
    activity = ProjectActivity.objects.get(project=project)
    assert activity.user == boss and activity.details == {"from": "v1", "to": "v2"}
    settings_page = client.get(reverse("project-settings", args=[project.pk])).content.decode()
    assert "Grouping upgraded from v1 to v2 by boss" in settings_page
    assert "Upgrade to v2" not in settings_page
