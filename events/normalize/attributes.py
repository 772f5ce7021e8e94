"""Scalar attributes with a fixed vocabulary: level, platform, event type."""

from __future__ import annotations

import re

from events.normalize.fields import INT_RE
from events.normalize.problems import Problems

LEVELS = ("fatal", "error", "warning", "info", "debug")
_LEVEL_ALIASES = {
    "warn": "warning",
    "critical": "fatal",
    "crit": "fatal",
    "err": "error",
    "exception": "error",
    "log": "info",
    "notice": "info",
    "trace": "debug",
    "sample": "info",
}
_EVENT_TYPES = frozenset(
    {"error", "default", "transaction", "feedback", "csp", "hpkp", "expectct", "expectstaple"}
)
_PLATFORM_RE = re.compile(r"^[a-z0-9_.-]{1,64}$")


def read_level(value: object, problems: Problems) -> str:
    if value is None:
        return "error"
    if isinstance(value, str):
        text = value.strip().lower()
        if text in LEVELS:
            return text
        if text in _LEVEL_ALIASES:
            return _LEVEL_ALIASES[text]
        if INT_RE.match(text):
            value = int(text)
    if isinstance(value, int) and not isinstance(value, bool):
        # Python logging levels, sent as numbers by raven (40 == ERROR).
        for threshold, name in ((50, "fatal"), (40, "error"), (30, "warning"), (20, "info")):
            if value >= threshold:
                return name
        return "debug"
    problems.invalid("level", value)
    return "error"


def read_platform(value: object, problems: Problems) -> str:
    if value is None:
        return "other"
    if isinstance(value, str) and _PLATFORM_RE.match(value.strip().lower()):
        return value.strip().lower()
    problems.invalid("platform", value)
    return "other"


def read_event_type(value: object, has_exceptions: bool) -> str:
    if isinstance(value, str) and value in _EVENT_TYPES:
        return value
    return "error" if has_exceptions else "default"
