"""The breadcrumbs interface: the newest ones, which lead up to the error."""

from __future__ import annotations

from typing import Any

from events.normalize.data import read_mapping
from events.normalize.fields import first_present, read_text, read_values
from events.normalize.ids_and_times import parse_timestamp
from events.normalize.limits import MAX_BREADCRUMBS, MAX_DATA_STRING_LENGTH, MAX_IDENTIFIER_LENGTH
from events.normalize.problems import Problems
from events.normalize.text import is_plain_text


def read_breadcrumbs(raw: dict[Any, Any], problems: Problems) -> list[dict[str, Any]]:
    values = read_values(
        first_present(raw, "breadcrumbs", "sentry.interfaces.Breadcrumbs"), "breadcrumbs", problems
    )
    if len(values) > MAX_BREADCRUMBS:
        # The newest breadcrumbs lead up to the error, so those are the ones to keep.
        problems.add("trimmed", "breadcrumbs.values", length=len(values))
        values = values[-MAX_BREADCRUMBS:]
    result = []
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            problems.invalid(f"breadcrumbs.values.{index}", value)
            continue
        timestamp = None
        if value.get("timestamp") is not None:
            parsed = parse_timestamp(value.get("timestamp"))
            if parsed is None:
                problems.invalid(f"breadcrumbs.values.{index}.timestamp", value.get("timestamp"))
            else:
                timestamp = parsed.isoformat()
        crumb: dict[str, Any] = {"timestamp": timestamp}
        # Dozens of breadcrumbs per event: text that is fine already is taken as it is, and the
        # field's name is only spelled out when there is a problem to record under it.
        for key, limit in _TEXT_FIELDS:
            text = value.get(key)
            if text is not None and not is_plain_text(text, limit):
                text = read_text(text, f"breadcrumbs.values.{index}.{key}", problems, limit)
            crumb[key] = text
        data = value.get("data")
        crumb["data"] = (
            read_mapping(data, f"breadcrumbs.values.{index}.data", problems, node_budget=500)
            if data is not None
            else None
        )
        result.append(crumb)
    return result


# The text fields of a breadcrumb, in their stored order, with their length limits.
_TEXT_FIELDS = (
    ("type", MAX_IDENTIFIER_LENGTH),
    ("category", MAX_IDENTIFIER_LENGTH),
    ("level", 32),
    ("message", MAX_DATA_STRING_LENGTH),
)
