"""Strategy `message`: the message template, else the formatted message; first line, masked."""

from __future__ import annotations

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component
from issues.grouping.text_masks import normalize_text


def message_components(event: NormalizedEvent) -> list[Component]:
    if event.message_template and event.message_template.strip():
        return [("message template", normalize_text(event.message_template))]
    if event.message and event.message.strip():
        return [("message", normalize_text(event.message))]
    return []
