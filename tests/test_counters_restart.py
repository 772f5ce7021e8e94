"""Period counters live in the digesting worker's memory; a restarted worker must carry on with
the same counts, so a pending unmute condition fires exactly when it should, once."""

import json
import urllib.request

import pytest

from tests.envelopes import auth_headers, envelope_url, event_envelope

pytestmark = pytest.mark.live

MUTE = """
from issues.models import Issue
from issues.state import IssueStateManager
IssueStateManager.mute(Issue.objects.get(pk={issue_id}), conditions={conditions})
"""


def _send(stack, project_id: int, dsn: str, n: int) -> None:
    ids = set()
    for _ in range(n):
        event_id, body, headers = event_envelope({"message": "restart me", "level": "error"})
        request = urllib.request.Request(
            envelope_url(dsn), data=body, headers={**headers, **auth_headers(dsn)}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        ids.add(event_id)
    assert ids <= stack.wait_for_events(project_id, ids, timeout=90)


def _state(stack, issue_id: int) -> tuple[bool, list[str]]:
    (muted,) = stack.sql("SELECT is_muted FROM issues_issue WHERE id = %s", (issue_id,))[0]
    kinds = stack.sql(
        "SELECT kind FROM issues_issueactivity WHERE issue_id = %s ORDER BY id", (issue_id,)
    )
    return bool(muted), [k for (k,) in kinds]


def test_unmute_condition_survives_worker_restart(live_stack):
    project_id, dsn = live_stack.create_project()
    _send(live_stack, project_id, dsn, 1)
    ((issue_id,),) = live_stack.sql(
        "SELECT id FROM issues_issue WHERE project_id = %s", (project_id,)
    )
    conditions = [{"period": "day", "nr_of_periods": 1, "volume": 6}]
    live_stack.manage(
        "shell", "-c", MUTE.format(issue_id=issue_id, conditions=json.dumps(conditions))
    )

    _send(live_stack, project_id, dsn, 3)  # 4 of 6 today
    assert _state(live_stack, issue_id) == (True, ["muted"])

    live_stack.stop_worker()
    live_stack.start_worker()

    _send(live_stack, project_id, dsn, 1)  # 5: the restarted worker must still know about 4
    assert _state(live_stack, issue_id) == (True, ["muted"])
    _send(live_stack, project_id, dsn, 1)  # 6: crossed
    assert _state(live_stack, issue_id) == (False, ["muted", "unmuted"])

    _send(live_stack, project_id, dsn, 2)
    assert _state(live_stack, issue_id) == (False, ["muted", "unmuted"])  # exactly once
    ((count,),) = live_stack.sql("SELECT event_count FROM issues_issue WHERE id = %s", (issue_id,))
    assert count == 8
