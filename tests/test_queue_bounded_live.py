"""Under sustained load the broker holds at most one digest request per project.

A real stack (gunicorn, Celery workers; the filesystem broker on the embedded pass, Redis on the
PostgreSQL one) receives real
sentry-sdk events for three projects at a fixed rate for 75 seconds (bench/openloop.py, open
loop: the sender never waits for the server). The broker's queue (the digest requests' message
files, or LLEN on Redis) is counted twice a second throughout; it must never exceed the number
of projects plus beat's one other periodic task there (the sweep's messages go to the alerts
queue). Afterwards every accepted event must
be digested. The several-minute version is `bench.soak`.
"""

import threading
import time
from pathlib import Path

import pytest

from bench.openloop import PacedLoad
from bench.payloads import body_maker
from tests.conftest import stack_kind
from tests.live import LiveStack

pytestmark = pytest.mark.live

PROJECTS = 3
# Beat's eviction pass (datapolicy.tasks.evict_all, every RETENTION_INTERVAL) shares the queue.
OTHER_PERIODIC_TASKS = 1
RATE = 300  # events per second: sustained, well within what the shared test machine takes
SECONDS = 75


@pytest.fixture
def stack(tmp_path: Path):
    # A stack of its own: the shared one's broker holds other tests' messages.
    env = {"INGEST_QUOTA_PER_MINUTE": "0", "INGEST_QUOTA_PER_HOUR": "0"}
    if stack_kind() == "postgres":
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/13"  # not the shared stack's db
    stack = LiveStack(stack_kind(), tmp_path, extra_env=env).start()
    yield stack
    stack.stop()


def test_broker_queue_stays_bounded_by_projects_under_sustained_load(stack: LiveStack):
    targets = []
    for n in range(PROJECTS):
        project_id, dsn = stack.create_project(f"bounded-{n}")
        targets.append((project_id, dsn.split("//", 1)[1].split("@", 1)[0]))

    lengths: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            lengths.append(stack.broker_queue_length())

    sampler = threading.Thread(target=sample, daemon=True)
    load = PacedLoad("127.0.0.1", stack.port, targets, body_maker("neutral", False), RATE)
    sampler.start()
    load.start()
    try:
        time.sleep(SECONDS)
    finally:
        load.stop()
        stop.set()
        sampler.join()
    sent = load.drain()
    accepted = {s.event_id for s in sent if s.status == 200}

    assert len(lengths) > SECONDS  # sampled throughout, twice a second
    assert len(accepted) > RATE * SECONDS // 2, "the stack took too little load to tell"
    assert max(lengths) <= PROJECTS, f"queue lengths {lengths}\n{stack.log('worker.log')}"

    stored: set[str] = set()
    for project_id, _ in targets:
        stack.wait_for_spool_empty(project_id, timeout=300)
        stored |= stack.stored_event_ids(project_id)
    assert accepted - stored == set(), "accepted events were not digested"
