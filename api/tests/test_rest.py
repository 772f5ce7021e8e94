"""The REST API for Issues and events, for a token holder, through the real pipeline's data."""

import re
import uuid

import pytest

from api.tests.helpers import bearer, token_for
from issues.models import Issue, IssueActivity
from projects.tests.factories import ingest, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")


def _error(kind: str, **overrides) -> dict:
    event = python_event(**overrides)
    event["exception"]["values"][0]["type"] = kind
    return event


@pytest.fixture
def reader(member):
    return bearer(token_for(member, "event:read", "project:read", "org:read"))


@pytest.fixture
def writer(member):
    return bearer(token_for(member, "event:write", "project:read"))


def _issues_url(project) -> str:
    return f"/api/0/projects/{project.team.slug}/{project.slug}/issues/"


def test_projects_and_organizations_are_the_callers_own(client, project, reader, outsider):
    orgs = client.get("/api/0/organizations/", **reader).json()
    assert [o["slug"] for o in orgs] == [project.team.slug]
    projects = client.get("/api/0/projects/", **reader).json()
    assert [(p["slug"], p["organization"]["slug"]) for p in projects] == [
        (project.slug, project.team.slug)
    ]
    team_projects = client.get(f"/api/0/organizations/{project.team.slug}/projects/", **reader)
    assert [p["id"] for p in team_projects.json()] == [str(project.pk)]


def test_issue_list_uses_the_ui_search_language(client, project, member, reader):
    ingest(project, _error("KeyError", level="warning", release="shop@2.0.0"))
    ingest(project, _error("ValueError"), _error("TypeError", environment="staging"))
    url = _issues_url(project)

    def titles(query: str) -> set[str]:
        response = client.get(url, {"query": query}, **reader)
        assert response.status_code == 200, response.content
        return {i["title"].split(":")[0] for i in response.json()}

    assert titles("") == {"KeyError", "ValueError", "TypeError"}
    assert titles("level:warning") == {"KeyError"}
    assert titles("release:shop@2.0.0") == {"KeyError"}
    assert titles("environment:staging") == {"TypeError"}
    assert titles("ValueError") == {"ValueError"}
    issue = Issue.objects.get(title__startswith="ValueError")
    writer = bearer(token_for(member, "event:write"))
    client.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"}, "application/json", **writer)
    assert titles("is:unresolved") == {"KeyError", "TypeError"}
    assert titles("is:resolved") == {"ValueError"}


def test_cursor_pages_follow_the_link_header(client, project, reader):
    kinds = [f"Error{n}" for n in range(7)]
    ingest(project, *[_error(k) for k in kinds])
    seen, url, pages = [], _issues_url(project) + "?limit=3&query=", 0
    while True:
        response = client.get(url, **reader)
        assert response.status_code == 200
        seen += [i["id"] for i in response.json()]
        pages += 1
        links = dict(
            (rel, (target, results, cursor))
            for target, rel, results, cursor in re.findall(
                r'<([^>]+)>; rel="(\w+)"; results="(\w+)"; cursor="([^"]*)"', response["Link"]
            )
        )
        assert set(links) == {"previous", "next"}
        target, results, _ = links["next"]
        if results == "false":
            break
        url = target.replace("http://testserver", "")
    assert pages == 3 and len(seen) == 7 == len(set(seen))


def test_issue_detail_status_changes_and_delete(client, project, member, reader, writer):
    ingest(project, _error("KeyError"))
    issue = Issue.objects.get(project=project)
    org_url = f"/api/0/organizations/{project.team.slug}/issues/{issue.pk}/"
    detail = client.get(org_url, **reader).json()
    assert detail["status"] == "unresolved" and detail["count"] == "1"
    assert detail["project"]["slug"] == project.slug

    def put(body: dict) -> dict:
        response = client.put(org_url, body, "application/json", **writer)
        assert response.status_code == 200, response.content
        return response.json()

    assert put({"status": "resolved"})["status"] == "resolved"
    assert put({"status": "unresolved"})["status"] == "unresolved"
    assert put({"status": "resolvedInNextRelease"})["statusDetails"] == {"inNextRelease": True}
    muted = put({"status": "ignored", "statusDetails": {"ignoreCount": 100, "ignoreWindow": 60}})
    assert muted["status"] == "ignored"
    issue.refresh_from_db()
    assert issue.unmute_on_volume_based_conditions == [
        {"period": "hour", "nr_of_periods": 1, "volume": 100}
    ]
    kinds = list(IssueActivity.objects.filter(issue=issue).values_list("kind", flat=True))
    assert {"resolved", "reopened", "resolved_by_next", "muted"} <= set(kinds)
    assert IssueActivity.objects.filter(issue=issue, user=member).count() == len(kinds)

    refused = client.put(org_url, {"status": "bogus"}, "application/json", **writer)
    assert refused.status_code == 400
    # Muting until a condition that is already true is refused, as in the UI.
    already = {"status": "ignored", "statusDetails": {"ignoreCount": 1, "ignoreWindow": 60}}
    assert client.put(org_url, already, "application/json", **writer).status_code == 400

    assert client.delete(org_url, **writer).status_code == 403  # needs event:admin
    admin = bearer(token_for(member, "event:admin"))
    assert client.delete(f"/api/0/issues/{issue.pk}/", **admin).status_code == 202
    assert not Issue.objects.filter(pk=issue.pk).exists()


def test_read_only_token_cannot_change_issues(client, project, reader):
    ingest(project, _error("KeyError"))
    issue = Issue.objects.get(project=project)
    response = client.put(f"/api/0/issues/{issue.pk}/", {"status": "resolved"},
                          "application/json", **reader)  # fmt: skip
    assert response.status_code == 403


def test_events_latest_and_event_detail(client, project, reader, outsider):
    ids = [uuid.uuid4().hex for _ in range(3)]
    for event_id in ids:
        ingest(project, _error("KeyError", event_id=event_id))
    issue = Issue.objects.get(project=project)

    listed = client.get(f"/api/0/issues/{issue.pk}/events/", **reader)
    assert listed.status_code == 200 and "Link" in listed
    assert [e["eventID"] for e in listed.json()] == list(reversed(ids))

    latest = client.get(f"/api/0/issues/{issue.pk}/events/latest/", **reader).json()
    assert latest["eventID"] == ids[-1]
    oldest = client.get(
        f"/api/0/organizations/{project.team.slug}/issues/{issue.pk}/events/oldest/", **reader
    ).json()
    assert oldest["eventID"] == ids[0]

    url = f"/api/0/projects/{project.team.slug}/{project.slug}/events/{ids[1]}/"
    event = client.get(url, **reader).json()
    assert event["groupID"] == str(issue.pk)
    exception = next(e for e in event["entries"] if e["type"] == "exception")
    frames = exception["data"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "total" and frames[-1]["lineno"] == 12
    assert {"key": "browser", "value": "Firefox 120"} in event["tags"]

    assert client.get(url.replace(ids[1], "0" * 32), **reader).status_code == 404
    assert client.get(url.replace(ids[1], "not-an-id"), **reader).status_code == 404
    stranger = bearer(token_for(outsider, "event:read"))
    assert client.get(url, **stranger).status_code == 404
    assert client.get(f"/api/0/issues/{issue.pk}/events/latest/", **stranger).status_code == 404


def test_project_events_pages(client, project, reader):
    ids = [uuid.uuid4().hex for _ in range(5)]
    for event_id in ids:
        ingest(project, _error("KeyError", event_id=event_id))
    url, seen = f"/api/0/projects/{project.team.slug}/{project.slug}/events/?limit=2", []
    while url:
        response = client.get(url, **reader)
        assert response.status_code == 200
        seen += [e["eventID"] for e in response.json()]
        target, results = re.search(
            r'<([^>]+)>; rel="next"; results="(\w+)"', response["Link"]
        ).groups()
        url = target.replace("http://testserver", "") if results == "true" else None
    assert seen == list(reversed(ids))
    full = client.get(url or f"/api/0/projects/{project.team.slug}/{project.slug}/events/?full=1",
                      **reader).json()  # fmt: skip
    assert full[0]["entries"] and full[0]["eventID"] == ids[-1]
