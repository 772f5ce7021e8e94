"""Grouping v2's frame rules for every stack (exception, thread, bare stack trace).

A frame counts when it may group (issues/grouping/builtin_rules.py), is not a low-quality
JavaScript frame and contributes anything (issues/grouping/frame_parts.py); the SDK's own frames
are never in-app.
When any counting frame of the event's stacks is in-app, only in-app frames count (Sentry's
"app" variant); otherwise every counting frame does (its "system" variant). Consecutive equal
frames (recursion) count once. Each component's label names the frame's position in its
stack, so the event page can show which frames contributed.

Everything about one frame is decided in one memoized call (`_frame_facts`): frames repeat
with every event of a problem, so a stack usually costs one cache look-up per frame.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from events.normalize import NormalizedEvent
from issues.grouping.builtin_rules import apply_builtin_rules, family_of, frame_rule_facts
from issues.grouping.frame_parts import frame_parts, is_low_quality, rule_function_name
from issues.grouping.frames import frames_of, is_app_frame, is_sdk_frame
from issues.grouping.hashing import Component

# Per frame: (key or None when the frame does not count, in-app).
Verdicts = list[tuple[str | None, bool]]
# (SDK frame, in-app by the SDK minus runtime frames, category, rule actions, key or None).
FrameFacts = tuple[bool, bool, str | None, frozenset[str], str | None]
_NO_ACTIONS: frozenset[str] = frozenset()


def _frame_facts(frame: dict[str, Any], platform: str) -> FrameFacts:
    try:
        return _cached_frame_facts(
            frame.get("module"),
            frame.get("abs_path"),
            frame.get("filename"),
            frame.get("function"),
            frame.get("context_line"),
            frame.get("package"),
            frame.get("platform") or platform,
            frame.get("lineno") is None,
            frame.get("in_app") is True,
        )
    except TypeError:  # an unhashable field (only a hand-made event has one): nothing counts
        return (False, False, None, _NO_ACTIONS, None)


@lru_cache(maxsize=8192)
def _cached_frame_facts(
    module: str | None,
    abs_path: str | None,
    filename: str | None,
    function: str | None,
    context_line: str | None,
    package: str | None,
    platform: str,
    no_lineno: bool,
    in_app: bool,
) -> FrameFacts:
    frame = {
        "module": module,
        "abs_path": abs_path,
        "filename": filename,
        "function": function,
        "platform": platform,
        "lineno": None if no_lineno else 0,
        "in_app": in_app,
    }
    sdk = is_sdk_frame(frame)
    app = is_app_frame(frame, platform)
    paths = "\0".join(p.replace("\\", "/") for p in (abs_path, filename) if p)
    category, actions = frame_rule_facts(
        module, rule_function_name(function, platform), paths, package, family_of(platform)
    )
    key = None
    # SDK frames are never in-app, but may count when no frame is (as in Sentry's "system"
    # variant): a crash inside the SDK's wrappers still has a stable stack.
    if not is_low_quality(abs_path, filename, function, no_lineno, platform):
        parts = frame_parts(module, filename, abs_path, function, context_line, platform)
        key = " ".join(parts) if parts else None
    return sdk, app, category, actions, key


def stack_verdicts(frames: list[dict[str, Any]], platform: str) -> Verdicts:
    """Whether each frame of one stack counts (its key) and whether it is in-app."""
    facts = [_frame_facts(frame, platform) for frame in frames]
    if not any(category or actions for _, _, category, actions, _ in facts):
        # No built-in rule applies (most stacks): the SDK's flags stand.
        return [(key, app and not sdk) for sdk, app, _, _, key in facts]
    in_app, group = apply_builtin_rules(
        [f[2] for f in facts], [f[3] for f in facts], [f[1] for f in facts]
    )
    return [
        (f[4] if groups else None, app and not f[0])
        for f, app, groups in zip(facts, in_app, group, strict=True)
    ]


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


def lone_stack_components(
    frames: list[dict[str, Any]], platform: str, label: str
) -> list[Component]:
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
