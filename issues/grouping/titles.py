"""The title and culprit shown for an event and its Issue (not part of the hash)."""

from __future__ import annotations

from events.normalize import NormalizedEvent
from issues.grouping.frames import (
    ANONYMOUS_FUNCTIONS,
    cached_is_app_frame,
    cached_is_sdk_frame,
    innermost_frame,
)

MAX_TITLE_LENGTH = 256
MAX_CULPRIT_LENGTH = 256


def _first_line(text: str | None) -> str | None:
    if not text:
        return None
    line = text.strip().split("\n", 1)[0].strip()
    return line or None


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def event_title(event: NormalizedEvent) -> str:
    """A one-line title: "Type: value", "Type", the message, or "<unlabeled event>"."""
    main = event.main_exception
    exc_type = main.get("type") if main else None
    exc_value = _first_line(main.get("value")) if main else None
    if main and exc_type and not main.get("synthetic"):
        title = f"{exc_type}: {exc_value}" if exc_value else exc_type
    else:
        # A synthetic exception only carries the message, so prefer the message itself.
        title = _first_line(event.message) or exc_value or exc_type or "<unlabeled event>"
    return _bounded(title, MAX_TITLE_LENGTH)


def event_culprit(event: NormalizedEvent) -> str:
    """Where it happened: the transaction, else "module in function" of the innermost frame."""
    if event.transaction:
        return _bounded(event.transaction, MAX_CULPRIT_LENGTH)
    frame = innermost_frame(event)
    if frame is None:
        frames = [f for f in event.all_frames() if not cached_is_sdk_frame(f, event.platform)]
        app_frames = [f for f in frames if cached_is_app_frame(f, event.platform)]
        frame = (app_frames or frames or [None])[-1]
    if frame is None:
        return ""
    where = frame.get("module") or frame.get("filename") or frame.get("abs_path")
    function = frame.get("function")
    if function in ANONYMOUS_FUNCTIONS:
        function = None  # "app.js in ?" says no more than "app.js"
    if where and function:
        culprit = f"{where} in {function}"
    else:
        culprit = where or function or ""
    return _bounded(culprit, MAX_CULPRIT_LENGTH)
