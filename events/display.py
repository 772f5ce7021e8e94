"""An event document shaped for the template: main exception first, numbered source lines.

Everything here stays plain data; the template escapes every string it prints.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from events.models import Event
from events.storage import event_document


@dataclass
class SourceLine:
    number: int | None
    text: str
    is_current: bool


@dataclass
class Frame:
    filename: str
    function: str
    lineno: int | None
    colno: int | None
    in_app: bool
    lines: list[SourceLine]
    vars: list[tuple[str, str]]


@dataclass
class ExceptionView:
    type: str
    value: str
    module: str
    mechanism: str
    handled: bool | None
    frames: list[Frame] = field(default_factory=list)
    frames_omitted: list[int] | None = None
    # How many frames are missing, and before which shown frame the marker goes (frames are
    # shown innermost first, so the gap comes after the innermost frames that were kept).
    omitted_count: int = 0
    omitted_position: int = 0


def load_document(event: Event) -> dict[str, Any]:
    return event_document(event)


def show_value(value: object) -> str:
    """A local variable or data value as one readable string (the SDK already repr()'d most)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def _lines(frame: dict[str, Any]) -> list[SourceLine]:
    pre = frame.get("pre_context") or []
    post = frame.get("post_context") or []
    current = frame.get("context_line")
    lineno = frame.get("lineno")
    if current is None:
        return []

    def number(offset: int) -> int | None:
        return lineno + offset if isinstance(lineno, int) else None

    lines = [SourceLine(number(i - len(pre)), text, False) for i, text in enumerate(pre)]
    lines.append(SourceLine(number(0), current, True))
    lines += [SourceLine(number(i + 1), text, False) for i, text in enumerate(post)]
    return lines


def _frame(frame: dict[str, Any]) -> Frame:
    variables = frame.get("vars") or {}
    return Frame(
        filename=frame.get("filename") or frame.get("abs_path") or frame.get("module") or "?",
        function=frame.get("function") or "?",
        lineno=frame.get("lineno"),
        colno=frame.get("colno"),
        in_app=bool(frame.get("in_app")),
        lines=_lines(frame),
        vars=[(str(name), show_value(value)) for name, value in variables.items()],
    )


def _with_gap(view: ExceptionView, stacktrace: dict[str, Any]) -> ExceptionView:
    """Where the stack trace's `frames_omitted` gap is, in the frames as shown."""
    omitted = stacktrace.get("frames_omitted")
    if isinstance(omitted, list) and len(omitted) == 2 and omitted[1] > omitted[0]:
        view.frames_omitted = omitted
        view.omitted_count = omitted[1] - omitted[0]
        view.omitted_position = max(0, len(view.frames) - omitted[0])
    return view


def exceptions(document: dict[str, Any]) -> list[ExceptionView]:
    """Newest (main) exception first; frames innermost first, where the error happened."""
    result = []
    for exc in reversed(document.get("exceptions") or []):
        stacktrace = exc.get("stacktrace") or {}
        mechanism = exc.get("mechanism") or {}
        view = ExceptionView(
            type=exc.get("type") or "",
            value=exc.get("value") or "",
            module=exc.get("module") or "",
            mechanism=str(mechanism.get("type") or ""),
            handled=exc.get("handled"),
            frames=[_frame(f) for f in reversed(stacktrace.get("frames") or [])],
        )
        result.append(_with_gap(view, stacktrace))
    if not result and document.get("stacktrace"):
        stacktrace = document["stacktrace"]
        view = ExceptionView(
            type="", value="", module="", mechanism="", handled=None,
            frames=[_frame(f) for f in reversed(stacktrace.get("frames") or [])],
        )  # fmt: skip
        result.append(_with_gap(view, stacktrace))
    return result


def size_notes(document: dict[str, Any]) -> list[str]:
    """What was cut from an event sent over the size limit (events/oversize.py), in words."""
    notes = []
    for error in document.get("errors") or []:
        sent, limit = error.get("sent_bytes"), error.get("limit")
        if error.get("type") == "trimmed" and isinstance(sent, int) and isinstance(limit, int):
            notes.append(
                f"Sent with {sent:,} bytes, over the event limit of {limit:,}: "
                f"trimmed {error.get('name', '')}"
            )
    return notes


def breadcrumbs(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**crumb, "data_text": show_value(crumb["data"]) if crumb.get("data") else ""}
        for crumb in document.get("breadcrumbs") or []
    ]


def flat_items(mapping: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [(str(key), show_value(value)) for key, value in (mapping or {}).items()]


def contexts(document: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(name, flat_items(values)) for name, values in (document.get("contexts") or {}).items()]


def request_view(document: dict[str, Any]) -> dict[str, Any] | None:
    request = document.get("request")
    if not request:
        return None
    cookies = request.get("cookies")
    return {
        "method": request.get("method") or "",
        "url": request.get("url") or "",
        "query_string": request.get("query_string") or "",
        "headers": request.get("headers") or [],
        "cookies": cookies if isinstance(cookies, list) else [],
        "cookies_text": cookies if isinstance(cookies, str) else "",
        "data": show_value(request["data"]) if request.get("data") is not None else "",
        "env": flat_items(request.get("env")),
    }


def event_context(event: Event) -> dict[str, Any]:
    document = load_document(event)
    return {
        "document": document,
        "exceptions": exceptions(document),
        "breadcrumbs": breadcrumbs(document),
        "request_info": request_view(document),
        "user_info": flat_items(document.get("user")),
        "event_tags": document.get("tags") or [],
        "event_contexts": contexts(document),
        "size_notes": size_notes(document),
        "extra": flat_items(document.get("extra")),
        "security_reports": [
            (name, flat_items(report))
            for name, report in (document.get("security_report") or {}).items()
        ],
    }
