"""Contexts (os, browser, runtime, ...): bounded objects, each with a `type`."""

from __future__ import annotations

from itertools import islice
from typing import Any

from events.normalize.data import read_mapping
from events.normalize.limits import MAX_BREADTH
from events.normalize.problems import Problems
from events.normalize.text import clean_key


def read_contexts(value: object, problems: Problems) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.invalid("contexts", value)
        return {}
    result: dict[str, dict[str, Any]] = {}
    for key, context in islice(value.items(), MAX_BREADTH):
        name = f"contexts.{clean_key(key)}"
        if not isinstance(context, dict):
            if context is not None:
                problems.invalid(name, context)
            continue
        cleaned = read_mapping(context, name, problems, node_budget=1000)
        # The key usually names the context type ("os", "browser"); make that explicit.
        if not isinstance(cleaned.get("type"), str):
            cleaned["type"] = clean_key(key)
        result[clean_key(key)] = cleaned
    return result
