"""Under sustained load the broker holds at most one digest request per project, and returns to
that after a worker restart.

A real stack (gunicorn, Celery workers; the filesystem broker on the embedded pass, Redis on the
PostgreSQL one) receives real sentry-sdk events for three projects at a fixed rate (open loop:
bench/openloop.py, the sender never waits for the server). The broker's queue (the digest
requests' message files, or LLEN on Redis) is counted twice a second throughout; it must never
exceed the number of projects plus beat's one other periodic task there (the eviction pass).

Midway the workers are restarted while the load goes on. The digest worker's start-up sweep
claims every project regardless (a marker whose message was lost must not block it), which
puts a second request next to each one ingest queued meanwhile; those duplicates must drain
away rather than be replaced, so after a settling time the bound holds again. Afterwards every
accepted event must be digested. The several-minute version is `bench.soak`.
"""

import threading
import time
from pathlib import Path

import pytest

from bench.openloop import PacedLoad
from bench.payloads import body_maker
from tests.conftest import stack_kind
from tests.live import LiveStack

# Runs in both passes of ./test: the markers and the queue differ per broker: files, or Redis keys
# and a list.
pytestmark = [pytest.mark.live, pytest.mark.every_database]

PROJECTS = 3
# Beat's eviction pass (datapolicy.tasks.evict_all, every RETENTION_INTERVAL) shares the queue.
OTHER_PERIODIC_TASKS = 1
BOUND = PROJECTS + OTHER_PERIODIC_TASKS
RATE = 300  # events per second: sustained, well within what the shared test machine takes
BEFORE_RESTART = 20  # seconds
# Each duplicate drains its project once (at most DRAIN_SECONDS, 10 s) before it is gone.
SETTLE = 35
AFTER_SETTLE = 20


@pytest.fixture
def stack(tmp_path: Path):
    # A stack of its own: the shared one's broker holds other tests' messages.
    env = {"INGEST_QUOTA_PER_MINUTE": "0", "INGEST_QUOTA_PER_HOUR": "0"}
    if stack_kind() == "postgres":
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/13"  # not the shared stack's db
    stack = LiveStack(stack_kind(), tmp_path, extra_env=env).start()
    stack.wait_for_workers_ready()
    yield stack
    stack.stop()


class QueueSampler(threading.Thread):
    def __init__(self, stack: LiveStack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.samples: list[tuple[float, int]] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.5):
            self.samples.append((time.monotonic(), self.stack.broker_queue_length()))

    def stop(self) -> None:
        self._done.set()
        self.join()

    def between(self, start: float, end: float) -> list[int]:
        return [length for at, length in self.samples if start <= at < end]


def test_broker_queue_stays_bounded_by_projects_under_sustained_load(stack: LiveStack):
    targets = []
    for n in range(PROJECTS):
        project_id, dsn = stack.create_project(f"bounded-{n}")
        targets.append((project_id, dsn.split("//", 1)[1].split("@", 1)[0]))

    sampler = QueueSampler(stack)
    load = PacedLoad("127.0.0.1", stack.port, targets, body_maker("neutral", False), RATE)
    sampler.start()
    load.start()
    started = time.monotonic()
    try:
        time.sleep(BEFORE_RESTART)
        restart_began = time.monotonic()
        stack.stop_worker()
        stack.start_worker()
        stack.wait_for_workers_ready()
        settled = time.monotonic() + SETTLE
        time.sleep(SETTLE + AFTER_SETTLE)
        ended = time.monotonic()
    finally:
        load.stop()
        sampler.stop()
    sent = load.drain()
    accepted = {s.event_id for s in sent if s.status == 200}

    before = sampler.between(started, restart_began)
    after = sampler.between(settled, ended)
    log = stack.log("worker.log")
    assert len(before) >= BEFORE_RESTART and len(after) >= AFTER_SETTLE  # twice a second
    assert len(accepted) > RATE * BEFORE_RESTART, "the stack took too little load to tell"
    assert max(before) <= BOUND, f"before the restart: {before}\n{log}"
    assert max(after) <= BOUND, f"after the restart settled: {after}\n{log}"

    stored: set[str] = set()
    for project_id, _ in targets:
        stack.wait_for_spool_empty(project_id, timeout=300)
        stored |= stack.stored_event_ids(project_id)
    assert accepted - stored == set(), "accepted events were not digested"
