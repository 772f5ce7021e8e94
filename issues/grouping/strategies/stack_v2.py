"""Grouping v2's frame rules for every stack (exception, thread, bare stack trace).

A frame counts when it may group (issues/grouping/builtin_rules.py), is not the SDK's own, is
not a low-quality JavaScript frame and contributes anything (issues/grouping/frame_parts.py).
When any counting frame of the event's stacks is in-app, only in-app frames count (Sentry's
"app" variant); otherwise every counting frame does (its "system" variant). Consecutive equal
frames (recursion) count once. Each component's label names the frame's position in its
stack, so the event page can show which frames contributed.
"""

from __future__ import annotations

from typing import Any

from events.normalize import NormalizedEvent
from issues.grouping.builtin_rules import apply_builtin_rules
from issues.grouping.frame_parts import frame_parts, is_low_quality
from issues.grouping.frames import UNDECIDED, frame_facts, frames_of, is_app_frame, is_sdk_frame
from issues.grouping.hashing import Component

# Per frame: (key or None when the frame does not count, in-app).
Verdicts = list[tuple[str | None, bool]]


def stack_verdicts(frames: list[dict[str, Any]], platform: str) -> Verdicts:
    """Whether each frame of one stack counts (its key) and whether it is in-app."""
    sdk_app: list[bool | None] = []
    sdk_frames: list[bool] = []
    for frame in frames:
        sdk, app, _ = frame_facts(frame, platform)
        sdk_frames.append(is_sdk_frame(frame) if sdk is UNDECIDED else sdk)
        sdk_app.append(is_app_frame(frame, platform) if app is UNDECIDED else app)
    in_app, group = apply_builtin_rules(frames, platform, sdk_app)
    verdicts: Verdicts = []
    for frame, sdk, app, groups in zip(frames, sdk_frames, in_app, group, strict=True):
        key = None
        if groups and not sdk and not is_low_quality(frame, platform):
            parts = frame_parts(frame, platform)
            key = " ".join(parts) if parts else None
        verdicts.append((key, app and not sdk))
    return verdicts


def any_app_key(stacks: list[Verdicts]) -> bool:
    return any(key is not None and app for verdicts in stacks for key, app in verdicts)


def frame_components_v2(verdicts: Verdicts, app_only: bool, label: str) -> list[Component]:
    components: list[Component] = []
    previous = None
    for index, (key, app) in enumerate(verdicts):
        if key is None or (app_only and not app) or key == previous:
            continue
        previous = key
        components.append((f"{label} frame {index}", key))
    return components


def lone_stack_components(frames: list[dict[str, Any]], platform: str, label: str):
    verdicts = stack_verdicts(frames, platform)
    return frame_components_v2(verdicts, any_app_key([verdicts]), label)


def stacktrace_components_v2(event: NormalizedEvent) -> list[Component]:
    return lone_stack_components(frames_of(event.stacktrace), event.platform, "stacktrace")


def thread_components_v2(event: NormalizedEvent) -> list[Component]:
    with_stack = [thread for thread in event.threads if frames_of(thread.get("stacktrace"))]
    crashed = [thread for thread in with_stack if thread.get("crashed") is True]
    if len(with_stack) == 1:
        chosen = with_stack[0]
    elif len(crashed) == 1:
        chosen = crashed[0]
    else:
        return []  # several candidate threads: no way to tell which one matters
    return lone_stack_components(frames_of(chosen.get("stacktrace")), event.platform, "thread")
