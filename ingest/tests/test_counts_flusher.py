"""The counters' flusher: under load a flush runs every second, so it runs in one long-lived
thread per process that keeps its database connection between flushes (a thread and a new
connection per flush cost a busy web process about a tenth of its CPU), and lets the connection
go once flushes stop."""

import threading
import time

import pytest
from django.db.backends.signals import connection_created

from events.models import Outcome
from ingest import outcomes, rejections
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.02)


def accepted_count(project) -> int:
    return sum(Outcome.objects.filter(project=project).values_list("count", flat=True))


@pytest.fixture
def flusher_settings(monkeypatch):
    outcomes.take_pending()
    monkeypatch.setattr(rejections, "FLUSH_INTERVAL", 0.05)
    monkeypatch.setattr(rejections, "IDLE_CLOSE_SECONDS", 3.0)  # far above the gaps below
    yield
    # The flusher lets its connection go before the test database is emptied.
    if rejections._flusher is not None:
        wait_until(rejections._flusher.idle.is_set)


def test_successive_flushes_share_one_thread_and_one_connection(flusher_settings):
    project = make_project()
    opened_by: list[str] = []

    def on_connect(sender, connection, **kwargs):
        opened_by.append(threading.current_thread().name)

    connection_created.connect(on_connect)
    try:
        threads = set()
        for n in (1, 2, 3):
            rejections.record_outcome(project.pk, outcomes.ACCEPTED, "", "error")
            wait_until(lambda n=n: accepted_count(project) == n)
            threads.add(rejections._flusher.thread)
    finally:
        connection_created.disconnect(on_connect)

    assert len(threads) == 1 and threads.pop().is_alive()
    assert opened_by.count("ingest-counts") <= 1  # at most the first flush connects


def test_the_flusher_closes_its_connection_once_flushes_stop(flusher_settings, monkeypatch):
    monkeypatch.setattr(rejections, "IDLE_CLOSE_SECONDS", 0.2)
    project = make_project()
    rejections.record_outcome(project.pk, outcomes.ACCEPTED, "", "error", 4)
    wait_until(lambda: accepted_count(project) == 4)
    wait_until(rejections._flusher.idle.is_set)
    rejections.record_outcome(project.pk, outcomes.ACCEPTED, "", "error", 1)
    wait_until(lambda: accepted_count(project) == 5)  # a closed connection is opened again
