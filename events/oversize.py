"""Trimming an event that arrived over INGEST_MAX_EVENT_BYTES down to about that size.

Normalization (events/normalize/) bounds each part of an event: MAX_FRAMES frames per stack
trace (the outermost and innermost halves kept, the gap recorded as `frames_omitted`), strings
in locals and other free-form data cut at MAX_DATA_STRING_LENGTH, node and character budgets
per value. Those bounds are per part, so an event with many big parts still normalizes to
megabytes: a RecursionError from sentry-sdk 2.x is 1,000 frames each with its locals, 12 MB as
sent and over 1 MB normalized; a hostile one can be far more.

So an event that was sent over the limit is normalized as usual and then shed, step by step,
until its document fits `max_bytes`, the least useful parts first:

1. locals and source context of frames away from both ends of long stack traces (the middle
   of a deep recursion repeats the same frame);
2. free-form data (extra, contexts, modules, request, user, mechanism, breadcrumb data)
   copied again with small budgets;
3. the threads' stack traces, all breadcrumbs but the newest;
4. locals and source context of every frame but the innermost ones of the main exception;
5. everything but the main exception, its stack cut to its first and last frames (locals,
   copied small, only on the innermost ones).

After the last step the document is bounded by constants, whatever came in. Every step taken
is recorded in the event's processing errors (shown with the event), as normalization does.
Events sent within the limit never come here: digestion checks the size it already knows.
"""

from collections.abc import Callable, Iterator
from typing import Any

import orjson

from events.normalize import (
    MAX_DATA_STRING_LENGTH,
    NormalizedEvent,
    omit_middle_frames,
    trim_data,
)

# Frames at each end of a stack trace that keep their locals and source lines (step 1), and
# innermost frames of the main exception that keep them to the end (steps 4 and 5).
DETAIL_FRAMES = 10
# Breadcrumbs kept by step 3: the newest, which lead up to the error.
KEPT_BREADCRUMBS = 20
# Budgets of step 2, per free-form value (normalization allows 10,000 nodes / 512 KiB).
SMALL_NODE_BUDGET = 200
SMALL_CHAR_BUDGET = 16 * 1024
SMALL_STRING_LENGTH = 1024
# Frames at each end of the main exception's stack trace that step 5 keeps.
LAST_RESORT_FRAMES = 25

_DETAIL_KEYS = ("vars", "pre_context", "post_context")


def document_size(event: NormalizedEvent) -> int:
    """Bytes of the event's JSON document, as digestion stores it (before compression)."""
    return len(orjson.dumps(event.to_dict()))


def fit_event(event: NormalizedEvent, max_bytes: int, sent_bytes: int) -> None:
    """Shed parts of `event` (in place) until its document is at most `max_bytes`."""
    for step in _STEPS:
        if document_size(event) <= max_bytes:
            return
        what = step(event)
        event.errors.append(
            {
                "type": "trimmed",
                "name": what,
                "reason": f"event of {sent_bytes} bytes over the limit of {max_bytes} bytes",
                "sent_bytes": sent_bytes,
                "limit": max_bytes,
            }
        )


def _stacktraces(event: NormalizedEvent) -> Iterator[dict[str, Any]]:
    for exc in event.exceptions:
        if exc.get("stacktrace"):
            yield exc["stacktrace"]
    for thread in event.threads:
        if thread.get("stacktrace"):
            yield thread["stacktrace"]
    if event.stacktrace:
        yield event.stacktrace


def _without_detail(frames: list[dict[str, Any]], keep: Callable[[int], bool]) -> None:
    """Drop locals and source context of the frames whose index `keep` rejects.

    Frames are replaced, not changed: an exception and its thread may share frame dicts.
    """
    for index, frame in enumerate(frames):
        if not keep(index) and any(frame.get(key) is not None for key in _DETAIL_KEYS):
            frames[index] = {**frame, **dict.fromkeys(_DETAIL_KEYS)}


def _detail_at_the_ends(event: NormalizedEvent) -> str:
    for stacktrace in _stacktraces(event):
        count = len(stacktrace["frames"])
        _without_detail(
            stacktrace["frames"],
            lambda i, count=count: i < DETAIL_FRAMES or i >= count - DETAIL_FRAMES,
        )
    return "frames.vars"


def _detail_where_it_failed(event: NormalizedEvent) -> str:
    main = event.main_exception
    main_stack = main.get("stacktrace") if main else None
    for stacktrace in _stacktraces(event):
        count = len(stacktrace["frames"])
        if stacktrace is main_stack:
            _without_detail(stacktrace["frames"], lambda i, count=count: i >= count - DETAIL_FRAMES)
        else:
            _without_detail(stacktrace["frames"], lambda i: False)
    return "frames.vars"


def _threads_and_breadcrumbs(event: NormalizedEvent) -> str:
    for thread in event.threads:
        thread["stacktrace"] = None
    event.breadcrumbs = event.breadcrumbs[-KEPT_BREADCRUMBS:]
    return "threads.stacktrace, breadcrumbs"


def _small(value: Any) -> Any:
    result, _ = trim_data(
        value,
        max_string=min(SMALL_STRING_LENGTH, MAX_DATA_STRING_LENGTH),
        node_budget=SMALL_NODE_BUDGET,
        char_budget=SMALL_CHAR_BUDGET,
    )
    return result


def _free_form_data(event: NormalizedEvent) -> str:
    event.extra = _small(event.extra)
    event.contexts = _small(event.contexts)
    event.modules = _small(event.modules)
    event.user = _small(event.user)
    event.request = _small(event.request)
    for exc in event.exceptions:
        exc["mechanism"] = _small(exc["mechanism"])
    event.breadcrumbs = [{**crumb, "data": _small(crumb["data"])} for crumb in event.breadcrumbs]
    return "extra, contexts, modules, user, request, mechanism, breadcrumbs.data"


def _main_exception_only(event: NormalizedEvent) -> str:
    main = event.main_exception
    event.exceptions = [main] if main else []
    event.threads = []
    event.breadcrumbs = []
    if main and main.get("stacktrace"):
        main["stacktrace"] = _last_resort_stack(main["stacktrace"])
        event.stacktrace = None
    elif event.stacktrace:
        event.stacktrace = _last_resort_stack(event.stacktrace)
    return "exceptions, threads, breadcrumbs, frames"


def _last_resort_stack(stacktrace: dict[str, Any]) -> dict[str, Any]:
    """The first and last frames; locals (re-trimmed small) only on the innermost ones."""
    frames, omitted = omit_middle_frames(
        list(stacktrace["frames"]), stacktrace.get("frames_omitted"), LAST_RESORT_FRAMES
    )
    count = len(frames)
    _without_detail(frames, lambda i: i >= count - DETAIL_FRAMES)
    for index in range(max(0, count - DETAIL_FRAMES), count):
        frames[index] = {**frames[index], "vars": _small(frames[index].get("vars"))}
    result: dict[str, Any] = {"frames": frames}
    if omitted is not None:
        result["frames_omitted"] = omitted
    return result


_STEPS: list[Callable[[NormalizedEvent], str]] = [
    _detail_at_the_ends,
    _free_form_data,
    _threads_and_breadcrumbs,
    _detail_where_it_failed,
    _main_exception_only,
]
