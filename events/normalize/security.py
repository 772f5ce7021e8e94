"""The `csp` interface (a Content-Security-Policy violation, as Sentry's security endpoint
stores it) and the legacy `checksum` field: both decide an event's group when present."""

from __future__ import annotations

from typing import Any

from events.normalize.fields import read_text
from events.normalize.problems import Problems

# The fields grouping and the event page use; a report's other fields stay out of the event.
_CSP_FIELDS = (
    "document_uri",
    "effective_directive",
    "violated_directive",
    "blocked_uri",
    "source_file",
    "original_policy",
    "referrer",
    "disposition",
)
_CSP_FIELD_LIMIT = 2048
_CHECKSUM_LIMIT = 128


def read_csp(raw: object, problems: Problems) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.invalid("csp", raw)
        return None
    csp = {}
    for key in _CSP_FIELDS:
        value = read_text(raw.get(key), f"csp.{key}", problems, _CSP_FIELD_LIMIT)
        if value is not None:
            csp[key] = value
    return csp or None


def read_checksum(raw: object, problems: Problems) -> str | None:
    return read_text(raw, "checksum", problems, _CHECKSUM_LIMIT)
