"""The message interface (`logentry`, legacy `message`): formatted text and template."""

from __future__ import annotations

import re
from typing import Any

from events.normalize.fields import read_text
from events.normalize.limits import MAX_MESSAGE_LENGTH
from events.normalize.problems import Problems
from events.normalize.text import clean_str, short_repr

_PRINTF_RE = re.compile(
    r"%(?:\((?P<name>[^)]{1,64})\))?[-+ #0]*\d{0,9}(?:\.\d{1,9})?(?P<conv>[sdifrxXoOeEgGcj%])"
)
_BRACE_RE = re.compile(r"\{(?P<name>\d{0,3}|[A-Za-z_]\w{0,63})(?::[^{}]{0,32})?\}")


def _param_text(value: object) -> str:
    return value if isinstance(value, str) else short_repr(value)


def format_message(template: str, params: object) -> str:
    """Fill printf-style (`%s`, `%(name)s`) or brace-style (`{0}`, `{name}`) placeholders.

    Python's `%` operator is not used: a hostile template like `%999999999s` would allocate
    gigabytes. Placeholders without a matching parameter are left as they are.
    """
    if isinstance(params, list | tuple):
        positional: list[object] = list(params[:100])
        named: dict[Any, Any] = {}
    elif isinstance(params, dict):
        positional, named = [], params
    else:
        return template
    position = 0
    used = False

    def printf(match: re.Match[str]) -> str:
        nonlocal position, used
        if match.group("conv") == "%":
            return "%"
        name = match.group("name")
        if name is not None:
            if name in named:
                used = True
                return _param_text(named[name])
            return match.group(0)
        if position < len(positional):
            position += 1
            used = True
            return _param_text(positional[position - 1])
        return match.group(0)

    result = _PRINTF_RE.sub(printf, template)
    if used:
        return result

    def brace(match: re.Match[str]) -> str:
        nonlocal position
        name = match.group("name")
        if name == "":
            if position < len(positional):
                position += 1
                return _param_text(positional[position - 1])
        elif name.isdigit():
            if int(name) < len(positional):
                return _param_text(positional[int(name)])
        elif name in named:
            return _param_text(named[name])
        return match.group(0)

    return _BRACE_RE.sub(brace, template)


def read_message(raw: dict[Any, Any], problems: Problems) -> tuple[str | None, str | None]:
    """Return (formatted message, template). `logentry` wins over the legacy `message`."""
    for key in ("logentry", "sentry.interfaces.Message", "message"):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            # A plain string is already formatted; it has no template.
            return read_text(value, key, problems, MAX_MESSAGE_LENGTH), None
        if isinstance(value, dict):
            result = _message_object(value, key, problems)
            if result[0] or result[1]:
                return result
            continue
        problems.invalid(key, value)
    return None, None


def _message_object(
    value: dict[Any, Any], name: str, problems: Problems
) -> tuple[str | None, str | None]:
    template = read_text(value.get("message"), f"{name}.message", problems, MAX_MESSAGE_LENGTH)
    formatted = read_text(value.get("formatted"), f"{name}.formatted", problems, MAX_MESSAGE_LENGTH)
    params = value.get("params")
    if formatted is None and template is not None:
        formatted = clean_str(format_message(template, params), MAX_MESSAGE_LENGTH)
    return formatted, template
