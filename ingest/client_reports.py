"""Client reports: what the SDK dropped on its own side (sample rate, queue overflow, rate
limits, before_send, ...), sent in `client_report` items and kept as outcome counts.

Hostile input like any other: a report that is not what the protocol describes is ignored, not
refused (an SDK cannot fix it, and the envelope's other items are worth keeping), and reasons
and categories are bounded in length and number.
"""

import orjson

MAX_ENTRIES = 100
MAX_QUANTITY = 1_000_000_000
MAX_BYTES = 64 * 1024  # a real report is a few hundred bytes


def read_client_report(payload: bytes) -> list[tuple[str, str, int]]:
    """[(reason, category, quantity)] of the report's discarded events."""
    if len(payload) > MAX_BYTES:
        return []
    try:
        report = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return []
    if not isinstance(report, dict):
        return []
    found: list[tuple[str, str, int]] = []
    for key in ("discarded_events", "rate_limited_events", "filtered_events",
                "filtered_sampling_events"):  # fmt: skip
        entries = report.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries[:MAX_ENTRIES]:
            parsed = _entry(entry, default_reason=key.removesuffix("_events"))
            if parsed is not None and len(found) < MAX_ENTRIES:
                found.append(parsed)
    return found


def _entry(entry: object, default_reason: str) -> tuple[str, str, int] | None:
    if not isinstance(entry, dict):
        return None
    reason, category, quantity = entry.get("reason"), entry.get("category"), entry.get("quantity")
    if not isinstance(category, str) or not category:
        return None
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        return None
    reason = reason if isinstance(reason, str) and reason else default_reason
    return reason[:40], category[:20], min(quantity, MAX_QUANTITY)
