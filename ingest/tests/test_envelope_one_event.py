"""An envelope carries at most one event (or transaction), and the quota counts accepted events.

One envelope with thousands of event items used to be a single request to the quota, which was
checked once and then outrun by all of them.
"""

import uuid
from datetime import UTC, datetime

import orjson
import pytest
import time_machine

from events.models import IngestRejection, RawEvent
from ingest import quota, rejections
from projects.models import ProjectKey
from projects.tests.factories import make_project
from tests.asgi import asgi_post

# Ingest commits the spool itself (group commit), outside a test transaction: real ones.
pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def target(monkeypatch):
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    # Rejection counts are written by the test (flush_rejections), not by a timer thread.
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
    rejections.flush_rejections()  # nothing recorded here may leak into the next test


def envelope(*types: str) -> bytes:
    lines = [orjson.dumps({"event_id": uuid.uuid4().hex})]
    for item_type in types:
        payload = orjson.dumps({"event_id": uuid.uuid4().hex, "message": f"a {item_type}"})
        lines += [orjson.dumps({"type": item_type, "length": len(payload)}), payload]
    return b"\n".join(lines) + b"\n"


def post(project, headers, body: bytes):
    return asgi_post(f"/api/{project.pk}/envelope/", body, headers)


@pytest.mark.parametrize(
    "types",
    [
        ("event", "event"),
        ("event", "transaction"),
        ("transaction", "transaction"),
        ("event", "attachment", "session", "event"),
    ],
)
def test_a_second_event_or_transaction_item_is_refused(target, types, caplog):
    project, headers = target
    response = post(project, headers, envelope(*types))
    assert response.status_code == 400, response.text
    assert "at most one event or transaction" in response.json()["detail"]
    assert not RawEvent.objects.filter(project_id=project.pk).exists()
    # Logged and counted like every other refusal.
    assert f"project={project.pk} reason=too_many_events status=400" in caplog.text
    rejections.flush_rejections()
    counted = IngestRejection.objects.get(project=project, reason="too_many_events")
    assert counted.count == 1


def test_ten_thousand_events_in_one_envelope_do_not_outrun_the_quota(target, settings):
    project, headers = target
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 5, 0
    response = post(project, headers, envelope(*["event"] * 10_000))
    assert response.status_code == 400, response.text
    assert RawEvent.objects.filter(project_id=project.pk).count() == 0


def test_one_event_with_its_other_items_is_accepted(target):
    project, headers = target
    body = envelope("event", "attachment", "client_report", "session")
    assert post(project, headers, body).status_code == 200
    assert RawEvent.objects.filter(project_id=project.pk).count() == 1


def test_the_quota_counts_each_accepted_event_and_nothing_else(target, settings):
    project, headers = target
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 3, 0
    # All in one calendar minute, however slow the machine (the quota counts per minute).
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, 5, tzinfo=UTC), tick=False):
        # Envelopes without an event (sessions, client reports) are not events: not counted.
        for _ in range(5):
            assert post(project, headers, envelope("session", "client_report")).status_code == 200
        statuses = [post(project, headers, envelope("event")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert RawEvent.objects.filter(project_id=project.pk).count() == 3
