"""The digest task: it releases its project's marker first, and a long drain yields the worker.

Runs against the configured broker (filesystem on the embedded pass, Redis on PostgreSQL).
"""

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from celery import current_app
from django.conf import settings

from core import digest_requests
from digestion import tasks
from events.models import Event, RawEvent
from projects.tests.factories import make_project, python_event
from tests.live import broker_queue_length

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def spool(project_id: int, count: int) -> None:
    now = datetime.now(UTC)
    RawEvent.objects.bulk_create(
        RawEvent(
            project_id=project_id,
            event_id=uuid.uuid4().hex,
            received_at=now,
            payload=orjson.dumps(python_event()),
        )
        for _ in range(count)
    )


def queued() -> int:
    return broker_queue_length(settings.CELERY_BROKER_URL, settings.BROKER_DIR)


@pytest.fixture
def project():
    current_app.control.purge()
    project = make_project()
    digest_requests.release(project.pk)
    yield project
    digest_requests.release(project.pk)
    current_app.control.purge()


def test_a_drain_past_its_time_enqueues_the_rest_behind_other_requests(
    project, settings, monkeypatch
):
    settings.DIGEST_BATCH_SIZE = 10
    monkeypatch.setattr(tasks, "DRAIN_SECONDS", 0.0)  # one batch per task
    spool(project.pk, 25)
    assert digest_requests.claim(project.pk)  # as ingest does before publishing

    assert tasks.digest_project(project.pk) == 10
    assert queued() == 1  # the rest waits behind whatever else is queued
    assert not digest_requests.claim(project.pk)  # that request holds the marker

    assert tasks.digest_project(project.pk) == 10
    assert tasks.digest_project(project.pk) == 5
    assert queued() == 2  # the third call found nothing more and enqueued nothing
    assert Event.objects.filter(project=project).count() == 25
    assert digest_requests.claim(project.pk)  # released by the last drain


def test_a_drain_that_finishes_enqueues_nothing_and_leaves_the_marker_free(project):
    spool(project.pk, 5)
    assert digest_requests.claim(project.pk)
    assert tasks.digest_project(project.pk) == 5
    assert queued() == 0
    assert digest_requests.claim(project.pk)


def test_the_sweep_skips_projects_whose_request_is_pending_unless_forced(project):
    spool(project.pk, 3)
    assert digest_requests.claim(project.pk)
    assert project.pk not in tasks.sweep_undigested()
    assert queued() == 0
    assert project.pk in tasks.sweep_undigested(force=True)
    assert queued() == 1
    digest_requests.release(project.pk)
    assert project.pk in tasks.sweep_undigested()
    assert queued() == 2


def test_a_duplicate_request_drains_and_frees_nothing(project):
    spool(project.pk, 5)
    duplicate = digest_requests.claim(project.pk)
    current = digest_requests.claim(project.pk, force=True)  # a digest worker's start
    assert tasks.digest_project(project.pk, token=duplicate) == 5  # it still digests
    assert digest_requests.claim(project.pk) is None  # the current request holds the marker
    spool(project.pk, 2)
    assert tasks.digest_project(project.pk, token=current) == 2
    assert digest_requests.claim(project.pk)  # freed by the request that held it


def test_a_drain_gives_freed_memory_back_to_the_system(project, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "release_free_memory", lambda: calls.append(True))
    spool(project.pk, 3)

    assert tasks.digest_project(project.pk) == 3
    assert calls == [True]
