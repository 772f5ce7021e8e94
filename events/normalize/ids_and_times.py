"""The event id and the timestamps of the event and its breadcrumbs."""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime

from events.normalize.limits import MAX_CLOCK_SKEW
from events.normalize.problems import Problems

_HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
_NUMERIC_RE = re.compile(r"^-?\d{1,20}(?:\.\d{1,20})?$")


def read_event_id(candidates: list[tuple[str, object]], problems: Problems) -> str:
    for name, value in candidates:
        if value is None:
            continue
        parsed = _parse_event_id(value)
        if parsed:
            return parsed
        problems.invalid(name, value)
    if all(value is None for _, value in candidates):
        problems.add("missing_attribute", "event_id")
    return uuid.uuid4().hex


def _parse_event_id(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip().lower()
    if _HEX32_RE.match(text):
        return text
    try:
        return uuid.UUID(text).hex
    except ValueError:
        return None


def parse_timestamp(value: object) -> datetime | None:
    """RFC 3339 / ISO 8601 strings, epoch seconds as numbers or numeric strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 64:
            return None
        if _NUMERIC_RE.match(text):
            value = float(text)
        else:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            try:
                return parsed.astimezone(UTC)
            except (OverflowError, ValueError):
                return None
    if isinstance(value, int | float):
        try:
            if not math.isfinite(value):
                return None
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def read_timestamp(value: object, received_at: datetime, problems: Problems) -> datetime:
    if value is None:
        problems.add("missing_attribute", "timestamp")
        return received_at
    parsed = parse_timestamp(value)
    if parsed is None:
        problems.invalid("timestamp", value)
        return received_at
    if parsed > received_at + MAX_CLOCK_SKEW:
        problems.add("future_timestamp", "timestamp", parsed.isoformat())
        return received_at
    return parsed
