"""The envelope header's `dsn` must agree with the authenticated key and project, and a valid
zstd-encoded envelope (as SDKs with zstd support send it) is accepted like a gzip one."""

import uuid

import orjson
import pytest
import zstandard

from events.models import IngestRejection, RawEvent
from ingest import quota, rejections
from projects.models import ProjectKey
from projects.tests.factories import make_project
from tests.asgi import asgi_post

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def target(monkeypatch):
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    monkeypatch.setattr("ingest.rejections._schedule_flush", lambda wait: None)
    quota.reset()
    project = make_project()
    key = ProjectKey.objects.filter(project=project).get().public_key
    yield project, key
    quota.reset()
    rejections.flush_rejections()


def envelope(header: dict) -> tuple[str, bytes]:
    event_id = uuid.uuid4().hex
    payload = orjson.dumps({"event_id": event_id, "message": "hello"})
    lines = [
        orjson.dumps({"event_id": event_id, **header}),
        orjson.dumps({"type": "event", "length": len(payload)}),
        payload,
    ]
    return event_id, b"\n".join(lines) + b"\n"


def post(project, body: bytes, key: str | None, **headers: str):
    if key:
        headers["X-Sentry-Auth"] = f"Sentry sentry_key={key}, sentry_version=7"
    return asgi_post(f"/api/{project.pk}/envelope/", body, headers)


def test_dsn_of_the_same_key_and_project_is_accepted(target):
    project, key = target
    _, body = envelope({"dsn": f"https://{key}@example.com/{project.pk}"})
    assert post(project, body, key).status_code == 200


def test_dsn_naming_another_project_is_refused(target):
    project, key = target
    _, body = envelope({"dsn": f"https://{key}@example.com/999"})
    response = post(project, body, key)
    assert response.status_code == 403, response.text
    assert "names project 999" in response.json()["detail"]
    assert not RawEvent.objects.filter(project_id=project.pk).exists()
    rejections.flush_rejections()
    assert IngestRejection.objects.get(project=project, reason="dsn_mismatch").count == 1


def test_dsn_naming_another_key_is_refused(target):
    project, key = target
    other_key = ProjectKey.objects.create(project=make_project(name="Other")).public_key
    _, body = envelope({"dsn": f"https://{other_key}@example.com/{project.pk}"})
    response = post(project, body, key)
    assert response.status_code == 403
    assert "another key" in response.json()["detail"]


def test_dsn_alone_authenticates_but_must_name_the_path_project(target):
    project, key = target
    _, body = envelope({"dsn": f"https://{key}@example.com/{project.pk}"})
    assert post(project, body, None).status_code == 200
    _, body = envelope({"dsn": f"https://{key}@example.com/{project.pk + 1000}"})
    assert post(project, body, None).status_code == 403


def test_a_valid_zstd_envelope_is_accepted(target):
    project, key = target
    event_id, body = envelope({})
    compressed = zstandard.ZstdCompressor(level=3).compress(body)
    response = post(
        project,
        compressed,
        key,
        **{"Content-Encoding": "zstd", "Content-Type": "application/x-sentry-envelope"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"id": event_id}
    assert RawEvent.objects.filter(project_id=project.pk, event_id=event_id).exists()
