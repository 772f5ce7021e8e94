"""Project quotas end to end: the real sentry-sdk floods a project on a stack whose quota is 5
events a minute; the server answers 429 with Retry-After and X-Sentry-Rate-Limits, the SDK
stops sending, and another project is unaffected."""

import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.message import Message

import pytest

from tests.conftest import stack_kind
from tests.envelopes import auth_headers, envelope_url, event_envelope
from tests.live import LiveStack
from tests.sdk import run_sdk

pytestmark = pytest.mark.live

QUOTA = 5

FLOOD = """
import time
from datetime import datetime, timezone
for i in range(20):
    events.append(sentry_sdk.capture_message(f"flood {i}"))
    sentry_sdk.flush(timeout=10)  # one request at a time, as a busy app over time
transport = sentry_sdk.get_client().transport
until = [ts for ts in transport._disabled_until.values() if ts]
events.append({"backoff_seconds": (max(until) - datetime.now(timezone.utc)).total_seconds()
               if until else 0})
"""


@pytest.fixture(scope="module")
def quota_stack(tmp_path_factory) -> LiveStack:
    extra = {"INGEST_QUOTA_PER_MINUTE": str(QUOTA), "INGEST_QUOTA_PER_HOUR": "0"}
    if stack_kind() == "postgres":
        extra["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/13"  # not the shared stack's db
    stack = LiveStack(stack_kind(), tmp_path_factory.mktemp("quota"), extra_env=extra)
    stack.start()
    yield stack
    stack.stop()


def _wait_for_fresh_minute() -> None:
    """Start early in a minute so the whole flood falls in one quota window."""
    while datetime.now(UTC).second > 30:
        time.sleep(1)


def _post(dsn: str, message: str) -> tuple[int, Message]:
    """Status and headers (looked up case-insensitively, as HTTP header names are)."""
    _, body, headers = event_envelope({"message": message})
    request = urllib.request.Request(
        envelope_url(dsn), data=body, headers={**headers, **auth_headers(dsn)}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


def _rejections(stack: LiveStack, project_id: int) -> int:
    rows = stack.sql(
        "SELECT SUM(count) FROM events_ingestrejection WHERE project_id = %s AND reason = %s",
        (project_id, "quota_exceeded"),
    )
    return rows[0][0] or 0


def _wait_for_rejections(stack: LiveStack, project_id: int, at_least: int) -> int:
    # Rejection counts are written by the web process at most once a second.
    deadline = time.monotonic() + 30
    while (n := _rejections(stack, project_id)) < at_least and time.monotonic() < deadline:
        time.sleep(0.2)
    return n


def test_sdk_flood_is_limited_and_sdk_backs_off(quota_stack):
    flooded_id, flooded_dsn = quota_stack.create_project()
    other_id, other_dsn = quota_stack.create_project()
    _wait_for_fresh_minute()

    result = run_sdk(flooded_dsn, FLOOD)
    event_ids, (state,) = result[:-1], result[-1:]
    assert len(event_ids) == 20

    # Exactly the quota was stored; exactly one request was refused: after that 429 the SDK
    # sent nothing more (14 captures dropped on the client side).
    quota_stack.wait_for_spool_empty(flooded_id, timeout=60)
    stored = quota_stack.stored_event_ids(flooded_id)
    assert stored == set(event_ids[:QUOTA])
    assert _wait_for_rejections(quota_stack, flooded_id, 1) == 1
    time.sleep(2)  # a further rejection would be flushed within a second
    assert _rejections(quota_stack, flooded_id) == 1

    # The SDK holds back for as long as the server said (the rest of this minute).
    assert 1 <= state["backoff_seconds"] <= 60

    # What the SDK was told, seen directly.
    status, headers = _post(flooded_dsn, "one more")
    assert status == 429
    retry_after = int(headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert headers["X-Sentry-Rate-Limits"] == (
        f"{retry_after}:error;default;security:project:quota_exceeded"
    )
    assert abs(retry_after - state["backoff_seconds"]) <= 5

    # Nothing else breaks: another project ingests normally meanwhile.
    other_ids = run_sdk(
        other_dsn, "for i in range(3): events.append(sentry_sdk.capture_message(f'ok {i}'))"
    )
    assert quota_stack.wait_for_events(other_id, set(other_ids), timeout=60) == set(other_ids)
