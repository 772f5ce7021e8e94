"""Digest requests coalesce: at most one waiting in the broker per project, and no wake-up lost.

Real ingest (the ASGI application in-process, its scheduler thread publishing to the configured
broker: the filesystem broker on the embedded pass, Redis on the PostgreSQL pass) and a real
Celery worker (in a thread of this process) consuming that broker.
"""

import asyncio
import threading
import time

import httpx
import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from bugsink.asgi import application
from core import digest_requests
from events.models import Event
from ingest.group_commit import committer
from projects.models import ProjectKey
from projects.tests.factories import make_project
from tests.envelopes import event_envelope
from tests.live import broker_queue_length

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture(autouse=True)
def _no_sessions_left_behind():
    """The worker thread's database sessions outlive it; end them so the test database can be
    dropped (PostgreSQL refuses while sessions are open)."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


PROJECTS = 2
# Messages allowed beyond one per project: the sweep's own message.
SLACK = 1


def queue_length() -> int:
    return broker_queue_length(settings.CELERY_BROKER_URL, settings.BROKER_DIR)


class Sampler:
    """Records the broker queue's length every few milliseconds while it runs."""

    def __init__(self) -> None:
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(queue_length())
            self._stop.wait(0.01)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


async def _post_for(targets: list[tuple[int, str]], seconds: float, accepted: dict) -> None:
    """Post events to every project from 8 concurrent clients, in bursts, for `seconds`."""
    transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
    deadline = time.monotonic() + seconds

    async def client(n: int) -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            i = 0
            while time.monotonic() < deadline:
                project_id, key = targets[(n + i) % len(targets)]
                event = {"message": f"coalesce {n}", "level": "error", "platform": "python"}
                event_id, body, headers = event_envelope(event)
                headers["X-Sentry-Auth"] = f"Sentry sentry_key={key}, sentry_version=7"
                url = f"/api/{project_id}/envelope/"
                response = await c.post(url, content=body, headers=headers)
                if response.status_code == 200:
                    accepted[project_id].add(event_id)
                i += 1
                if i % 20 == 0:
                    await asyncio.sleep(0.01)  # spread the events over many scheduler windows

    try:
        await asyncio.gather(*(client(n) for n in range(8)))
    finally:
        await committer.close()


def hammer(targets, seconds: float, accepted: dict) -> None:
    asyncio.run(_post_for(targets, seconds, accepted))


def stored(project_id: int) -> set[str]:
    return set(Event.objects.filter(project_id=project_id).values_list("event_id", flat=True))


def test_queue_stays_one_per_project_and_every_event_is_digested():
    current_app.control.purge()  # leftovers of other tests on this broker
    projects = [make_project(name=f"coalesce-{n}") for n in range(PROJECTS)]
    targets = [(p.pk, ProjectKey.objects.get(project=p).public_key) for p in projects]
    for project in projects:
        digest_requests.release(project.pk)
    accepted: dict[int, set[str]] = {p.pk: set() for p in projects}

    # No worker: every request must find its project's request already waiting. Published
    # once per 50 ms window, uncoalesced requests would reach dozens within these 2 seconds.
    with Sampler() as idle:
        hammer(targets, 2.0, accepted)
        time.sleep(0.3)  # the scheduler's last window
    assert sum(map(len, accepted.values())) > 40
    assert max(idle.samples) <= PROJECTS, idle.samples

    # A worker drains while ingest goes on: events spooled during a drain still get digested.
    with start_worker(current_app, pool="solo", perform_ping_check=False, queues=["celery"]):
        with Sampler() as busy:
            hammer(targets, 3.0, accepted)
            deadline = time.monotonic() + 120
            while any(accepted[p] - stored(p) for p in accepted) and time.monotonic() < deadline:
                time.sleep(0.1)
    for project_id, ids in accepted.items():
        assert ids - stored(project_id) == set(), f"project {project_id} lost wake-ups"
    assert max(busy.samples) <= PROJECTS + SLACK, busy.samples
