"""Project quotas through the real ingest endpoint (in-process ASGI), on a controlled clock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from events.models import IngestRejection, RawEvent
from ingest import quota, rejections
from issues.tests.lifecycle_helpers import new_project
from projects.models import ProjectKey
from tests.asgi import asgi_post
from tests.envelopes import event_envelope

# Ingest commits the spool itself (group commit), outside a test transaction: real ones.
pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

T0 = datetime(2026, 5, 4, 10, 20, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_digest_and_fresh_quota(monkeypatch):
    # The spool is what the quota counts; digestion is not part of this test.
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    # Rejection counts are written by the test (flush_rejections), not by a timer thread that
    # fires whenever it likes, perhaps after this test's rows were cleared for the next test.
    monkeypatch.setattr("ingest.rejections._schedule_flush", lambda wait: None)
    quota.reset()
    yield
    quota.reset()
    rejections.flush_rejections()  # nothing recorded here may leak into the next test


def post(client, project):
    key = ProjectKey.objects.create(project=project).public_key
    _, body, headers = event_envelope({"message": "hi"}, compress=False)
    headers["X-Sentry-Auth"] = f"Sentry sentry_key={key}, sentry_version=7"
    return asgi_post(f"/api/{project.pk}/envelope/", body, headers)


def test_minute_quota_refuses_until_the_minute_ends(client, settings):
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 3, 0
    project, other = new_project(), new_project()
    with time_machine.travel(T0, tick=False) as clock:
        assert [post(client, project).status_code for _ in range(3)] == [200, 200, 200]
        refused = post(client, project)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "30"  # 10:20:30 -> 10:21:00
        assert (
            refused.headers["X-Sentry-Rate-Limits"]
            == "30:error;default;security:project:quota_exceeded"
        )
        assert post(client, other).status_code == 200  # per project
        clock.move_to(T0 + timedelta(seconds=29))
        assert post(client, project).headers["Retry-After"] == "1"
        clock.move_to(T0 + timedelta(seconds=30))  # a new minute
        assert post(client, project).status_code == 200
        rejections.flush_rejections()  # on the test's clock
    assert RawEvent.objects.filter(project_id=project.pk).count() == 4
    rejected = IngestRejection.objects.filter(project=project, reason="quota_exceeded")
    assert [(r.day, r.count) for r in rejected] == [(T0.date(), 2)]


def test_hour_quota(client, settings):
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 0, 2
    project = new_project()
    with time_machine.travel(T0, tick=False) as clock:
        assert post(client, project).status_code == 200
        clock.move_to(T0 + timedelta(minutes=5))
        assert post(client, project).status_code == 200
        clock.move_to(T0 + timedelta(minutes=10))
        refused = post(client, project)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == str(29 * 60 + 30)  # until 11:00:00


def test_counts_what_other_processes_stored(client, settings):
    """The estimate is re-read from the database: events stored elsewhere count too."""
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 3, 0
    project = new_project()
    with time_machine.travel(T0, tick=False):
        assert post(client, project).status_code == 200
        for i in range(2):  # as if another gunicorn process had accepted them
            RawEvent.objects.create(
                project_id=project.pk, event_id=f"{i:032x}", received_at=T0, payload=b"{}"
            )
        assert post(client, project).status_code == 429


def test_zero_means_unlimited(client, settings):
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 0, 0
    project = new_project()
    assert {post(client, project).status_code for _ in range(20)} == {200}
