"""Strategy `message` of grouping v2: the template, else the message; all of it, masked."""

from __future__ import annotations

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component
from issues.grouping.value_masks import mask_value


def message_components_v2(event: NormalizedEvent) -> list[Component]:
    if event.message_template and event.message_template.strip():
        return [("message template", mask_value(event.message_template))]
    if event.message and event.message.strip():
        return [("message", mask_value(event.message))]
    return []
