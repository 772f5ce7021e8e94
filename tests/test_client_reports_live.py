"""The real sentry-sdk reports what it dropped itself (client reports), and the live server
keeps those counts as outcomes: here every event is sampled away (`sample_rate=0`)."""

import time

import pytest

from tests.sdk import run_sdk

pytestmark = pytest.mark.live


def _discards(live_stack, project_id: int) -> dict[tuple[str, str], int]:
    rows = live_stack.sql(
        "SELECT reason, category, SUM(count) FROM events_outcome"
        " WHERE project_id = %s AND outcome = 'client_discard' GROUP BY reason, category",
        (project_id,),
    )
    return {(reason, category): int(n) for reason, category, n in rows}


def test_sdk_sampled_away_events_show_up_as_client_discards(live_stack):
    project_id, dsn = live_stack.create_project()
    run_sdk(
        dsn,
        """
        for i in range(4):
            events.append(sentry_sdk.capture_message(f"sampled away {i}"))
        """,
        sample_rate=0.0,
    )
    # Outcome counts are written by the web process at most once a second.
    deadline = time.monotonic() + 30
    while not (found := _discards(live_stack, project_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found == {("sample_rate", "error"): 4}
    assert live_stack.stored_event_ids(project_id) == set()
