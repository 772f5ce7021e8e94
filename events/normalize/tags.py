"""Tags: string pairs, deduplicated by key, bounded in number and length."""

from __future__ import annotations

import math
from itertools import islice

from events.normalize.limits import MAX_TAG_LENGTH, MAX_TAGS
from events.normalize.problems import Problems
from events.normalize.text import clean_str, short_repr


def _tag_text(value: object) -> str | None:
    if isinstance(value, str):
        text = clean_str(value.strip(), MAX_TAG_LENGTH)
        return text or None
    if isinstance(value, bool | int | float) and not (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return clean_str(short_repr(value), MAX_TAG_LENGTH)
    return None


def read_tags(value: object, problems: Problems) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, dict):
        items: list[object] = list(islice(value.items(), MAX_TAGS * 2))
    elif isinstance(value, list):
        items = value[: MAX_TAGS * 2]
    else:
        problems.invalid("tags", value)
        return []
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, list | tuple) or len(item) != 2:
            problems.invalid("tags", item)
            continue
        key, val = _tag_text(item[0]), _tag_text(item[1])
        if key is None or val is None:
            if item[1] is not None:
                problems.invalid("tags", item)
            continue
        if key in seen:
            continue
        if len(result) >= MAX_TAGS:
            problems.add("trimmed", "tags")
            break
        seen.add(key)
        result.append((key, val))
    return result
