"""Strategy `exception` of grouping v2: the chain or tree of exceptions, in the SDK's order.

Every exception counts, exception groups (``ExceptionGroup``, ``AggregateException``)
included: a group's type says what kind of failure it was, and where each exception sits in the
tree (its parent, by position) is part of the hash, so the same children under a different
parent are another problem. A tree (``mechanism.exception_id`` / ``parent_id``) is read in its
own order, each exception after its children and children by id, so the order an SDK sends
them in does not matter; a broken tree (duplicate ids, cycles) keeps the order sent.

Each exception contributes its type (unless the SDK made it up to
carry a message: ``synthetic``), its counting frames (strategies/stack_v2.py), and its value,
masked (value_masks.py), when none of its frames counted or it is synthetic.
"""

from __future__ import annotations

from typing import Any

from events.normalize import NormalizedEvent
from issues.grouping.frames import frames_of
from issues.grouping.hashing import Component
from issues.grouping.strategies.stack_v2 import any_app_key, frame_components_v2, stack_verdicts
from issues.grouping.value_masks import mask_value


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parents(exceptions: list[dict[str, Any]]) -> list[int | None]:
    """Each exception's parent, as a position in the list; None for none or a broken tree."""
    position: dict[int, int] = {}
    for index, exc in enumerate(exceptions):
        exception_id = (exc.get("mechanism") or {}).get("exception_id")
        if _is_id(exception_id):
            if exception_id in position:
                return [None] * len(exceptions)  # duplicate ids: no tree to trust
            position[exception_id] = index
    if not position:
        return [None] * len(exceptions)
    parents: list[int | None] = []
    for index, exc in enumerate(exceptions):
        parent_id = (exc.get("mechanism") or {}).get("parent_id")
        parent = position.get(parent_id) if _is_id(parent_id) else None
        parents.append(parent if parent != index else None)
    # A cycle makes the whole tree meaningless.
    for start in range(len(exceptions)):
        seen, node = set(), start
        while node is not None:
            if node in seen:
                return [None] * len(exceptions)
            seen.add(node)
            node = parents[node]
    return parents


def _value(exc: dict[str, Any], event: NormalizedEvent) -> str | None:
    value = exc.get("value")
    if exc.get("synthetic") and event.message_template and value == event.message:
        return mask_value(event.message_template) or None
    return mask_value(value) or None if value else None


def _tree_order(exceptions: list[dict[str, Any]], parents: list[int | None]) -> list[int]:
    """Positions in tree order: each exception after its children, children by exception id
    (the order the group holds them in, whatever order the SDK sent them in)."""
    if all(parent is None for parent in parents):
        return list(range(len(exceptions)))
    children: dict[int | None, list[int]] = {}
    for index, parent in enumerate(parents):
        children.setdefault(parent, []).append(index)

    def by_id(index: int) -> tuple[int, int]:
        exception_id = (exceptions[index].get("mechanism") or {}).get("exception_id")
        if _is_id(exception_id):
            return (0, exception_id)
        return (1, index)  # no usable id: after those with one, in the order sent

    # Post-order without recursion (a chain can be as deep as the event has exceptions).
    order: list[int] = []
    pending = [(root, False) for root in sorted(children.get(None, ()), key=by_id, reverse=True)]
    while pending:
        index, expanded = pending.pop()
        if expanded:
            order.append(index)
            continue
        pending.append((index, True))
        for child in sorted(children.get(index, ()), key=by_id, reverse=True):
            pending.append((child, False))
    return order


def exception_components_v2(event: NormalizedEvent) -> list[Component]:
    exceptions = [exc for exc in event.exceptions if isinstance(exc, dict)]
    if not exceptions:
        return []
    parents = _parents(exceptions)
    order = _tree_order(exceptions, parents)
    position = {index: rank for rank, index in enumerate(order)}
    exceptions = [exceptions[index] for index in order]
    parents = [None if parents[i] is None else position[parents[i]] for i in order]
    stacks = [
        stack_verdicts(frames_of(exc.get("stacktrace")), event.platform) for exc in exceptions
    ]
    app_only = any_app_key(stacks)
    components: list[Component] = []
    for index, (exc, verdicts, parent) in enumerate(zip(exceptions, stacks, parents, strict=True)):
        label = f"exception[{index}]"
        synthetic = exc.get("synthetic") is True
        if parent is not None:
            components.append((f"{label} in", f"exception[{parent}]"))
        if exc.get("type") and not synthetic:
            components.append((f"{label} type", exc["type"]))
        from_frames = frame_components_v2(verdicts, app_only, label)
        components.extend(from_frames)
        if not from_frames or synthetic:
            value = _value(exc, event)
            if value:
                components.append((f"{label} value", value))
    return components
