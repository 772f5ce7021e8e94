"""Storage page, privacy requests page, project export and project deletion."""

import json
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datapolicy.models import DataPolicy
from datapolicy.tasks import evict_all
from digestion.digest import digest_pending
from events.models import Event, RawEvent
from issues.models import Issue
from projects.models import Project, ProjectKey, TeamMembership
from projects.tests.factories import make_project, make_user, python_event

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def spool(project_id: int, **overrides) -> None:
    event = python_event(event_id=uuid.uuid4().hex, **overrides)
    RawEvent.objects.create(
        project_id=project_id,
        event_id=event["event_id"],
        received_at=datetime.now(UTC),
        payload=orjson.dumps(event),
    )


def superuser(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return user


def test_storage_page_shows_stored_and_seen_with_constant_queries(client):
    superuser(client)
    project = make_project()
    for _ in range(3):
        spool(project.pk)
    digest_pending(project.pk)
    url = reverse("storage")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert "Shop" in page and "3 (0% of cap)" in page
    for n in range(4):
        other = make_project(team_name=f"T{n}", name=f"P{n}")
        spool(other.pk)
        digest_pending(other.pk)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_admin_pages_do_not_exist_for_others(client):
    client.force_login(make_user("ann"))
    assert client.get(reverse("storage")).status_code == 404
    assert client.get(reverse("privacy-requests")).status_code == 404


def test_privacy_request_find_export_delete(client):
    superuser(client)
    project = make_project()
    spool(project.pk, user={"id": "7", "email": "ann@example.com"})
    spool(project.pk, user={"id": "8", "email": "bob@example.com"})
    digest_pending(project.pk)
    url = reverse("privacy-requests")
    page = client.post(url, {"kind": "email", "value": "ann@example.com", "action": "find"})
    assert "1 stored event(s)" in page.content.decode()
    export = client.post(url, {"kind": "email", "value": "ann@example.com", "action": "export"})
    assert export["Content-Disposition"].startswith("attachment")
    data = json.loads(b"".join(export.streaming_content))
    assert [e["event"]["user"]["id"] for e in data["events"]] == ["7"]
    client.post(url, {"kind": "email", "value": "ann@example.com", "action": "delete"})
    assert Event.objects.count() == 1
    bad = client.post(url, {"kind": "email", "value": "   ", "action": "delete"})
    assert bad.status_code == 400


def test_project_export_and_deletion(client):
    project = make_project()
    admin = make_user("ann")
    TeamMembership.objects.create(team=project.team, user=admin, role="admin")
    ProjectKey.objects.create(project=project)
    for _ in range(3):
        spool(project.pk)
    digest_pending(project.pk)
    client.force_login(admin)

    export = client.get(reverse("project-export", args=[project.pk]))
    data = json.loads(b"".join(export.streaming_content))
    assert len(data["events"]) == 3 and len(data["issues"]) == 1

    wrong = client.post(reverse("project-remove", args=[project.pk]), {"confirm_name": "nope"})
    assert wrong.status_code == 302 and Project.objects.filter(pk=project.pk).exists()
    client.post(reverse("project-remove", args=[project.pk]), {"confirm_name": project.name})
    assert DataPolicy.objects.get(project=project).removal_requested_at is not None
    assert not ProjectKey.objects.filter(project=project, is_active=True).exists()
    evict_all()  # the beat's pass finishes a removal whose task did not run
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Event.objects.exists() and not Issue.objects.exists()


def test_members_cannot_export_or_delete(client):
    project = make_project()
    member = make_user("bob")
    TeamMembership.objects.create(team=project.team, user=member, role="member")
    client.force_login(member)
    assert client.get(reverse("project-export", args=[project.pk])).status_code == 403
    response = client.post(
        reverse("project-remove", args=[project.pk]), {"confirm_name": project.name}
    )
    assert response.status_code == 403


def test_issue_page_shows_events_seen_and_stored(client):
    from datapolicy.eviction import evict_project

    superuser(client)
    project = make_project()
    DataPolicy.objects.create(project=project, max_events=3)
    for _ in range(10):
        spool(project.pk)
    digest_pending(project.pk)
    evict_project(project.pk)
    issue = Issue.objects.get(project=project)
    page = client.get(reverse("issue-detail", args=[project.pk, issue.pk])).content.decode()
    assert '<dd class="event-count">10' in page
    stored = Event.objects.filter(issue=issue).count()
    assert f"seen · {stored} stored" in page and stored < 10


def test_a_project_can_turn_attachment_storage_off():
    from ingest.accept import store_others

    project = make_project()
    DataPolicy.objects.create(project=project, store_attachments=False)
    now = datetime.now(UTC)
    from events.models import Attachment, UserFeedback

    attachment = Attachment(project=project, event_id="a" * 32, filename="x.txt", size=3,
                            data=b"abc", received_at=now)  # fmt: skip
    feedback = UserFeedback(project=project, event_id="a" * 32, comments="hi", received_at=now)
    store_others([attachment, feedback])
    assert not Attachment.objects.exists()
    assert UserFeedback.objects.count() == 1
    DataPolicy.objects.filter(project=project).update(store_attachments=True)
    store_others([Attachment(project=project, event_id="a" * 32, filename="x.txt", size=3,
                             data=b"abc", received_at=now)])  # fmt: skip
    assert Attachment.objects.get().original_bytes() == b"abc"
