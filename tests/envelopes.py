"""Building envelopes the way sentry-sdk does, for tests that need many distinct events fast."""

import gzip
import uuid

import orjson


def event_envelope(event: dict, *, compress: bool = True) -> tuple[str, bytes, dict[str, str]]:
    """Return (event_id, body, headers) of a one-event envelope like the Python SDK sends."""
    event_id = event.get("event_id") or uuid.uuid4().hex
    event = {**event, "event_id": event_id}
    payload = orjson.dumps(event)
    body = b"\n".join(
        [
            orjson.dumps({"event_id": event_id, "sent_at": "2026-11-23T10:00:00Z"}),
            orjson.dumps({"type": "event", "length": len(payload)}),
            payload,
        ]
    )
    headers = {"Content-Type": "application/x-sentry-envelope"}
    if compress:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return event_id, body, headers


def auth_headers(dsn: str) -> dict[str, str]:
    public_key = dsn.split("//", 1)[1].split("@", 1)[0]
    return {"X-Sentry-Auth": f"Sentry sentry_key={public_key}, sentry_version=7"}


def envelope_url(dsn: str) -> str:
    scheme, rest = dsn.split("://", 1)
    host_and_path = rest.split("@", 1)[1]
    base, project_id = host_and_path.rsplit("/", 1)
    return f"{scheme}://{base}/api/{project_id}/envelope/"


def post_events(dsn: str, events: list[dict]) -> set[str]:
    """POST each event as its own envelope to a live server; returns the event ids (all 200)."""
    import requests

    url, headers = envelope_url(dsn), auth_headers(dsn)
    event_ids = set()
    with requests.Session() as session:
        for event in events:
            event_id, body, envelope_headers = event_envelope(event)
            response = session.post(url, data=body, headers={**headers, **envelope_headers})
            assert response.status_code == 200, response.text
            event_ids.add(event_id)
    return event_ids
