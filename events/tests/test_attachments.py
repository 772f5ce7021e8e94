"""Attachments on the event page: listed with size and type, downloaded only by project members
as an attachment (never rendered), text ones previewed escaped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.attachments import prepare
from events.models import Attachment, Event
from events.tests.capture_ingest import ingest_capture
from projects.tests.factories import PASSWORD, ingest, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")

XSS = b"<script>alert(1)</script>"


@pytest.fixture
def event(project):
    """The real Python SDK capture with four attachments: two text, one JSON, one binary."""
    event_id = ingest_capture(project, "py_attachment/0001")
    return Event.objects.get(project=project, event_id=event_id)


def url(event, name, attachment=None):
    args = [event.project_id, event.issue_id, event.pk]
    return reverse(name, args=args + ([attachment.pk] if attachment else []))


def by_name(event, filename):
    return Attachment.objects.get(project_id=event.project_id, event_id=event.event_id,
                                  filename=filename)  # fmt: skip


def test_event_page_lists_attachments_with_size_and_type(member_client, event):
    response = member_client.get(url(event, "event-detail"))
    listed = [(a.filename, a.content_type, a.size) for a in response.context["attachments"]]
    assert listed == [
        ("app.log", "text/plain", 36),
        ("config.json", "application/json", 30),
        ("blob.bin", "application/octet-stream", 256),
        ("lazy.txt", "text/plain", 29),
    ]
    body = response.content.decode()
    assert "app.log" in body and "256\xa0bytes" in body and "application/octet-stream" in body
    blob = by_name(event, "blob.bin")
    assert url(event, "attachment-download", blob) in body
    assert url(event, "attachment-preview", blob) not in body  # binary: no preview
    assert url(event, "attachment-preview", by_name(event, "app.log")) in body


def test_download_is_an_attachment_never_inline(member_client, event):
    # Stored compressed (events/attachments.py), served as the SDK sent it.
    assert by_name(event, "app.log").compression == "zstd"
    for filename in ("app.log", "blob.bin", "config.json"):
        attachment = by_name(event, filename)
        response = member_client.get(url(event, "attachment-download", attachment))
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/octet-stream"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response.content == attachment.original_bytes()
    assert member_client.get(url(event, "attachment-download", by_name(event, "blob.bin")))\
        .content == bytes(range(256))  # fmt: skip


def test_hostile_filename_and_html_content_stay_inert(member_client, project):
    ingest(project, python_event(event_id="a" * 32))
    event = Event.objects.get(project=project)
    attachment = prepare(Attachment(
        project=project, event_id=event.event_id, filename='x"; inline; y=<b>.html',
        content_type="text/html", received_at=event.received_at,
    ), XSS)  # fmt: skip
    attachment.save()
    response = member_client.get(url(event, "attachment-download", attachment))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response.content == XSS
    page = member_client.get(url(event, "event-detail")).content.decode()
    assert "<b>.html" not in page and "&lt;b&gt;.html" in page
    preview = member_client.get(url(event, "attachment-preview", attachment))
    body = preview.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body


def test_preview_shows_text_escaped_and_refuses_binary(member_client, event):
    response = member_client.get(url(event, "attachment-preview", by_name(event, "lazy.txt")))
    assert response.status_code == 200
    assert "lazy ünïcode attachment ✓" in response.content.decode()
    blob = by_name(event, "blob.bin")
    assert member_client.get(url(event, "attachment-preview", blob)).status_code == 404


def test_only_project_members_reach_attachments(client, event, outsider):
    attachment = by_name(event, "app.log")
    urls = [url(event, "attachment-download", attachment),
            url(event, "attachment-preview", attachment)]  # fmt: skip
    for target in urls:
        assert client.get(target).status_code == 302  # to the login page
    client.login(username=outsider.username, password=PASSWORD)
    for target in urls:
        assert client.get(target).status_code == 404


def test_attachment_of_another_event_is_404(member_client, event, project):
    ingest(project, python_event())
    other = Event.objects.exclude(pk=event.pk).get()
    attachment = by_name(event, "app.log")
    wrong = reverse(
        "attachment-download",
        args=[project.pk, other.issue_id, other.pk, attachment.pk],
    )
    assert member_client.get(wrong).status_code == 404


def test_event_page_queries_do_not_grow_with_attachments(
    member_client, event, django_assert_num_queries
):
    target = url(event, "event-detail")
    with CaptureQueriesContext(connection) as one:
        member_client.get(target)
    Attachment.objects.bulk_create(
        Attachment(project_id=event.project_id, event_id=event.event_id, filename=f"f{i}.txt",
                   content_type="text/plain", size=1, data=b"x", received_at=event.received_at)
        for i in range(30)
    )  # fmt: skip
    with django_assert_num_queries(len(one.captured_queries)):
        response = member_client.get(target)
    assert len(response.context["attachments"]) == 34
