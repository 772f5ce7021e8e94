"""Strategy `exception`: the chain of exceptions, by type and frames (or masked value)."""

from __future__ import annotations

from typing import Any

from events.normalize import NormalizedEvent
from issues.grouping.frames import frames_of
from issues.grouping.hashing import Component
from issues.grouping.strategies.stacktrace import any_app_frame, frame_components
from issues.grouping.text_masks import normalize_text


def _is_skippable_group(exc: dict[str, Any], exceptions: list[dict[str, Any]]) -> bool:
    mechanism = exc.get("mechanism") or {}
    if mechanism.get("is_exception_group") is not True or frames_of(exc.get("stacktrace")):
        return False
    return any(
        (other.get("mechanism") or {}).get("is_exception_group") is not True for other in exceptions
    )


def _exception_value(exc: dict[str, Any], event: NormalizedEvent) -> str | None:
    value = exc.get("value")
    if exc.get("synthetic") and event.message_template and value == event.message:
        return normalize_text(event.message_template)
    return normalize_text(value) if value else None


def exception_components(event: NormalizedEvent) -> list[Component]:
    exceptions = [exc for exc in event.exceptions if isinstance(exc, dict)]
    exceptions = [exc for exc in exceptions if not _is_skippable_group(exc, exceptions)]
    stacks = [frames_of(exc.get("stacktrace")) for exc in exceptions]
    app_only = any_app_frame(stacks, event.platform)
    components: list[Component] = []
    for index, (exc, frames) in enumerate(zip(exceptions, stacks, strict=True)):
        label = f"exception[{index}]"
        synthetic = exc.get("synthetic") is True
        if exc.get("type") and not synthetic:
            components.append((f"{label} type", exc["type"]))
        from_frames = frame_components(frames, event.platform, app_only, label)
        components.extend(from_frames)
        if not from_frames or synthetic:
            value = _exception_value(exc, event)
            if value:
                components.append((f"{label} value", value))
    return components
