"""The breadcrumbs interface: the newest ones, which lead up to the error."""

from __future__ import annotations

from typing import Any

from events.normalize.data import read_mapping
from events.normalize.fields import first_present, read_text, read_values
from events.normalize.ids_and_times import parse_timestamp
from events.normalize.limits import MAX_BREADCRUMBS, MAX_DATA_STRING_LENGTH
from events.normalize.problems import Problems


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
        name = f"breadcrumbs.values.{index}"
        if not isinstance(value, dict):
            problems.invalid(name, value)
            continue
        timestamp = None
        if value.get("timestamp") is not None:
            parsed = parse_timestamp(value.get("timestamp"))
            if parsed is None:
                problems.invalid(f"{name}.timestamp", value.get("timestamp"))
            else:
                timestamp = parsed.isoformat()
        data = value.get("data")
        result.append(
            {
                "timestamp": timestamp,
                "type": read_text(value.get("type"), f"{name}.type", problems),
                "category": read_text(value.get("category"), f"{name}.category", problems),
                "level": read_text(value.get("level"), f"{name}.level", problems, 32),
                "message": read_text(
                    value.get("message"), f"{name}.message", problems, MAX_DATA_STRING_LENGTH
                ),
                "data": read_mapping(data, f"{name}.data", problems, node_budget=500)
                if data is not None
                else None,
            }
        )
    return result
