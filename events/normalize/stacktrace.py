"""Stack traces: their frames, bounded by cutting the middle (`frames_omitted`)."""

from __future__ import annotations

from typing import Any

from events.normalize.frames import read_frame
from events.normalize.limits import MAX_FRAMES
from events.normalize.problems import Problems


def omit_middle_frames(
    frames: list[Any], omitted: list[int] | None, keep: int
) -> tuple[list[Any], list[int] | None]:
    """The first and last `keep` frames, and the gap between them as `frames_omitted`.

    Outermost frames show where the work started, innermost ones where it failed; the middle
    of a deep recursion is the least informative part. `frames_omitted` is the protocol's
    `[start, end)`: indices in the stack as the SDK captured it. `omitted` is the gap an
    earlier cut (the SDK's, or ours) left in `frames`; the new gap takes it in, so that one
    pair still says where frames are missing.
    """
    count = len(frames)
    if count <= 2 * keep:
        return frames, omitted
    head = tail = keep
    gap = 0
    if omitted is not None:
        start, gap = omitted[0], omitted[1] - omitted[0]
        head = min(head, start)  # an earlier gap inside the head ends the head there
        tail = min(tail, count - start)  # ... and one inside the tail starts the tail there
    kept = frames[:head] + frames[count - tail :] if tail else frames[:head]
    return kept, [head, count - tail + gap]


def _frames_omitted(value: object, count: int, name: str, problems: Problems) -> list[int] | None:
    """The SDK's own `frames_omitted` when it can describe `count` frames, else None."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(type(v) is int for v in value)
        and 0 <= value[0] <= min(value[1], count)
        and value[1] < 2**31
    ):
        return list(value)
    problems.invalid(f"{name}.frames_omitted", value)
    return None


def read_stacktrace(value: object, name: str, problems: Problems) -> dict[str, Any] | None:
    """Normalize `{"frames": [...]}` (or a bare frame list). None when there are no frames."""
    if value is None:
        return None
    if isinstance(value, dict):
        frames = value.get("frames")
    elif isinstance(value, list):
        frames = value
    else:
        problems.invalid(name, value)
        return None
    if frames is None:
        return None
    if not isinstance(frames, list):
        problems.invalid(f"{name}.frames", frames)
        return None
    result: dict[str, Any] = {}
    omitted = None
    if isinstance(value, dict) and value.get("frames_omitted") is not None:
        omitted = _frames_omitted(value["frames_omitted"], len(frames), name, problems)
    if len(frames) > MAX_FRAMES:
        problems.add("trimmed", f"{name}.frames", length=len(frames))
        frames, omitted = omit_middle_frames(frames, omitted, MAX_FRAMES // 2)
    if omitted is not None:
        result["frames_omitted"] = omitted
    normalized = []
    for index, raw_frame in enumerate(frames):
        frame = read_frame(raw_frame, f"{name}.frames.{index}", problems)
        if frame is not None:
            normalized.append(frame)
    if not normalized:
        return None
    result["frames"] = normalized
    return result


def copy_stacktrace(stacktrace: dict[str, Any]) -> dict[str, Any]:
    """A stack trace of its own for another owner: its frame list is new, the frames shared."""
    copied = dict(stacktrace)
    copied["frames"] = list(stacktrace["frames"])
    return copied
