"""Per-category quotas and rate-limit answers, and the outcome counters, through the real
ingest endpoint (in-process ASGI)."""

import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import time_machine

from events.models import Attachment, Outcome, RawEvent
from ingest import outcomes, quota, rejections
from projects.models import ProjectKey
from projects.tests.factories import make_project
from tests.asgi import asgi_post

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

# Within retention (the flush prunes older counters), 30 seconds before a minute ends.
T0 = datetime.now(UTC).replace(minute=20, second=30, microsecond=0)


@pytest.fixture
def target(monkeypatch, settings):
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 0, 0
    settings.INGEST_CATEGORY_QUOTAS = ""
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    monkeypatch.setattr("ingest.rejections._schedule_flush", lambda wait: None)
    quota.reset()
    outcomes.take_pending()
    project = make_project()
    key = ProjectKey.objects.filter(project=project).get().public_key
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7",
    }
    yield project, headers
    quota.reset()
    rejections.flush_rejections()


def envelope(*items: tuple[str, bytes], event_id: str | None = None) -> bytes:
    lines = [orjson.dumps({"event_id": event_id} if event_id else {})]
    for item_type, payload in items:
        lines += [orjson.dumps({"type": item_type, "length": len(payload)}), payload]
    return b"\n".join(lines) + b"\n"


def event_item(event_id: str) -> tuple[str, bytes]:
    return "event", orjson.dumps({"event_id": event_id, "message": "hi"})


def outcome_rows(project) -> set[tuple[str, str, str, int]]:
    rejections.flush_rejections()
    return set(
        Outcome.objects.filter(project=project).values_list(
            "outcome", "reason", "category", "count"
        )
    )


def test_attachments_over_their_quota_are_dropped_and_the_event_kept(target, settings):
    project, headers = target
    settings.INGEST_CATEGORY_QUOTAS = "attachment=2/minute"
    with time_machine.travel(T0, tick=False):
        first = uuid.uuid4().hex
        items = [event_item(first)] + [("attachment", f"file {i}".encode()) for i in range(2)]
        response = asgi_post(
            f"/api/{project.pk}/envelope/", envelope(*items, event_id=first), headers
        )
        assert response.status_code == 200
        assert "X-Sentry-Rate-Limits" not in response.headers

        second = uuid.uuid4().hex
        items = [event_item(second), ("attachment", b"one too many")]
        response = asgi_post(
            f"/api/{project.pk}/envelope/", envelope(*items, event_id=second), headers
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"id": second}
        assert response.headers["X-Sentry-Rate-Limits"] == "30:attachment:project:quota_exceeded"
    assert RawEvent.objects.filter(project_id=project.pk, event_id=second).exists()
    assert Attachment.objects.filter(project=project).count() == 2
    assert not Attachment.objects.filter(event_id=second).exists()
    assert outcome_rows(project) == {
        ("accepted", "", "error", 2),
        ("accepted", "", "attachment", 2),
        ("refused", "quota", "attachment", 1),
    }


def test_event_over_quota_refuses_the_envelope_naming_the_event_categories(target, settings):
    project, headers = target
    settings.INGEST_QUOTA_PER_MINUTE = 1
    with time_machine.travel(T0, tick=False):
        for expected in (200, 429):
            event_id = uuid.uuid4().hex
            body = envelope(event_item(event_id), ("session", b"{}"), event_id=event_id)
            response = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
            assert response.status_code == expected
    assert (
        response.headers["X-Sentry-Rate-Limits"]
        == "30:error;default;security:project:quota_exceeded"
    )
    assert ("refused", "quota", "error", 1) in outcome_rows(project)


def test_unstored_categories_are_answered_with_a_rate_limit_and_counted_as_filtered(target):
    project, headers = target
    body = envelope(
        ("transaction", b'{"type": "transaction"}'), ("session", b"{}"), ("profile", b"{}")
    )
    response = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
    assert response.status_code == 200
    assert response.headers["X-Sentry-Rate-Limits"] == (
        "3600:transaction;span;session;profile:project:not_stored"
    )
    assert outcome_rows(project) == {
        ("filtered", "not_stored", "transaction", 1),
        ("filtered", "not_stored", "session", 1),
        ("filtered", "not_stored", "profile", 1),
    }


def test_stored_categories_get_no_rate_limit(target):
    project, headers = target
    event_id = uuid.uuid4().hex
    body = envelope(
        event_item(event_id),
        ("attachment", b"x"),
        ("check_in", b'{"monitor_slug": "nightly", "status": "ok"}'),
        event_id=event_id,
    )
    response = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
    assert response.status_code == 200
    assert "X-Sentry-Rate-Limits" not in response.headers
    # Check-ins are a stored category (monitors): accepted, never refused as "not stored".
    assert ("accepted", "", "monitor", 1) in outcome_rows(project)


def test_client_reports_are_kept_as_sdk_discards(target):
    project, headers = target
    report = orjson.dumps({
        "timestamp": 1795415796.2,
        "discarded_events": [
            {"reason": "sample_rate", "category": "error", "quantity": 3},
            {"reason": "queue_overflow", "category": "transaction", "quantity": 2},
            {"reason": "before_send", "category": "error", "quantity": "many"},  # ignored
        ],
    })  # fmt: skip
    for _ in range(2):
        body = envelope(("client_report", report))
        assert asgi_post(f"/api/{project.pk}/envelope/", body, headers).status_code == 200
    assert outcome_rows(project) == {
        ("client_discard", "sample_rate", "error", 6),
        ("client_discard", "queue_overflow", "transaction", 4),
        ("accepted", "", "internal", 2),
    }


def test_refusals_are_counted_by_reason(target):
    project, headers = target
    bad_key = {**headers, "X-Sentry-Auth": "Sentry sentry_key=" + "f" * 32}
    assert asgi_post(f"/api/{project.pk}/envelope/", envelope(), bad_key).status_code == 403
    assert asgi_post(f"/api/{project.pk}/envelope/", b"{not json", headers).status_code == 400
    assert outcome_rows(project) == {
        ("refused", "bad_key", "error", 1),
        ("refused", "malformed", "error", 1),
    }


def test_old_counters_are_pruned(target, settings):
    project, _ = target
    settings.OUTCOMES_RETENTION_DAYS = 30
    for age in (timedelta(days=31), timedelta(days=29)):
        Outcome.objects.create(
            project=project, hour=T0 - age, outcome="accepted", category="error", count=1
        )
    assert outcomes.prune(now=T0) == 1
    assert Outcome.objects.get().hour == T0 - timedelta(days=29)


def test_check_ins_have_a_quota_of_their_own(target, settings):
    project, headers = target
    settings.INGEST_CATEGORY_QUOTAS = "monitor=1/minute"
    body = envelope(("check_in", b'{"monitor_slug": "nightly", "status": "ok"}'))
    with time_machine.travel(T0, tick=False):
        first = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
        second = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
    assert first.status_code == second.status_code == 200
    assert "X-Sentry-Rate-Limits" not in first.headers
    assert second.headers["X-Sentry-Rate-Limits"] == "30:monitor:project:quota_exceeded"


def test_a_bad_category_quota_setting_is_refused_clearly():
    from django.core.exceptions import ImproperlyConfigured

    from core.category_quotas import parse_category_quotas

    assert parse_category_quotas("attachment=5/minute, feedback=2/hour") == {
        "attachment": {"minute": 5},
        "feedback": {"hour": 2},
    }
    for bad in ("transaction=5/minute", "attachment=5/day", "attachment=many/hour"):
        with pytest.raises(ImproperlyConfigured, match="INGEST_CATEGORY_QUOTAS"):
            parse_category_quotas(bad)


def test_flushed_counters_read_back_per_hour_like_orm_rows(target):
    """The flush's upsert writes the hour as the ORM does: the page's filters find it, and a
    second flush into the same hour adds to the same row."""
    from events.outcome_summary import outcome_buckets

    project, headers = target
    for _ in range(2):
        event_id = uuid.uuid4().hex
        body = envelope(event_item(event_id), event_id=event_id)
        assert asgi_post(f"/api/{project.pk}/envelope/", body, headers).status_code == 200
        rejections.flush_rejections()
    assert Outcome.objects.filter(project=project).count() == 1
    latest = outcome_buckets(project.pk, "hour")[-1]
    assert latest.total("accepted") == 2
