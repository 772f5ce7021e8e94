"""The custom fingerprint an SDK may send: a list of strings for grouping."""

from __future__ import annotations

from events.normalize.limits import MAX_FINGERPRINT_PARTS, MAX_IDENTIFIER_LENGTH
from events.normalize.problems import Problems
from events.normalize.text import clean_str, short_repr


def read_fingerprint(value: object, problems: Problems) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.invalid("fingerprint", value)
        return None
    result = []
    for part in value[:MAX_FINGERPRINT_PARTS]:
        if isinstance(part, str):
            result.append(clean_str(part, MAX_IDENTIFIER_LENGTH))
        elif isinstance(part, int | float) and not isinstance(part, bool):
            result.append(short_repr(part))
        else:
            problems.invalid("fingerprint", part)
    return result or None
