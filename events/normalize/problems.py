"""The processing errors of one event, collected while it is normalized."""

from __future__ import annotations

from typing import Any

from events.normalize.limits import MAX_ERRORS
from events.normalize.text import short_repr


class Problems:
    """Collects human-readable processing errors, capped so hostile input can't flood them."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._dropped = 0

    def add(self, kind: str, name: str, value: object = None, **extra: Any) -> None:
        if len(self.items) >= MAX_ERRORS:
            self._dropped += 1
            return
        entry: dict[str, Any] = {"type": kind, "name": name}
        if value is not None:
            entry["value"] = short_repr(value)
        entry.update(extra)
        self.items.append(entry)

    def invalid(self, name: str, value: object) -> None:
        self.add("invalid_data", name, value)

    def finish(self) -> list[dict[str, Any]]:
        if self._dropped:
            self.items.append({"type": "too_many_errors", "name": "errors", "count": self._dropped})
        return self.items
