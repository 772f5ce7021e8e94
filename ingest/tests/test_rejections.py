"""Refusal counts: every gunicorn process adds its own counts to shared daily buckets, so the
write must be an addition that two processes can make at once, and a failed write is retried."""

import threading
import time
from datetime import date

import pytest
from django.db import OperationalError, connection, transaction

from events.models import IngestRejection
from ingest import rejections
from ingest.rejections import record_rejection, write_counts
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_timer(monkeypatch):
    # Counts are written by the test (flush_rejections), not by a timer thread racing it.
    monkeypatch.setattr(rejections, "_schedule_flush", lambda wait: None)
    yield
    rejections.flush_rejections()


def counted(project_id: int | None) -> dict[str, int]:
    totals: dict[str, int] = {}
    for reason, count in IngestRejection.objects.filter(project_id=project_id).values_list(
        "reason", "count"
    ):
        totals[reason] = totals.get(reason, 0) + count
    return totals


def in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_processes_adding_to_a_new_bucket_at_once_lose_nothing():
    """The other process creates today's bucket but has not committed when ours writes: ours
    must wait and add to it, not fail on the unique bucket or overwrite it."""
    project = make_project()
    today = date.today()
    other_wrote, other_may_commit = threading.Event(), threading.Event()

    def other_process():
        with transaction.atomic():
            write_counts({(project.pk, "bad_json"): 2}, today)
            other_wrote.set()
            assert other_may_commit.wait(10)

    other = in_thread(other_process)
    assert other_wrote.wait(10)
    ours = in_thread(lambda: write_counts({(project.pk, "bad_json"): 3}, today))
    time.sleep(0.3)  # ours is now blocked on the other's uncommitted bucket
    other_may_commit.set()
    other.join(15)
    ours.join(15)

    assert counted(project.pk) == {"bad_json": 5}
    assert IngestRejection.objects.filter(project=project).count() == 1


def test_counts_add_up_across_flushes_and_reasons():
    project = make_project()
    for reason in ("auth_missing", "auth_missing", "bad_json"):
        record_rejection(project.pk, reason, 400, "detail")
    rejections.flush_rejections()
    record_rejection(project.pk, "auth_missing", 401, "detail")
    record_rejection(None, "auth_missing", 401, "no project")
    record_rejection(987654, "auth_missing", 401, "a project that does not exist")
    rejections.flush_rejections()

    assert counted(project.pk) == {"auth_missing": 3, "bad_json": 1}
    assert counted(None) == {"auth_missing": 2}


def test_counts_survive_a_failed_write(monkeypatch):
    project = make_project()
    real_write = rejections.write_counts
    failures = iter([OperationalError("database is down")])

    def flaky_write(batch, day):
        if (error := next(failures, None)) is not None:
            raise error
        real_write(batch, day)

    monkeypatch.setattr(rejections, "write_counts", flaky_write)
    record_rejection(project.pk, "bad_json", 400, "detail")
    rejections.flush_rejections()
    assert counted(project.pk) == {}
    record_rejection(project.pk, "bad_json", 400, "detail")
    rejections.flush_rejections()
    assert counted(project.pk) == {"bad_json": 2}


def test_counts_waiting_for_a_database_that_stays_down_are_bounded(monkeypatch):
    monkeypatch.setattr(rejections, "MAX_PENDING_BUCKETS", 3)

    def down(batch, day):
        raise OperationalError("database is down")

    monkeypatch.setattr(rejections, "write_counts", down)
    for project_id in range(10):
        record_rejection(project_id, "auth_missing", 401, "detail")
        rejections.flush_rejections()
    assert len(rejections._pending) <= 3
    rejections._pending.clear()
