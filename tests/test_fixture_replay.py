"""Every request recorded from official SDKs, replayed byte for byte, is accepted and stored."""

import json

import pytest

from tests.replay import all_captures, replay

CAPTURE_PROJECT_ID = 42
CAPTURE_PUBLIC_KEY = "0123456789abcdef0123456789abcdef"
CAPTURES = all_captures()


def carries_event(capture) -> bool:
    return capture.meta["method"] == "POST" and (
        "event" in capture.item_types or "/store/" in capture.meta["path"]
    )


EVENT_IDS = {capture.event_id for capture in CAPTURES if carries_event(capture)}


@pytest.fixture(scope="module")
def capture_project(live_stack):
    """The DSN the captures were recorded with, so their bodies and headers replay unchanged."""
    return live_stack.ensure_project("captures", CAPTURE_PROJECT_ID, CAPTURE_PUBLIC_KEY)


def test_corpus_is_present():
    assert len(CAPTURES) > 100, "the SDK capture corpus (tests/fixtures/sdk) is missing"


@pytest.mark.live
def test_every_capture_is_accepted_and_its_event_stored(live_stack, capture_project):
    for capture in CAPTURES:
        status, headers, body = replay(capture, "127.0.0.1", live_stack.port)
        assert status == 200, f"{capture.name}: {status} {body[:300]!r}"
        assert headers.get("Access-Control-Allow-Origin") == "*", capture.name
        if carries_event(capture):
            assert json.loads(body)["id"] == capture.event_id, capture.name

    assert len(EVENT_IDS) > 50
    stored = live_stack.wait_for_events(capture_project, EVENT_IDS, timeout=60)
    missing = EVENT_IDS - stored
    assert not missing, f"not digested: {sorted(missing)}\n{live_stack.log('worker.log')}"
    assert live_stack.spool_size(capture_project) == 0


@pytest.mark.live
def test_replaying_the_corpus_twice_stores_each_event_once(live_stack, capture_project):
    for capture in CAPTURES:
        if carries_event(capture):
            status, _, _ = replay(capture, "127.0.0.1", live_stack.port)
            assert status == 200
    live_stack.wait_for_spool_empty(capture_project, timeout=60)
    assert live_stack.stored_event_ids(capture_project) >= EVENT_IDS
    duplicates = live_stack.sql(
        "SELECT event_id, COUNT(*) FROM events_event WHERE project_id = %s GROUP BY event_id "
        "HAVING COUNT(*) > 1",
        (capture_project,),
    )
    assert duplicates == []
