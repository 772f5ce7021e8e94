"""Readers of typed fields (text, integers, booleans, lists) that note what they drop."""

from __future__ import annotations

import math
import re
from typing import Any

from events.normalize.limits import MAX_IDENTIFIER_LENGTH
from events.normalize.problems import Problems
from events.normalize.text import clean_str, short_repr

INT_RE = re.compile(r"^[+-]?\d{1,19}$")


def read_text(
    value: object, name: str, problems: Problems, limit: int = MAX_IDENTIFIER_LENGTH
) -> str | None:
    """Read an optional string field. Numbers become text; other types are dropped and noted."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) > limit:
            problems.add("value_too_long", name, length=len(value))
        value = clean_str(value, limit)
        return value if value.strip() else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            problems.invalid(name, value)
            return None
        return clean_str(short_repr(value), limit)
    problems.invalid(name, value)
    return None


def read_int(value: object, name: str, problems: Problems) -> int | None:
    """Read an optional non-negative 32-bit integer (line / column numbers); coerce when sane."""
    if value is None:
        return None
    result: int | None = None
    if isinstance(value, bool):
        result = None
    elif isinstance(value, int):
        result = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        result = int(value)
    elif isinstance(value, str) and INT_RE.match(value.strip()):
        result = int(value.strip())
    if result is None or not 0 <= result < 2**31:
        problems.invalid(name, value)
        return None
    return result


def read_bool(value: object, name: str, problems: Problems) -> bool | None:
    """Read an optional boolean; accept the obvious string / 0-1 spellings some SDKs send."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    problems.invalid(name, value)
    return None


def first_present(raw: dict[Any, Any], *keys: str) -> object:
    """The first present value among a modern key and its legacy `sentry.interfaces.*` aliases."""
    for key in keys:
        value = raw.get(key)
        if value is not None:
            return value
    return None


def read_values(value: object, name: str, problems: Problems) -> list[Any]:
    """Accept the `{"values": [...]}` wrapper, a bare list, or (leniently) a single object."""
    if value is None:
        return []
    if isinstance(value, dict):
        if "values" in value:
            inner = value["values"]
            if inner is None:
                return []
            if isinstance(inner, list):
                return inner
            problems.invalid(f"{name}.values", inner)
            return []
        return [value]
    if isinstance(value, list):
        return value
    problems.invalid(name, value)
    return []
