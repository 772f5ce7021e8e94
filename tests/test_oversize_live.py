"""A deep recursion, captured by the real sentry-sdk and sent to a live server, becomes an Issue
with both ends of its stack trace, a marker for the frames in between, and bounded storage.

It used to be refused (413, over the 1 MiB event limit): the user saw nothing but a counter.
"""

import orjson
import pytest

from tests.live import LiveStack
from tests.recursion import RECURSION_BODY
from tests.sdk import run_sdk

pytestmark = pytest.mark.live

MIB = 1024 * 1024
SHOW_DOCUMENT = (
    "import sys, orjson; from events.models import Event; "
    "from events.storage import event_document; "
    "sys.stdout.write(orjson.dumps(event_document(Event.objects.get(event_id={!r}))).decode())"
)


def test_a_real_recursion_error_becomes_an_issue_with_both_ends_of_its_stack(
    live_stack: LiveStack,
):
    project_id, dsn = live_stack.create_project()
    (event_id,) = run_sdk(dsn, RECURSION_BODY)
    assert event_id
    assert live_stack.wait_for_events(project_id, {event_id}, timeout=60) == {event_id}, (
        live_stack.log("web.log") + live_stack.log("worker.log")
    )

    issues = live_stack.sql("SELECT title FROM issues_issue WHERE project_id = %s", (project_id,))
    assert [title for (title,) in issues] == ["RecursionError: maximum recursion depth exceeded"]
    # Stored: the event's row plus its Issue's dictionary (the first document, compressed).
    ((event_bytes, dictionary_bytes),) = live_stack.sql(
        "SELECT LENGTH(e.data), LENGTH(d.data) FROM events_event e"
        " JOIN events_documentdictionary d ON d.id = e.dictionary_id WHERE e.event_id = %s",
        (event_id,),
    )
    assert event_bytes + dictionary_bytes < 64 * 1024  # 12 MB were sent

    output = live_stack.manage("shell", "--no-imports", "-c", SHOW_DOCUMENT.format(event_id))
    document = orjson.loads(output.strip().splitlines()[-1])
    assert len(orjson.dumps(document)) <= MIB
    (exc,) = document["exceptions"]
    frames = exc["stacktrace"]["frames"]
    start, end = exc["stacktrace"]["frames_omitted"]
    assert end - start > 500 and 0 < start < len(frames)
    assert frames[0]["function"] == "<module>"  # where it started
    assert frames[-1]["function"] == "recurse"  # where it failed ...
    assert frames[-1]["lineno"] == frames[-2]["lineno"] == frames[1]["lineno"]
    assert frames[-1]["vars"]["payload"].startswith("'xxxx")  # ... with its locals
    assert any(e.get("name") == "frames.vars" for e in document["errors"])
