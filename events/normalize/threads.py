"""The threads interface, and the stacks it lends to frame-less exceptions."""

from __future__ import annotations

from typing import Any

from events.normalize.fields import read_bool, read_text, read_values
from events.normalize.limits import MAX_THREADS
from events.normalize.problems import Problems
from events.normalize.stacktrace import copy_stacktrace, read_stacktrace
from events.normalize.text import clean_int, clean_str


def read_thread_id(value: object, name: str, problems: Problems) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return clean_int(value)
    if isinstance(value, str):
        return clean_str(value, 128)
    problems.invalid(name, value)
    return None


def read_threads(raw: dict[Any, Any], problems: Problems) -> list[dict[str, Any]]:
    values = read_values(raw.get("threads"), "threads", problems)
    if len(values) > MAX_THREADS:
        problems.add("trimmed", "threads.values", length=len(values))
        values = values[:MAX_THREADS]
    result = []
    for index, value in enumerate(values):
        name = f"threads.values.{index}"
        if not isinstance(value, dict):
            problems.invalid(name, value)
            continue
        result.append(
            {
                "id": read_thread_id(value.get("id"), f"{name}.id", problems),
                "name": read_text(value.get("name"), f"{name}.name", problems),
                "crashed": read_bool(value.get("crashed"), f"{name}.crashed", problems),
                "current": read_bool(value.get("current"), f"{name}.current", problems),
                "main": read_bool(value.get("main"), f"{name}.main", problems),
                "stacktrace": read_stacktrace(
                    value.get("stacktrace"), f"{name}.stacktrace", problems
                ),
            }
        )
    return result


def attach_thread_stacktraces(
    exceptions: list[dict[str, Any]], threads: list[dict[str, Any]]
) -> None:
    """Give frame-less exceptions the stack of their thread (some SDKs put it only there).

    A thread matches by `thread_id`. When the main exception names no thread, the only thread
    with a stack trace, else the single crashed one, else the single current one is taken.
    """
    with_stack = [thread for thread in threads if thread["stacktrace"]]
    if not with_stack:
        return
    for exc in exceptions:
        if exc["stacktrace"] or exc["thread_id"] is None:
            continue
        for thread in with_stack:
            if thread["id"] is not None and str(thread["id"]) == str(exc["thread_id"]):
                exc["stacktrace"] = copy_stacktrace(thread["stacktrace"])
                break
    main = exceptions[-1] if exceptions else None
    if main is None or main["stacktrace"] or main["thread_id"] is not None:
        return
    for candidates in (
        with_stack,
        [thread for thread in with_stack if thread["crashed"]],
        [thread for thread in with_stack if thread["current"]],
    ):
        if len(candidates) == 1:
            main["stacktrace"] = copy_stacktrace(candidates[0]["stacktrace"])
            return
