"""Bodies too big to decode on the event loop are decoded in a thread, with the same limits."""

import gzip
import os
import threading
import uuid

import orjson
import pytest
from django.conf import settings

from events.models import Attachment, RawEvent
from ingest import handler, rejections
from projects.models import ProjectKey
from projects.tests.factories import make_project
from tests.asgi import asgi_post

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def target(monkeypatch):
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    # Rejection counts are written by the test (flush_rejections), not by a timer thread that
    # fires whenever it likes, perhaps after this test's rows were cleared for the next test.
    monkeypatch.setattr("ingest.rejections._schedule_flush", lambda wait: None)
    project = make_project()
    key = ProjectKey.objects.filter(project=project).get().public_key
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "Content-Encoding": "gzip",
        "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7",
    }
    yield project, headers
    rejections.flush_rejections()  # nothing recorded here may leak into the next test


def envelope_with_attachment(attachment: bytes) -> tuple[str, bytes]:
    event_id = uuid.uuid4().hex
    event = orjson.dumps({"event_id": event_id, "message": "with a dump"})
    body = b"\n".join([
        orjson.dumps({"event_id": event_id}),
        orjson.dumps({"type": "event", "length": len(event)}), event,
        orjson.dumps({"type": "attachment", "length": len(attachment), "filename": "dump.bin"}),
        attachment,
    ])  # fmt: skip
    return event_id, gzip.compress(body)


def test_a_body_decoding_past_the_inline_size_is_accepted_from_a_thread(target, monkeypatch):
    project, headers = target
    calls = []
    real_decompress = handler.decompress

    def recording_decompress(body, encoding, limit):
        calls.append((limit, threading.current_thread() is threading.main_thread()))
        return real_decompress(body, encoding, limit)

    monkeypatch.setattr(handler, "decompress", recording_decompress)
    attachment = os.urandom(1024) * 3 * 1024  # 3 MiB decoded, compressible on the wire
    assert len(attachment) > handler.INLINE_DECODED_BYTES
    event_id, body = envelope_with_attachment(attachment)
    response = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"id": event_id}
    assert RawEvent.objects.filter(project_id=project.pk, event_id=event_id).exists()
    assert Attachment.objects.get(event_id=event_id).original_bytes() == attachment
    # Tried on the loop within the inline budget, then done in a thread with the real limit.
    limit = settings.INGEST_MAX_DECOMPRESSED_BYTES
    assert calls == [(handler.INLINE_DECODED_BYTES, True), (limit, False)]


def test_the_configured_limit_still_applies_to_offloaded_bodies(target, settings):
    project, headers = target
    settings.INGEST_MAX_DECOMPRESSED_BYTES = 2 * 1024 * 1024
    _, body = envelope_with_attachment(b"\0" * (3 * 1024 * 1024))
    response = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
    assert response.status_code == 413
    assert "decompresses to more than 2097152 bytes" in response.json()["detail"]
