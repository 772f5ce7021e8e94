"""Strategy `fingerprint`: a custom fingerprint sent by the SDK, with its `{{ }}` variables."""

from __future__ import annotations

import re
from collections.abc import Callable

from events.normalize import NormalizedEvent
from issues.grouping.frames import innermost_frame, normalize_function, normalize_module
from issues.grouping.hashing import Component
from issues.grouping.text_masks import normalize_text

_VARIABLE_RE = re.compile(r"^\{\{\s*([\w.]+)\s*\}\}$")

# What `{{ default }}` stands for: the version's own default strategies (name, components).
DefaultStrategies = Callable[[NormalizedEvent], tuple[str, list[Component]]]


def custom_fingerprint(event: NormalizedEvent) -> list[str] | None:
    """The event's fingerprint when it decides the group; None when it says "default" only."""
    fingerprint = [part for part in event.fingerprint or () if isinstance(part, str)]
    if fingerprint and not all(_is_default_marker(part) for part in fingerprint):
        return fingerprint
    return None


def _variable(name: str, event: NormalizedEvent) -> str | None:
    """The value of a fingerprint variable, or None when the variable is unknown."""
    main = event.main_exception or {}
    frame = innermost_frame(event) or {}
    message = event.message_template or event.message
    values: dict[str, Callable[[], str | None]] = {
        "transaction": lambda: event.transaction,
        "type": lambda: main.get("type"),
        "error.type": lambda: main.get("type"),
        "value": lambda: normalize_text(main["value"]) if main.get("value") else None,
        "error.value": lambda: normalize_text(main["value"]) if main.get("value") else None,
        "function": lambda: normalize_function(frame.get("function"), event.platform),
        "stack.function": lambda: normalize_function(frame.get("function"), event.platform),
        "module": lambda: normalize_module(frame.get("module")),
        "stack.module": lambda: normalize_module(frame.get("module")),
        "level": lambda: event.level,
        "logger": lambda: event.logger,
        "message": lambda: normalize_text(message or main.get("value") or "") or None,
    }
    getter = values.get(name.lower())
    if getter is None:
        return None
    return getter() or f"<no {name.lower()}>"


def _is_default_marker(part: str) -> bool:
    match = _VARIABLE_RE.match(part.strip())
    return bool(match) and match.group(1).lower() == "default"


def fingerprint_components(
    event: NormalizedEvent, fingerprint: list[str], default_strategies: DefaultStrategies
) -> list[Component]:
    """Components of a custom fingerprint; `{{ default }}` adds the default strategies' ones."""
    components: list[Component] = []
    for part in fingerprint:
        if _is_default_marker(part):
            strategy, default = default_strategies(event)
            components.append(("{{ default }} strategy", strategy))
            components.extend((f"{{{{ default }}}} {label}", value) for label, value in default)
            continue
        match = _VARIABLE_RE.match(part.strip())
        value = _variable(match.group(1), event) if match else None
        if value is None:
            components.append(("fingerprint", part))
        else:
            components.append((f"fingerprint {part.strip()}", value))
    return components
