"""Free-form data (extra, contexts, frame vars, request bodies): bounded JSON-safe copies."""

from __future__ import annotations

from contextvars import ContextVar
from itertools import islice
from typing import TYPE_CHECKING, Any

from events.normalize.limits import (
    DATA_CHAR_BUDGET,
    DATA_NODE_BUDGET,
    INT64_MIN,
    MAX_BREADTH,
    MAX_DATA_STRING_LENGTH,
    MAX_DEPTH,
    UINT64_MAX,
)
from events.normalize.problems import Problems
from events.normalize.text import ELLIPSIS, clean_key, clean_scalar, clean_str

if TYPE_CHECKING:
    from datapolicy.scrub import Scrubber

TRIMMED_KEY = ELLIPSIS  # dict key under which "<N more keys>" is recorded when breadth is cut

# The scrubber that `read_data` scrubs free-form data with while copying it, set by
# `normalize_event` for the event it reads: frame variables are most of an event's nodes, and
# one walk over them costs half of two.
scrubbing: ContextVar[Scrubber | None] = ContextVar("scrubbing", default=None)


def trim_data(
    value: object,
    *,
    max_depth: int = MAX_DEPTH,
    max_breadth: int = MAX_BREADTH,
    max_string: int = MAX_DATA_STRING_LENGTH,
    node_budget: int = DATA_NODE_BUDGET,
    char_budget: int = DATA_CHAR_BUDGET,
    scrubber: Scrubber | None = None,
) -> tuple[object, bool]:
    """Return a bounded JSON-safe copy of `value` and whether anything was cut.

    Containers deeper than `max_depth` become a "<N keys/items>" marker string; containers
    wider than `max_breadth` keep their first entries plus a marker entry. Nodes are visited
    (and the node and character budgets spent) in document order.

    The copy recurses, which is safe because recursion stops at `max_depth` (8 by default,
    whatever the input's nesting: 10,000 levels cost 8 calls), and several times cheaper
    than an explicit stack. Should a caller ask for a depth that could hit the recursion
    limit, the explicit-stack twin `trim_data_iterative` does the work.

    With a `scrubber`, the copy is scrubbed as it is made: the entries of every dict and list
    in it come out as `scrubber.value` would leave them (a string at the root is left as is).
    """
    if max_depth > _MAX_RECURSIVE_DEPTH:
        result, trimmed = trim_data_iterative(
            value,
            max_depth=max_depth,
            max_breadth=max_breadth,
            max_string=max_string,
            node_budget=node_budget,
            char_budget=char_budget,
        )
        if scrubber is not None:
            scrubber.value(result)
        return result, trimmed
    trimmer = _Trimmer(max_depth, max_breadth, max_string, node_budget, char_budget, scrubber)
    return trimmer.copy(value, 0), trimmer.trimmed


class _Trimmer:
    """The state of one `trim_data` call (an object, not closures: a recursive closure is a
    reference cycle, left for the cyclic garbage collector to find)."""

    __slots__ = (
        "max_depth",
        "max_breadth",
        "max_string",
        "node_budget",
        "char_budget",
        "nodes",
        "chars",
        "trimmed",
        "scrubber",
    )

    def __init__(
        self,
        max_depth: int,
        max_breadth: int,
        max_string: int,
        node_budget: int,
        char_budget: int,
        scrubber: Scrubber | None,
    ) -> None:
        self.max_depth = max_depth
        self.max_breadth = max_breadth
        self.max_string = max_string
        self.node_budget = node_budget
        self.char_budget = char_budget
        self.nodes = 1  # the root
        self.chars = 0
        self.trimmed = False
        self.scrubber = scrubber

    def string(self, src: str) -> str:
        limit = self.max_string if self.chars < self.char_budget else 64
        length = len(src)
        self.chars += length if length < limit else limit
        if length > limit:
            self.trimmed = True
        elif src.isascii() and "\x00" not in src:
            return src  # what clean_str would return, without its checks
        return clean_str(src, limit)

    def copy(self, src: object, depth: int) -> object:
        """Copy a node already counted in `nodes`."""
        if isinstance(src, dict):
            is_dict = True
        elif isinstance(src, _SEQUENCES):
            is_dict = False
        elif isinstance(src, str):
            return self.string(src)
        else:
            return clean_scalar(src, self.max_string if self.chars < self.char_budget else 64)
        size = len(src)
        if depth >= self.max_depth or self.nodes > self.node_budget:
            self.trimmed = True
            return f"<{'object' if is_dict else 'array'} with {size} entries>"
        depth += 1
        max_breadth = self.max_breadth
        max_string = self.max_string
        char_budget = self.char_budget
        scrubber = self.scrubber
        if scrubber is not None:
            decided = scrubber.decided_keys
            min_text = scrubber.MIN_TEXT_LENGTH
            keyed = scrubber.KEYED_TEXT_KEYS
            pending = scrubber.pending
        out: Any
        if is_dict:
            out = {}
            items = islice(src.items(), max_breadth)  # type: ignore[union-attr]
        else:
            out = [None] * min(size, max_breadth)
            items = enumerate(islice(src, max_breadth))  # type: ignore[call-overload]
        for key, child in items:
            if is_dict and not (
                type(key) is str and len(key) <= 256 and key.isascii() and "\x00" not in key
            ):
                key = clean_key(key)
            self.nodes += 1
            # The common leaves are copied right here: a call per leaf is most of the cost.
            kind = type(child)
            if kind is str:
                length = len(child)
                chars = self.chars
                if (
                    length <= (max_string if chars < char_budget else 64)
                    and child.isascii()
                    and "\x00" not in child
                ):
                    self.chars = chars + length
                else:
                    child = self.string(child)
            elif kind is int:
                if not INT64_MIN <= child <= UINT64_MAX:
                    child = self.copy(child, depth)
            elif child is not None and kind is not bool:
                child = self.copy(child, depth)
            if scrubber is not None:
                # What `Scrubber.value` does to an entry, inline: it runs for every node.
                if is_dict:
                    hit = decided.get(key)
                    if hit is None:
                        hit = scrubber.rules.key_matches(key)
                    if hit:
                        child = scrubber.filtered(child)
                    elif type(child) is str:
                        if key in keyed:
                            child = scrubber.entry_text(key, child)
                        elif len(child) >= min_text:
                            pending.append((out, key, child))  # searched at the event's end
                elif type(child) is str and len(child) >= min_text:
                    pending.append((out, key, child))
            # Repeated keys (possible once cleaned) keep their first position and last value.
            out[key] = child
        if size > max_breadth:
            self.trimmed = True
            if not is_dict:
                out.append(f"<{size - max_breadth} more items>")
            # A key that itself reads TRIMMED_KEY keeps its value, as with the explicit stack,
            # where the marker was set first and the child's copy then overwrote it.
            elif TRIMMED_KEY not in out:
                out[TRIMMED_KEY] = f"<{size - max_breadth} more keys>"
        return out


# A tuple, not `list | tuple`: isinstance with a union is several times slower, and `copy`
# checks every container and scalar it is given.
_SEQUENCES = (list, tuple)

# Far below Python's default recursion limit of 1000, with room for the callers' frames.
_MAX_RECURSIVE_DEPTH = 200


def trim_data_iterative(
    value: object,
    *,
    max_depth: int = MAX_DEPTH,
    max_breadth: int = MAX_BREADTH,
    max_string: int = MAX_DATA_STRING_LENGTH,
    node_budget: int = DATA_NODE_BUDGET,
    char_budget: int = DATA_CHAR_BUDGET,
) -> tuple[object, bool]:
    """`trim_data` with an explicit stack instead of recursion: the same result for any
    `max_depth`. Used when `max_depth` is too large to recurse, and as the reference that
    tests compare `trim_data` with.
    """
    trimmed = False
    nodes = 0
    chars = 0
    holder: list[object] = [None]
    stack: list[tuple[object, Any, Any, int]] = [(value, holder, 0, 0)]
    while stack:
        src, parent, slot, depth = stack.pop()
        nodes += 1
        is_dict = isinstance(src, dict)
        if is_dict or isinstance(src, list | tuple):
            size = len(src)  # type: ignore[arg-type]
            if depth >= max_depth or nodes > node_budget:
                parent[slot] = f"<{'object' if is_dict else 'array'} with {size} entries>"
                trimmed = True
                continue
            if is_dict:
                out_dict: dict[str, object] = {}
                parent[slot] = out_dict
                children: list[tuple[object, Any, Any, int]] = []
                for key, child in islice(src.items(), max_breadth):  # type: ignore[union-attr]
                    clean = clean_key(key)
                    out_dict[clean] = None  # reserve the slot so key order is kept
                    children.append((child, out_dict, clean, depth + 1))
                if size > max_breadth:
                    out_dict[TRIMMED_KEY] = f"<{size - max_breadth} more keys>"
                    trimmed = True
            else:
                kept = min(size, max_breadth)
                out_list: list[object] = [None] * kept
                parent[slot] = out_list
                children = [
                    (child, out_list, index, depth + 1)
                    for index, child in enumerate(islice(src, kept))  # type: ignore[call-overload]
                ]
                if size > max_breadth:
                    out_list.append(f"<{size - max_breadth} more items>")
                    trimmed = True
            # Reversed so that items are visited (and budgets spent) in document order.
            stack.extend(reversed(children))
            continue
        limit = max_string if chars < char_budget else 64
        clean_value = clean_scalar(src, limit)
        if isinstance(src, str):
            chars += min(len(src), limit)
            if len(src) > limit:
                trimmed = True
        parent[slot] = clean_value
    return holder[0], trimmed


def read_data(
    value: object,
    name: str,
    problems: Problems,
    *,
    node_budget: int = DATA_NODE_BUDGET,
    char_budget: int = DATA_CHAR_BUDGET,
    scrub: bool = True,
) -> object:
    """A bounded copy of `value`, scrubbed with the event's scrubber (`scrubbing`) if any and
    `scrub`; a cut is recorded as a problem under `name`."""
    result, trimmed = trim_data(
        value,
        node_budget=node_budget,
        char_budget=char_budget,
        scrubber=scrubbing.get() if scrub else None,
    )
    if trimmed:
        problems.add("trimmed", name)
    return result


def read_mapping(
    value: object, name: str, problems: Problems, *, scrub: bool = True, **budget: int
) -> dict[str, Any]:
    """Free-form object field (extra, modules, ...): must be a dict, copied with bounds."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.invalid(name, value)
        return {}
    result = read_data(value, name, problems, scrub=scrub, **budget)
    return result if isinstance(result, dict) else {}
