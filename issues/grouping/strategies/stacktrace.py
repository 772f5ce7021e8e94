"""Strategy `stacktrace` (a bare top-level stack trace), and the frame rules of every stack."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from events.normalize import NormalizedEvent
from issues.grouping.frames import (
    UNDECIDED,
    cached_is_app_frame,
    frame_facts,
    frame_key,
    frames_of,
    is_app_frame,
    is_sdk_frame,
)
from issues.grouping.hashing import Component


def frame_components(
    frames: list[dict[str, Any]], platform: str, app_only: bool, label: str
) -> list[Component]:
    """Components of one stack trace: chosen frames, recursion collapsed."""
    components: list[Component] = []
    previous = None
    for frame in frames:
        sdk, app, key = frame_facts(frame, platform)
        if is_sdk_frame(frame) if sdk is UNDECIDED else sdk:
            continue
        if app_only and not (is_app_frame(frame, platform) if app is UNDECIDED else app):
            continue
        if key is UNDECIDED:
            key = frame_key(frame, platform)
        if key is None or key == previous:
            continue
        previous = key
        components.append((f"{label} frame", key))
    return components


def any_app_frame(stacktraces: Iterable[list[dict[str, Any]]], platform: str) -> bool:
    """Whether any frame is an app frame: if none is, every frame but the SDK's counts."""
    return any(cached_is_app_frame(frame, platform) for frames in stacktraces for frame in frames)


def stack_components(frames: list[dict[str, Any]], platform: str, label: str) -> list[Component]:
    """Components of a stack trace that stands alone (not part of an exception chain)."""
    return frame_components(frames, platform, any_app_frame([frames], platform), label)


def stacktrace_components(event: NormalizedEvent) -> list[Component]:
    return stack_components(frames_of(event.stacktrace), event.platform, "stacktrace")
