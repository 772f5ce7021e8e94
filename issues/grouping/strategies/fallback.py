"""Strategy `fallback`: platform and level, for events with nothing else to group on."""

from __future__ import annotations

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component


def fallback_components(event: NormalizedEvent) -> list[Component]:
    return [("platform", event.platform), ("level", event.level), ("fallback", "no message")]
