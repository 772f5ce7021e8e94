"""The request interface: URL, method, query string, body, headers, cookies, env."""

from __future__ import annotations

from itertools import islice
from typing import Any
from urllib.parse import urlencode

from events.normalize.data import read_data, read_mapping
from events.normalize.fields import first_present, read_text
from events.normalize.limits import MAX_DATA_STRING_LENGTH, MAX_HEADERS
from events.normalize.problems import Problems
from events.normalize.text import clean_str, short_repr


def _pairs(value: object, name: str, problems: Problems) -> list[list[str]]:
    """Headers / cookies as `[[key, value], ...]` from either a dict or a list of pairs."""
    if isinstance(value, dict):
        items: list[object] = list(islice(value.items(), MAX_HEADERS + 1))
    elif isinstance(value, list):
        items = value[: MAX_HEADERS + 1]
    else:
        problems.invalid(name, value)
        return []
    if len(items) > MAX_HEADERS:
        problems.add("trimmed", name)
        items = items[:MAX_HEADERS]
    result = []
    for item in items:
        if not isinstance(item, list | tuple) or len(item) != 2:
            problems.invalid(name, item)
            continue
        key, val = item
        if isinstance(val, list):  # repeated header sent as a list of values
            val = ", ".join(v for v in val[:20] if isinstance(v, str))
        if not isinstance(key, str) or not isinstance(val, str | int | float):
            if val is not None:
                problems.invalid(name, item)
            continue
        text = val if isinstance(val, str) else short_repr(val)
        result.append([clean_str(key, 256), clean_str(text, MAX_DATA_STRING_LENGTH)])
    return result


def _query_string(value: object, problems: Problems) -> str | None:
    if value is None or isinstance(value, str):
        return read_text(value, "request.query_string", problems, MAX_DATA_STRING_LENGTH)
    if isinstance(value, dict | list):
        pairs = [(key, val) for key, val in _pairs(value, "request.query_string", problems)]
        return clean_str(urlencode(pairs), MAX_DATA_STRING_LENGTH) if pairs else None
    problems.invalid("request.query_string", value)
    return None


def read_request(raw: dict[Any, Any], problems: Problems) -> dict[str, Any] | None:
    value = first_present(raw, "request", "sentry.interfaces.Http")
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.invalid("request", value)
        return None
    method = read_text(value.get("method"), "request.method", problems, 32)
    cookies = value.get("cookies")
    request: dict[str, Any] = {
        "url": read_text(value.get("url"), "request.url", problems, MAX_DATA_STRING_LENGTH),
        "method": method.upper() if method else None,
        "query_string": _query_string(value.get("query_string"), problems),
        "data": read_data(value.get("data"), "request.data", problems),
        "headers": _pairs(value["headers"], "request.headers", problems)
        if value.get("headers") is not None
        else [],
        "cookies": None,
        "env": read_mapping(value.get("env"), "request.env", problems, node_budget=500),
    }
    if isinstance(cookies, str):
        request["cookies"] = read_text(cookies, "request.cookies", problems, MAX_DATA_STRING_LENGTH)
    elif cookies is not None:
        request["cookies"] = _pairs(cookies, "request.cookies", problems)
    return request
