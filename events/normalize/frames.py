"""One stack frame: identity fields, line numbers, source context, locals, address."""

from __future__ import annotations

from typing import Any

from events.normalize.data import read_data
from events.normalize.fields import read_bool, read_int, read_text
from events.normalize.limits import (
    MAX_CONTEXT_LINE_LENGTH,
    MAX_CONTEXT_LINES,
    MAX_IDENTIFIER_LENGTH,
    UINT64_MAX,
    VARS_CHAR_BUDGET,
    VARS_NODE_BUDGET,
)
from events.normalize.problems import Problems
from events.normalize.text import clean_str, is_plain_text, short_repr

_FRAME_TEXT_FIELDS = ("filename", "abs_path", "module", "function", "package", "platform")
# A frame without any of these cannot be shown or grouped, so it is dropped.
_FRAME_IDENTITY_FIELDS = (
    "filename",
    "abs_path",
    "module",
    "function",
    "lineno",
    "instruction_addr",
)


def read_frame(raw: object, name: str, problems: Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        if raw is not None:
            problems.invalid(name, raw)
        return None
    # Frames are most of an event: values that are fine already are taken as they are, and the
    # field's name is only spelled out when there is a problem to record under it.
    frame: dict[str, Any] = {}
    for key in _FRAME_TEXT_FIELDS:
        value = raw.get(key)
        if value is not None and not is_plain_text(value, MAX_IDENTIFIER_LENGTH):
            value = read_text(value, f"{name}.{key}", problems)
        frame[key] = value
    for key in ("lineno", "colno"):
        value = raw.get(key)
        if value is not None and not (type(value) is int and 0 <= value < 2**31):
            value = read_int(value, f"{name}.{key}", problems)
        frame[key] = value
    value = raw.get("in_app")
    if value is not None and type(value) is not bool:
        value = read_bool(value, f"{name}.in_app", problems)
    frame["in_app"] = value
    value = raw.get("context_line")
    if value is not None and not is_plain_text(value, MAX_CONTEXT_LINE_LENGTH):
        value = read_text(value, f"{name}.context_line", problems, MAX_CONTEXT_LINE_LENGTH)
    frame["context_line"] = value
    value = raw.get("pre_context")
    if value is not None:
        value = _context_lines(value, f"{name}.pre_context", problems)
    frame["pre_context"] = value
    value = raw.get("post_context")
    if value is not None:
        value = _context_lines(value, f"{name}.post_context", problems)
    frame["post_context"] = value
    value = raw.get("vars")
    if value is not None:
        value = _frame_vars(value, f"{name}.vars", problems)
    frame["vars"] = value
    value = raw.get("instruction_addr")
    if value is not None:
        value = _address(value, name, problems)
    frame["instruction_addr"] = value
    if all(frame[key] is None for key in _FRAME_IDENTITY_FIELDS):
        return None  # nothing identifies this frame; an empty row only confuses the UI
    return frame


def _context_lines(value: object, name: str, problems: Problems) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        problems.invalid(name, value)
        return None
    # Lines next to the crash matter most: keep the end of pre_context, the start of post_context.
    lines = (
        value[-MAX_CONTEXT_LINES:] if name.endswith("pre_context") else value[:MAX_CONTEXT_LINES]
    )
    result = []
    for line in lines:
        if line is None:
            result.append("")
        elif type(line) is str and len(line) <= MAX_CONTEXT_LINE_LENGTH and line.isascii():
            result.append(line if "\x00" not in line else clean_str(line, MAX_CONTEXT_LINE_LENGTH))
        elif isinstance(line, str):
            result.append(clean_str(line, MAX_CONTEXT_LINE_LENGTH))
        elif isinstance(line, int | float) and not isinstance(line, bool):
            result.append(short_repr(line))
        else:
            problems.invalid(name, line)
            return None
    return result


def _frame_vars(value: object, name: str, problems: Problems) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.invalid(name, value)
        return None
    result = read_data(
        value, name, problems, node_budget=VARS_NODE_BUDGET, char_budget=VARS_CHAR_BUDGET
    )
    return result if isinstance(result, dict) else None


def _address(value: object, name: str, problems: Problems) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= UINT64_MAX:
        return hex(value)
    if isinstance(value, str) and 0 < len(value) <= 64:
        return clean_str(value.strip().lower(), 64)
    problems.invalid(f"{name}.instruction_addr", value)
    return None
