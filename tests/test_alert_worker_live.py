"""Alert delivery never delays digestion.

The live stack runs the Celery worker as ./run does (bugsink/workers.py): one process whose
threads serve every queue, alert delivery limited to its lane (bugsink/lanes.py). Its mail
server is a real TCP server that accepts the connection and never answers, the way a stuck SMTP
server does: every alert email hangs for EMAIL_TIMEOUT. New Issues must still be digested
promptly while that happens, even when more emails hang than the worker has threads.
"""

import time
import uuid

import pytest

from alerts.tests.servers import SilentServer
from bugsink.workers import ALERT_THREADS, THREADS
from tests.conftest import stack_kind
from tests.envelopes import post_events
from tests.live import LiveStack

pytestmark = pytest.mark.live

SMTP_TIMEOUT = 60  # seconds an alert email waits for the silent server's greeting
# "Promptly": digestion on this loaded 2-core machine is well under a second; a digestion
# queued behind a stuck email would wait most of SMTP_TIMEOUT.
PROMPT = 10
WAIT = 120
# Not the Redis db of another live stack of the suite (14: the shared one, 13: alerts e2e).
REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture(scope="module")
def silent_smtp():
    server = SilentServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, silent_smtp):
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(silent_smtp.port),
        "EMAIL_TIMEOUT": str(SMTP_TIMEOUT),
        "ALERT_COALESCE_SECONDS": "0",
    }
    if stack_kind() == "postgres":
        env["CELERY_BROKER_URL"] = REDIS_URL
    live = LiveStack(stack_kind(), tmp_path_factory.mktemp("alert-worker"), extra_env=env)
    live.start()
    yield live
    silent_smtp.stop()  # the hanging emails fail at once, so the workers stop quickly
    live.stop()


def new_issue_event(name: str) -> dict:
    return {"level": "error", "message": f"stuck smtp {name}", "fingerprint": [name]}


def test_stuck_smtp_server_does_not_delay_digestion(stack, silent_smtp):
    team = f"team-{uuid.uuid4().hex[:6]}"
    output = stack.manage("createproject", "stuck-smtp", "--team", team)
    dsn = output.split("DSN: ", 1)[1].strip()
    project_id = int(dsn.rsplit("/", 1)[1])
    for name in ("oncall", "lead"):
        stack.manage("createuser", name, uuid.uuid4().hex, "--team", team,
                     "--email", f"{name}@example.com")  # fmt: skip

    # The first new Issue's alert email connects to the mail server and hangs there.
    first = post_events(dsn, [new_issue_event("first")])
    assert first <= stack.wait_for_events(project_id, first, timeout=WAIT), stack.log("worker.log")
    assert silent_smtp.wait_for_connections(1, timeout=WAIT), stack.log("worker.log")

    # Meanwhile every further new Issue is digested promptly, each alerting two people in turn:
    # soon more emails hang than the worker has threads.
    for n in range(THREADS):
        started = time.monotonic()
        event_ids = post_events(dsn, [new_issue_event(f"later-{n}")])
        stored = stack.wait_for_events(project_id, event_ids, timeout=PROMPT)
        elapsed = time.monotonic() - started
        assert event_ids <= stored, f"not digested within {PROMPT}s:\n{stack.log('worker.log')}"
        assert elapsed < PROMPT

    # ... and all the while alert delivery was stuck, not failed or done.
    assert 1 <= silent_smtp.open_connections() <= ALERT_THREADS  # no more than the alert lane
    query = "SELECT COUNT(*) FROM issues_issue WHERE project_id = %s"
    assert stack.sql(query, (project_id,)) == [(THREADS + 1,)]
