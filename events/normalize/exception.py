"""The exception interface: the chain of exceptions, oldest to newest."""

from __future__ import annotations

from typing import Any

from events.normalize.data import read_mapping
from events.normalize.fields import first_present, read_text, read_values
from events.normalize.limits import MAX_EXCEPTIONS, MAX_MESSAGE_LENGTH
from events.normalize.problems import Problems
from events.normalize.stacktrace import read_stacktrace
from events.normalize.threads import read_thread_id


def _exception(raw: object, name: str, problems: Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.invalid(name, raw)
        return None
    mechanism_raw = raw.get("mechanism")
    mechanism: dict[str, Any] = {}
    if isinstance(mechanism_raw, dict):
        mechanism = read_mapping(mechanism_raw, f"{name}.mechanism", problems)
    elif mechanism_raw is not None:
        problems.invalid(f"{name}.mechanism", mechanism_raw)
    stack_raw = raw.get("stacktrace")
    if stack_raw is None:
        stack_raw = raw.get("raw_stacktrace")  # pre-symbolication copy, better than nothing
    handled = mechanism.get("handled")
    exc = {
        "type": read_text(raw.get("type"), f"{name}.type", problems),
        "value": read_text(raw.get("value"), f"{name}.value", problems, MAX_MESSAGE_LENGTH),
        "module": read_text(raw.get("module"), f"{name}.module", problems),
        "thread_id": read_thread_id(raw.get("thread_id"), f"{name}.thread_id", problems),
        "mechanism": mechanism,
        "handled": handled if isinstance(handled, bool) else None,
        "synthetic": mechanism.get("synthetic") is True,
        "stacktrace": read_stacktrace(stack_raw, f"{name}.stacktrace", problems),
    }
    if exc["type"] is None and exc["value"] is None and exc["stacktrace"] is None:
        return None  # an empty exception carries nothing to show or group on
    return exc


def read_exceptions(raw: dict[Any, Any], problems: Problems) -> list[dict[str, Any]]:
    container = first_present(raw, "exception", "sentry.interfaces.Exception")
    values = read_values(container, "exception", problems)
    if len(values) > MAX_EXCEPTIONS:
        # Keep the newest ones: the main exception is the last entry.
        problems.add("trimmed", "exception.values", length=len(values))
        values = values[-MAX_EXCEPTIONS:]
    result = []
    for index, value in enumerate(values):
        exc = _exception(value, f"exception.values.{index}", problems)
        if exc is not None:
            result.append(exc)
    return result
