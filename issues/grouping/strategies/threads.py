"""Strategy `threads`: the stack of the one thread that tells where the event happened."""

from __future__ import annotations

from events.normalize import NormalizedEvent
from issues.grouping.frames import frames_of
from issues.grouping.hashing import Component
from issues.grouping.strategies.stacktrace import stack_components


def thread_components(event: NormalizedEvent) -> list[Component]:
    with_stack = [thread for thread in event.threads if frames_of(thread.get("stacktrace"))]
    crashed = [thread for thread in with_stack if thread.get("crashed") is True]
    if len(with_stack) == 1:
        chosen = with_stack[0]
    elif len(crashed) == 1:
        chosen = crashed[0]
    else:
        return []  # several candidate threads: no way to tell which one matters
    return stack_components(frames_of(chosen.get("stacktrace")), event.platform, "thread")
