"""The real sentry-sdk, pointed at a live server by DSN only, gets its events stored."""

import pytest

from tests.sdk import run_sdk

# Runs in both passes of ./test: the spool write differs: a SQLite file of its own, or one INSERT
# ... unnest on PostgreSQL.
pytestmark = [pytest.mark.live, pytest.mark.every_database]


def test_sdk_exceptions_and_messages_are_stored(live_stack):
    project_id, dsn = live_stack.create_project()
    event_ids = run_sdk(
        dsn,
        """
        def divide(a, b):
            return a / b

        for i in range(3):
            try:
                divide(i, 0)
            except ZeroDivisionError:
                events.append(sentry_sdk.capture_exception())
        events.append(sentry_sdk.capture_message("Deploy finished"))
        """,
    )
    assert len(event_ids) == 4 and all(event_ids)
    stored = live_stack.wait_for_events(project_id, set(event_ids))
    assert stored == set(event_ids)

    # Three raises from the same place are one Issue; the message is another.
    issues = live_stack.sql(
        "SELECT title, event_count FROM issues_issue WHERE project_id = %s ORDER BY title",
        (project_id,),
    )
    assert issues == [("Deploy finished", 1), ("ZeroDivisionError: division by zero", 3)]


def test_sdk_events_survive_the_sdk_process_exiting(live_stack):
    """An SDK that exits right after capturing still delivers (flush), and we still store."""
    project_id, dsn = live_stack.create_project()
    event_ids = run_sdk(dsn, 'events.append(sentry_sdk.capture_message("bye"))')
    assert live_stack.wait_for_events(project_id, set(event_ids)) == set(event_ids)


def test_sendtestevent_command_reaches_the_server(live_stack):
    project_id, _ = live_stack.create_project()
    output = live_stack.manage("sendtestevent", str(project_id))
    event_id = output.split("sent event ", 1)[1].split()[0]
    assert live_stack.wait_for_events(project_id, {event_id}) == {event_id}
