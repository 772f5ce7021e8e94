"""Strings and scalars made storable anywhere: bounded, valid UTF-8, no NUL, 64-bit numbers."""

from __future__ import annotations

import math

from events.normalize.limits import INT64_MIN, MAX_DATA_STRING_LENGTH, UINT64_MAX

ELLIPSIS = "\u2026"


def short_repr(value: object, limit: int = 80) -> str:
    """A short description of any value, safe for huge or deeply nested input (no recursion)."""
    if isinstance(value, str):
        text = repr(value[:limit])
        return text + ELLIPSIS if len(value) > limit else text
    if value is None or isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int):
        # str() of a huge int raises ValueError (int max str digits), so don't try.
        return str(value) if value.bit_length() <= 128 else "<very large integer>"
    if isinstance(value, dict):
        return f"<object with {len(value)} keys>"
    if isinstance(value, list | tuple):
        return f"<array with {len(value)} items>"
    return f"<{type(value).__name__}>"


def clean_str(value: str, limit: int) -> str:
    """Cut `value` to at most `limit` characters and make it storable anywhere.

    Lone surrogates (possible through JSON `\\ud800` escapes) are not valid UTF-8 and NUL is
    rejected by Postgres text/JSONB, so both are replaced.
    """
    if len(value) > limit:
        value = value[: limit - 1] + ELLIPSIS
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def clean_int(value: int) -> int | str:
    """Ints beyond 64 bits are not storable as JSON numbers (orjson, Postgres): keep as text."""
    if INT64_MIN <= value <= UINT64_MAX:
        return value
    if value.bit_length() > 13_000:  # more digits than int->str conversion allows
        return "<very large integer>"
    return clean_str(str(value), MAX_DATA_STRING_LENGTH)


def clean_scalar(value: object, str_limit: int) -> object:
    """A JSON-safe copy of a scalar; None for values that have no JSON form."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return clean_str(value, str_limit)
    if isinstance(value, int):
        return clean_int(value)
    if isinstance(value, float):
        # NaN and infinities are not JSON; keep them readable rather than silently null.
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, bytes | bytearray):
        return clean_str(bytes(value[:str_limit]).decode("utf-8", "replace"), str_limit)
    return f"<{type(value).__name__}>"


def clean_key(key: object) -> str:
    if isinstance(key, str):
        return clean_str(key, 256)
    return clean_str(short_repr(key), 256)


def is_plain_text(value: object, limit: int) -> bool:
    """Whether `read_text` would return `value` itself (and note nothing): the common case."""
    return (
        type(value) is str
        and len(value) <= limit
        and value.isascii()
        and "\x00" not in value
        and not value.isspace()
        and value != ""
    )
