"""Attachments through the real ingest endpoint: one copy per content (not per name and size),
zstd-compressed unless already compressed, and gone with their Issue (feedback too)."""

import gzip
import os
import uuid

import orjson
import pytest

from digestion.digest import digest_pending
from events.attachments import is_compressed
from events.models import Attachment, Event, UserFeedback
from ingest import quota, rejections
from issues.actions import run_action
from issues.models import Issue
from projects.models import ProjectKey
from projects.tests.factories import make_project, make_user
from tests.asgi import asgi_post

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(500)


@pytest.fixture
def target(monkeypatch):
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    monkeypatch.setattr("ingest.rejections._schedule_flush", lambda wait: None)
    quota.reset()
    project = make_project()
    key = ProjectKey.objects.filter(project=project).get().public_key
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7",
    }
    yield project, headers
    quota.reset()
    rejections.flush_rejections()


def envelope(event_id: str, *attachments: tuple[str, bytes, str], feedback: bool = False) -> bytes:
    event = orjson.dumps({"event_id": event_id, "message": "with files"})
    lines = [
        orjson.dumps({"event_id": event_id}),
        orjson.dumps({"type": "event", "length": len(event)}),
        event,
    ]
    for filename, data, content_type in attachments:
        header = {"type": "attachment", "length": len(data), "filename": filename}
        if content_type:
            header["content_type"] = content_type
        lines += [orjson.dumps(header), data]
    if feedback:
        report = orjson.dumps({"event_id": event_id, "name": "Ann", "comments": "it broke"})
        lines += [orjson.dumps({"type": "user_report", "length": len(report)}), report]
    return b"\n".join(lines) + b"\n"


def test_same_name_and_size_but_different_content_are_both_kept(target):
    project, headers = target
    event_id = uuid.uuid4().hex
    first, second = b"A" * 1000, b"B" * 1000
    body = envelope(event_id, ("log.txt", first, "text/plain"), ("log.txt", second, "text/plain"))
    assert asgi_post(f"/api/{project.pk}/envelope/", body, headers).status_code == 200
    kept = Attachment.objects.filter(event_id=event_id).order_by("pk")
    assert [a.original_bytes() for a in kept] == [first, second]


def test_a_resent_envelope_keeps_one_copy_of_each_content(target):
    project, headers = target
    event_id = uuid.uuid4().hex
    body = envelope(event_id, ("a.txt", b"same" * 100, ""), ("b.txt", b"same" * 100, ""))
    for _ in range(2):
        assert asgi_post(f"/api/{project.pk}/envelope/", body, headers).status_code == 200
    assert Attachment.objects.filter(event_id=event_id).count() == 1


def test_compressible_attachments_are_stored_zstd_compressed(target):
    project, headers = target
    event_id = uuid.uuid4().hex
    text = b"Traceback line that repeats\n" * 2000
    gz = gzip.compress(os.urandom(2000))
    body = envelope(
        event_id, ("log.txt", text, "text/plain"), ("shot.png", PNG, ""),
        ("x.bin", gz, "application/octet-stream"),
    )  # fmt: skip
    assert asgi_post(f"/api/{project.pk}/envelope/", body, headers).status_code == 200
    log = Attachment.objects.get(event_id=event_id, filename="log.txt")
    assert log.compression == "zstd" and len(bytes(log.data)) < len(text) // 10
    assert log.size == len(text) and log.original_bytes() == text
    for name, original in (("shot.png", PNG), ("x.bin", gz)):
        stored = Attachment.objects.get(event_id=event_id, filename=name)
        assert stored.compression == "" and bytes(stored.data) == original  # kept as sent
        assert stored.original_bytes() == original


def test_compressed_formats_are_recognised_by_magic_or_content_type():
    assert is_compressed(PNG, "")
    assert is_compressed(b"\x28\xb5\x2f\xfd....", "")
    assert is_compressed(b"anything", "image/jpeg")
    assert is_compressed(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "")
    assert not is_compressed(b"plain text", "text/plain")
    assert not is_compressed(b"MDMP\x93\xa7", "application/octet-stream")  # minidumps compress


def test_deleting_the_issue_deletes_its_attachments_and_feedback(target):
    project, headers = target
    event_id, other_id = uuid.uuid4().hex, uuid.uuid4().hex
    body = envelope(event_id, ("log.txt", b"x" * 100, ""), feedback=True)
    assert asgi_post(f"/api/{project.pk}/envelope/", body, headers).status_code == 200
    other = orjson.dumps({"event_id": other_id, "message": "another problem"})
    body = b"\n".join(
        [orjson.dumps({"event_id": other_id}),
         orjson.dumps({"type": "event", "length": len(other)}), other,
         orjson.dumps({"type": "attachment", "length": 3, "filename": "keep.txt"}), b"abc"]
    )  # fmt: skip
    assert asgi_post(f"/api/{project.pk}/envelope/", body, headers).status_code == 200
    digest_pending(project.pk)
    issue = Issue.objects.get(pk=Event.objects.get(event_id=event_id).issue_id)
    assert UserFeedback.objects.filter(event_id=event_id).exists()

    run_action(issue, "delete", make_user("admin"))

    assert not Event.objects.filter(event_id=event_id).exists()
    assert not Attachment.objects.filter(event_id=event_id).exists()
    assert not UserFeedback.objects.filter(event_id=event_id).exists()
    # The other Issue's event keeps its attachment.
    assert Attachment.objects.get(event_id=other_id).original_bytes() == b"abc"
