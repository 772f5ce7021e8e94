""" "Why grouped": what made an event's grouping hash, for the event page.

The components are the ones stored with the Grouping the event belongs to (the first event of
that hash made them). Which frames counted, and which were in-app, is worked out again from the
event itself by the rules of that Grouping's version: the page shows every frame of the stacks
that grouping looks at, marked in-app or not and contributing or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from events.normalize import NormalizedEvent
from issues.grouping import VERSIONS, compute_grouping
from issues.grouping.frames import cached_frame_key, cached_is_app_frame, frames_of
from issues.grouping.strategies.stack_v2 import stack_verdicts
from issues.models import Grouping, Issue

# "exception[1] frame 4: ..." (v2: the frame's position) / "exception[1] frame: ..." (v1).
_FRAME_LABEL_RE = re.compile(
    r"^(?:\{\{ default \}\} )?(exception\[\d+\]|thread|stacktrace) frame(?: (\d+))?: (.*)$", re.S
)


@dataclass
class FrameRow:
    position: int
    text: str
    in_app: bool
    contributed: bool


@dataclass
class StackRows:
    label: str
    frames: list[FrameRow] = field(default_factory=list)


@dataclass
class WhyGrouped:
    config: str
    strategy: str
    hash: str
    components: list[str]
    stacks: list[StackRows]


def _stacks(event: NormalizedEvent) -> list[tuple[str, list[dict[str, Any]]]]:
    stacks = [
        (f"exception[{i}]", frames_of(e.get("stacktrace"))) for i, e in enumerate(event.exceptions)
    ]
    with_stack = [t for t in event.threads if frames_of(t.get("stacktrace"))]
    crashed = [t for t in with_stack if t.get("crashed") is True]
    chosen = with_stack[0] if len(with_stack) == 1 else (crashed[0] if len(crashed) == 1 else None)
    if chosen is not None:
        stacks.append(("thread", frames_of(chosen.get("stacktrace"))))
    stacks.append(("stacktrace", frames_of(event.stacktrace)))
    return [(label, frames) for label, frames in stacks if frames]


def _frame_text(frame: dict[str, Any]) -> str:
    where = frame.get("module") or frame.get("filename") or frame.get("abs_path") or "?"
    function = frame.get("function") or "?"
    line = f":{frame['lineno']}" if frame.get("lineno") is not None else ""
    return f"{where}{line} in {function}"


def _contributions(components: list[str]) -> tuple[set[tuple[str, int]], set[tuple[str, str]]]:
    """Contributing frames named in the components: by position (v2) and by key (v1)."""
    positions, keys = set(), set()
    for component in components:
        match = _FRAME_LABEL_RE.match(component)
        if match:
            label, position, value = match.groups()
            if position is not None:
                positions.add((label, int(position)))
            else:
                keys.add((label, value))
    return positions, keys


def _stack_rows(event: NormalizedEvent, config: str, components: list[str]) -> list[StackRows]:
    positions, keys = _contributions(components)
    rows = []
    for label, frames in _stacks(event):
        if config == "v1":
            in_app = [cached_is_app_frame(frame, event.platform) for frame in frames]
            contributed = [
                (label, cached_frame_key(frame, event.platform)) in keys for frame in frames
            ]
        else:
            in_app = [app for _, app in stack_verdicts(frames, event.platform)]
            contributed = [(label, i) in positions for i in range(len(frames))]
        stack = StackRows(label)
        # Innermost first, as the stack traces above are shown.
        for i in reversed(range(len(frames))):
            stack.frames.append(FrameRow(i, _frame_text(frames[i]), in_app[i], contributed[i]))
        rows.append(stack)
    return rows


def why_grouped(issue: Issue, document: dict[str, Any]) -> WhyGrouped | None:
    """What made the event's hash, or None when it cannot be told (an unreadable document)."""
    stored = list(
        Grouping.objects.filter(issue=issue).values_list("hash", "config", "strategy", "components")
    )
    if not stored:
        return None
    try:
        event = NormalizedEvent.from_dict(document)
    except (KeyError, TypeError, ValueError):
        return None
    by_hash = {row[0]: row for row in stored}
    chosen = None
    for config in dict.fromkeys(row[1] for row in stored):
        if config in VERSIONS:
            grouping = compute_grouping(event, config)
            if grouping.hash in by_hash:
                chosen = by_hash[grouping.hash]
                break
    if chosen is None:
        return None  # grouped by a version this code no longer has, or merged in by hand
    hash_, config, strategy, components = chosen
    components = components if isinstance(components, list) else []
    return WhyGrouped(config, strategy, hash_, components, _stack_rows(event, config, components))
