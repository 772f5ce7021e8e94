"""Several digesters on the same project at once never lose or double a count."""

import subprocess
import sys

import pytest
import requests

from tests.envelopes import auth_headers, envelope_url, event_envelope
from tests.shared import REPO_ROOT

# Runs in both passes of ./test: digesters are serialized differently: SQLite's single writer, or
# an advisory lock.
pytestmark = [pytest.mark.live, pytest.mark.every_database]

PROCESSES = 4
EVENTS = 240


def same_issue_event(i: int) -> dict:
    return {
        "platform": "python",
        "level": "error",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"bad value {i}",
                    "stacktrace": {
                        "frames": [
                            {"module": "shop.orders", "function": "checkout", "in_app": True,
                             "lineno": 10 + i % 7},
                        ]
                    },
                }
            ]
        },
    }  # fmt: skip


def test_parallel_digesters_keep_exact_counts(live_stack):
    project_id, dsn = live_stack.create_project()
    live_stack.stop_worker()  # let the spool fill up, then digest it from several processes
    try:
        session = requests.Session()
        for i in range(EVENTS):
            _, body, headers = event_envelope(same_issue_event(i))
            response = session.post(
                envelope_url(dsn), data=body, headers={**headers, **auth_headers(dsn)}
            )
            assert response.status_code == 200
        assert live_stack.spool_size(project_id) == EVENTS

        digesters = [
            subprocess.Popen(
                [sys.executable, "manage.py", "digest", str(project_id), "--batch-size", "7"],
                cwd=REPO_ROOT,
                env=live_stack.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(PROCESSES)
        ]
        outputs = [d.communicate(timeout=120) for d in digesters]
        assert all(d.returncode == 0 for d in digesters), outputs
    finally:
        live_stack.start_worker()

    digested = sum(int(out.decode().split("digested ")[1].split()[0]) for out, _ in outputs)
    assert digested == EVENTS
    assert live_stack.spool_size(project_id) == 0
    rows = live_stack.sql(
        "SELECT COUNT(*), SUM(event_count) FROM issues_issue WHERE project_id = %s", (project_id,)
    )
    assert rows == [(1, EVENTS)]
    assert len(live_stack.stored_event_ids(project_id)) == EVENTS
