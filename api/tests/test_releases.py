"""Releases and deploys through the Web API (the endpoints sentry-cli uses), and the project's
releases page that shows them."""

import orjson
import pytest
from django.urls import reverse

from api.tests.helpers import bearer, token_for
from issues.models import Deploy, Release
from projects.models import Project
from projects.tests.factories import ingest, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def releaser(member):
    return bearer(token_for(member, "project:releases", "project:read"))


def _post(client, url: str, body: dict, auth: dict):
    return client.post(url, orjson.dumps(body), "application/json", **auth)


def test_create_finalize_deploy_and_list(client, project, releaser):
    second = Project.objects.create(team=project.team, name="Admin")
    org = f"/api/0/organizations/{project.team.slug}/releases/"
    created = _post(client, org, {"version": "shop@1.0.0", "projects": [project.slug, second.slug]},
                    releaser)  # fmt: skip
    assert created.status_code == 201
    assert {p["slug"] for p in created.json()["projects"]} == {project.slug, second.slug}
    again = _post(client, org, {"version": "shop@1.0.0", "projects": [project.slug]}, releaser)
    assert again.status_code == 208

    released = orjson.dumps({"dateReleased": "2026-01-02T03:04:05Z"})
    finalize = client.put(f"{org}shop@1.0.0/", released, "application/json", **releaser)
    assert finalize.status_code == 200 and finalize.json()["dateReleased"] == "2026-01-02T03:04:05Z"
    assert Release.objects.filter(version="shop@1.0.0", date_released__isnull=False).count() == 2

    deploy = _post(client, f"{org}shop@1.0.0/deploys/", {"environment": "prod", "name": "blue"},
                   releaser)  # fmt: skip
    assert deploy.status_code == 201 and deploy.json()["environment"] == "prod"
    assert Deploy.objects.count() == 2  # one per project of the release
    deploys = client.get(f"{org}shop@1.0.0/deploys/", **releaser).json()
    assert [(d["environment"], d["name"]) for d in deploys] == [("prod", "blue")]

    listed = client.get(f"/api/0/projects/{project.team.slug}/{project.slug}/releases/", **releaser)
    assert [r["version"] for r in listed.json()] == ["shop@1.0.0"]
    assert listed.json()[0]["deployCount"] == 1


def test_refusals(client, project, member, releaser, outsider):
    org = f"/api/0/organizations/{project.team.slug}/releases/"
    for version in ["a/b", "..", "latest", " x", "x\n"]:
        response = _post(client, org, {"version": version, "projects": [project.slug]}, releaser)
        assert response.status_code == 400, version
    assert _post(client, org, {"version": "1", "projects": ["nope"]}, releaser).status_code == 400
    assert _post(client, org, {"version": "1", "projects": []}, releaser).status_code == 400
    assert _post(client, org, {"projects": [project.slug]}, releaser).status_code == 400
    missing = _post(client, f"{org}9.9.9/deploys/", {"environment": "prod"}, releaser)
    assert missing.status_code == 404
    reader = bearer(token_for(member, "event:read"))
    assert (
        _post(client, org, {"version": "1", "projects": [project.slug]}, reader).status_code == 403
    )
    stranger = bearer(token_for(outsider, "project:releases"))
    assert (
        _post(client, org, {"version": "1", "projects": [project.slug]}, stranger).status_code
        == 404
    )
    assert not Release.objects.exists()


def test_releases_page_shows_versions_deploys_and_new_issues(client, project, member, releaser):
    ingest(project, python_event(release="shop@2.0.0"))
    release = Release.objects.get(project=project, version="shop@2.0.0")
    Deploy.objects.create(release=release, environment="production", name="<b>green</b>")
    client.force_login(member)
    page = client.get(reverse("release-list", args=[project.pk])).content.decode()
    assert "shop@2.0.0" in page and "production" in page
    assert "&lt;b&gt;green&lt;/b&gt;" in page  # escaped, as every string from outside
    new_issues = client.get(f"/api/0/projects/{project.team.slug}/{project.slug}/releases/",
                            **releaser).json()[0]["newGroups"]  # fmt: skip
    assert new_issues == 1


def test_a_new_release_fixes_the_issues_resolved_by_next_release(client, project, releaser):
    """sentry-cli creates the release before its events arrive; it is still "the next
    release": its events are regressions of Issues resolved by next release, older ones not."""
    from issues.models import Issue
    from issues.state import IssueStateManager

    ingest(project, python_event(release="shop@1.0.0"))
    issue = Issue.objects.get(project=project)
    IssueStateManager.resolve_by_next(issue)
    url = f"/api/0/projects/{project.team.slug}/{project.slug}/releases/"
    assert _post(client, url, {"version": "shop@1.1.0"}, releaser).status_code == 201
    issue.refresh_from_db()
    assert issue.fixed_in_release == "shop@1.1.0" and not issue.is_resolved_by_next_release

    ingest(project, python_event(release="shop@1.0.0"))  # a straggler of the old release
    issue.refresh_from_db()
    assert issue.is_resolved
    ingest(project, python_event(release="shop@1.1.0"))  # the "fixed" release has it again
    issue.refresh_from_db()
    assert not issue.is_resolved
