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
