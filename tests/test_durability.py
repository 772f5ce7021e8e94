"""An event we answered 200 for is stored exactly once, whatever happens to the worker or broker.

The worker is SIGKILLed in the middle of digesting, and ingestion runs while the broker is
unreachable; afterwards every acknowledged event_id must be in events_event exactly once and
the Issue counters must add up.
"""

import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
import requests

from tests.live import LiveStack

# Runs in both passes of ./test: the spool and broker differ: the SQLite spool file and filesystem
# broker, or PostgreSQL and Redis.
pytestmark = [pytest.mark.live, pytest.mark.every_database]

SENDERS = 16
DOWN_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def event_envelope(event_id: str, n: int) -> bytes:
    """A realistic error event; five kinds of error, so several Issues share the events."""
    kind = n % 5
    frames = [
        {
            "filename": f"app/module_{kind}.py",
            "function": f"handler_{kind}_{depth}",
            "lineno": 10 + depth,
            "in_app": True,
            "context_line": f"    step_{depth}(request)",
            "vars": {"n": n, "depth": depth, "payload": "x" * 100},
        }
        for depth in range(15)
    ]
    event = {
        "event_id": event_id,
        "timestamp": time.time(),
        "platform": "python",
        "level": "error",
        "release": "durability@1.0",
        "environment": "test",
        "exception": {
            "values": [
                {
                    "type": f"DurabilityError{kind}",
                    "value": f"failure number {n}",
                    "stacktrace": {"frames": frames},
                }
            ]
        },
        "tags": {"kind": str(kind), "shard": str(n % 13)},
        "user": {"id": str(n % 50)},
    }
    payload = orjson.dumps(event)
    header = orjson.dumps({"event_id": event_id, "sent_at": "2024-01-01T00:00:00Z"})
    item = orjson.dumps({"type": "event", "length": len(payload)})
    return b"\n".join([header, item, payload]) + b"\n"


def post_events(base_url: str, project_id: int, dsn: str, count: int) -> list[str]:
    """POST `count` distinct events concurrently; returns the ids the server acknowledged."""
    url = f"{base_url}/api/{project_id}/envelope/"
    key = urlsplit(dsn).username
    headers = {
        "X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={key}, sentry_client=durability/1",
        "Content-Type": "application/x-sentry-envelope",
    }
    local = threading.local()

    def post(n: int) -> str:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        event_id = uuid.uuid4().hex
        response = local.session.post(
            url, data=event_envelope(event_id, n), headers=headers, timeout=60
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"id": event_id}
        return event_id

    with ThreadPoolExecutor(SENDERS) as pool:
        acknowledged = list(pool.map(post, range(count)))
    assert len(set(acknowledged)) == count
    return acknowledged


def digested_count(stack: LiveStack, project_id: int) -> int:
    query = "SELECT COUNT(*) FROM events_event WHERE project_id = %s"
    return stack.sql(query, (project_id,))[0][0]


def assert_stored_exactly_once(stack: LiveStack, project_id: int, acknowledged: list[str]):
    stack.wait_for_spool_empty(project_id, timeout=60)
    stored = stack.wait_for_events(project_id, set(acknowledged), timeout=30)
    assert stored == set(acknowledged), f"{len(set(acknowledged) - stored)} events missing"
    doubled = stack.sql(
        "SELECT event_id, COUNT(*) FROM events_event WHERE project_id = %s"
        " GROUP BY event_id HAVING COUNT(*) > 1",
        (project_id,),
    )
    assert doubled == []
    assert digested_count(stack, project_id) == len(acknowledged)
    issues = stack.sql(
        "SELECT COUNT(*), SUM(event_count) FROM issues_issue WHERE project_id = %s", (project_id,)
    )
    assert issues == [(5, len(acknowledged))]


def log_size(stack: LiveStack, name: str) -> int:
    path = stack.workdir / name
    return path.stat().st_size if path.exists() else 0


def log_since(stack: LiveStack, name: str, offset: int) -> str:
    with open(Path(stack.workdir) / name, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def wait_for_log(stack: LiveStack, name: str, offset: int, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while text not in (log := log_since(stack, name, offset)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return log


def kill_worker_mid_digest(stack: LiveStack, project_id: int) -> tuple[int, int, str]:
    """Start the worker on a full spool and SIGKILL it once its first batch has committed.

    Returns (digested, spooled and not digested, worker log of this run) right after the kill.
    """
    offset = log_size(stack, "worker.log")
    stack.start_worker()
    deadline = time.monotonic() + 60
    while not digested_count(stack, project_id):
        assert time.monotonic() < deadline, stack.log("worker.log")
        time.sleep(0.005)
    stack.kill_worker()
    digested = stack.stored_event_ids(project_id)
    spooled = {
        row[0]
        for row in stack.sql(
            "SELECT event_id FROM events_rawevent WHERE project_id = %s", (project_id,), spool=True
        )
    }
    # On SQLite the spool is a separate file, emptied just after a batch commits: an event may
    # be in both places for a moment (it is then skipped as already digested), never in neither.
    return len(digested), len(spooled - digested), log_since(stack, "worker.log", offset)


def test_worker_killed_mid_digest_loses_and_doubles_nothing(live_stack: LiveStack):
    project_id, dsn = live_stack.create_project("durability-kill")
    # The spool is filled with the worker stopped, so digestion starts on a known backlog of
    # several batches (DIGEST_BATCH_SIZE is 500) and the kill lands while work remains.
    live_stack.stop_worker()
    try:
        acknowledged = post_events(live_stack.base_url, project_id, dsn, 1200)
        assert live_stack.spool_size(project_id) == len(acknowledged)
        digested, spooled, log = kill_worker_mid_digest(live_stack, project_id)
    finally:
        if live_stack.worker is None:
            live_stack.start_worker()

    # Killed during work: some batches committed, others still waiting; a batch is atomic, so
    # nothing is half-digested (every event is digested or still spooled).
    assert 0 < digested < len(acknowledged), log[-3000:]
    assert spooled > 0
    assert digested + spooled == len(acknowledged)
    # A digest task had started and had not finished when the worker was killed.
    received = set(re.findall(r"digest_project\[([0-9a-f-]+)\] received", log))
    finished = set(re.findall(r"digest_project\[([0-9a-f-]+)\] (?:succeeded|failed|raised)", log))
    assert received - finished, log[-3000:]

    # The restarted worker (its startup sweep, the periodic sweep, or the redelivered task)
    # digests the rest, without doubling what the killed one had committed.
    assert_stored_exactly_once(live_stack, project_id, acknowledged)


def test_ingest_accepts_while_broker_is_down_and_sweep_digests_later(live_stack: LiveStack):
    project_id, dsn = live_stack.create_project("durability-broker-down")
    log_name = "web-broker-down.log"
    offset = log_size(live_stack, log_name)
    live_stack.stop_worker()
    try:
        # A second web process on the same database whose broker is unreachable.
        with live_stack.extra_web(log_name, CELERY_BROKER_URL=DOWN_BROKER_URL) as base_url:
            started = time.monotonic()
            acknowledged = post_events(base_url, project_id, dsn, 200)
            elapsed = time.monotonic() - started
            # Enqueueing happens off the request thread, just after the responses went out.
            log = wait_for_log(live_stack, log_name, offset, "could not enqueue digest")
        # Persisted, not digested, and the failed enqueue did not stall ingestion.
        assert live_stack.spool_size(project_id) == len(acknowledged)
        assert digested_count(live_stack, project_id) == 0
        assert elapsed < 20, f"ingest took {elapsed:.1f}s with the broker down"
        assert "could not enqueue digest" in log, log[-3000:]
    finally:
        live_stack.start_worker()  # connected to the stack's working broker

    assert_stored_exactly_once(live_stack, project_id, acknowledged)
