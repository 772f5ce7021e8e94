"""Turn an untrusted Sentry-protocol event payload into a bounded, well-typed `NormalizedEvent`.

Event payloads come straight from the network, so `normalize_event` treats them as hostile: any
field may be missing, have the wrong type, be enormous or be nested thousands of levels deep.
The rules are:

* Never raise. Whatever can be read is kept; everything that had to be dropped, replaced or cut
  is described in `NormalizedEvent.errors` (a list of ``{"type", "name", "value"}`` dicts in the
  spirit of Sentry's processing errors).
* Bound everything: strings, list lengths, number of frames / breadcrumbs / tags, and the depth,
  breadth and total size of free-form data (`extra`, `contexts`, frame `vars`, request bodies).
  Free-form data is copied iteratively, so deep nesting cannot hit the recursion limit.
* Every string that leaves this module is valid UTF-8 without NUL characters, every number fits in
  64 bits and every mapping has string keys, so `to_dict()` can be stored as JSON (Postgres JSONB
  included) without further checks.

This module is pure Python (no Django) so it is cheap to unit test and to call from workers.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from urllib.parse import urlencode

# --- limits ------------------------------------------------------------------------------------

MAX_MESSAGE_LENGTH = 16 * 1024  # messages, exception values
MAX_IDENTIFIER_LENGTH = 1024  # release, logger, type, function, filename, ...
MAX_DATA_STRING_LENGTH = 4 * 1024  # strings inside free-form data (vars, extra, ...)
MAX_CONTEXT_LINE_LENGTH = 1024
MAX_CONTEXT_LINES = 20  # per side (pre_context / post_context)
MAX_FRAMES = 250
MAX_EXCEPTIONS = 50
MAX_THREADS = 100
MAX_BREADCRUMBS = 200
MAX_TAGS = 100
MAX_TAG_LENGTH = 200
MAX_HEADERS = 100
MAX_FINGERPRINT_PARTS = 32
MAX_DEPTH = 8
MAX_BREADTH = 200
MAX_ERRORS = 50
# Ceiling on the nodes / characters copied from one free-form value. Breadth and depth limits
# alone would still allow 200**8 nodes; these keep one field from dominating the stored event.
DATA_NODE_BUDGET = 10_000
DATA_CHAR_BUDGET = 512 * 1024
VARS_NODE_BUDGET = 1_000
VARS_CHAR_BUDGET = 64 * 1024

# An SDK clock slightly ahead of ours is normal; more than this and we trust our own clock.
MAX_CLOCK_SKEW = timedelta(minutes=1)

ELLIPSIS = "\u2026"
TRIMMED_KEY = ELLIPSIS  # dict key under which "<N more keys>" is recorded when breadth is cut

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

_HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
_PLATFORM_RE = re.compile(r"^[a-z0-9_.-]{1,64}$")
_NUMERIC_RE = re.compile(r"^-?\d{1,20}(?:\.\d{1,20})?$")
_INT_RE = re.compile(r"^[+-]?\d{1,19}$")

_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1


# --- the result --------------------------------------------------------------------------------


@dataclass
class NormalizedEvent:
    """A bounded, well-typed view of one event. See the module docstring for the guarantees."""

    event_id: str
    timestamp: datetime
    received_at: datetime
    platform: str = "other"
    level: str = "error"
    type: str = "default"
    logger: str | None = None
    transaction: str | None = None
    release: str | None = None
    environment: str | None = None
    server_name: str | None = None
    dist: str | None = None
    message: str | None = None
    message_template: str | None = None
    # Oldest -> newest, as on the wire: the last entry is the exception raised last.
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    stacktrace: dict[str, Any] | None = None
    breadcrumbs: list[dict[str, Any]] = field(default_factory=list)
    request: dict[str, Any] | None = None
    user: dict[str, Any] | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sdk_name: str | None = None
    sdk_version: str | None = None
    fingerprint: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    modules: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def main_exception(self) -> dict[str, Any] | None:
        """The exception raised last (the last entry on the wire), or None."""
        return self.exceptions[-1] if self.exceptions else None

    def all_frames(self) -> Iterator[dict[str, Any]]:
        """Every frame of the event: exceptions first, then threads, then the bare stacktrace."""
        stacktraces = [exc.get("stacktrace") for exc in self.exceptions]
        stacktraces += [thread.get("stacktrace") for thread in self.threads]
        stacktraces.append(self.stacktrace)
        for stacktrace in stacktraces:
            if stacktrace:
                yield from stacktrace.get("frames") or ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable document of the event (datetimes as ISO 8601 strings).

        Nested structures are shared with the event, not copied: treat the result as read-only.
        """
        return {
            "event_id": self.event_id,
            "timestamp": self.timestamp.isoformat(),
            "received_at": self.received_at.isoformat(),
            "platform": self.platform,
            "level": self.level,
            "type": self.type,
            "logger": self.logger,
            "transaction": self.transaction,
            "release": self.release,
            "environment": self.environment,
            "server_name": self.server_name,
            "dist": self.dist,
            "message": self.message,
            "message_template": self.message_template,
            "exceptions": self.exceptions,
            "threads": self.threads,
            "stacktrace": self.stacktrace,
            "breadcrumbs": self.breadcrumbs,
            "request": self.request,
            "user": self.user,
            "tags": [[key, value] for key, value in self.tags],
            "contexts": self.contexts,
            "sdk_name": self.sdk_name,
            "sdk_version": self.sdk_version,
            "fingerprint": self.fingerprint,
            "extra": self.extra,
            "modules": self.modules,
            "errors": self.errors,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> NormalizedEvent:
        """Rebuild an event from a document made by `to_dict` (trusted input: our own storage)."""
        values = dict(doc)
        values["timestamp"] = datetime.fromisoformat(doc["timestamp"])
        values["received_at"] = datetime.fromisoformat(doc["received_at"])
        values["tags"] = [(key, value) for key, value in doc.get("tags") or ()]
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in values.items() if key in known})


# --- small, safe conversions -------------------------------------------------------------------


class _Problems:
    """Collects human-readable processing errors, capped so hostile input can't flood them."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._dropped = 0

    def add(self, kind: str, name: str, value: object = None, **extra: Any) -> None:
        if len(self.items) >= MAX_ERRORS:
            self._dropped += 1
            return
        entry: dict[str, Any] = {"type": kind, "name": name}
        if value is not None:
            entry["value"] = short_repr(value)
        entry.update(extra)
        self.items.append(entry)

    def invalid(self, name: str, value: object) -> None:
        self.add("invalid_data", name, value)

    def finish(self) -> list[dict[str, Any]]:
        if self._dropped:
            self.items.append({"type": "too_many_errors", "name": "errors", "count": self._dropped})
        return self.items


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


def _clean_int(value: int) -> int | str:
    """Ints beyond 64 bits are not storable as JSON numbers (orjson, Postgres): keep as text."""
    if _INT64_MIN <= value <= _UINT64_MAX:
        return value
    if value.bit_length() > 13_000:  # more digits than int->str conversion allows
        return "<very large integer>"
    return clean_str(str(value), MAX_DATA_STRING_LENGTH)


def _clean_scalar(value: object, str_limit: int) -> object:
    """A JSON-safe copy of a scalar; None for values that have no JSON form."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return clean_str(value, str_limit)
    if isinstance(value, int):
        return _clean_int(value)
    if isinstance(value, float):
        # NaN and infinities are not JSON; keep them readable rather than silently null.
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, bytes | bytearray):
        return clean_str(bytes(value[:str_limit]).decode("utf-8", "replace"), str_limit)
    return f"<{type(value).__name__}>"


def _clean_key(key: object) -> str:
    if isinstance(key, str):
        return clean_str(key, 256)
    return clean_str(short_repr(key), 256)


def _is_plain_text(value: object, limit: int) -> bool:
    """Whether `_text` would return `value` itself (and note nothing): the common case."""
    return (
        type(value) is str
        and len(value) <= limit
        and value.isascii()
        and "\x00" not in value
        and not value.isspace()
        and value != ""
    )


def _text(
    value: object, name: str, problems: _Problems, limit: int = MAX_IDENTIFIER_LENGTH
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


def _int(value: object, name: str, problems: _Problems) -> int | None:
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
    elif isinstance(value, str) and _INT_RE.match(value.strip()):
        result = int(value.strip())
    if result is None or not 0 <= result < 2**31:
        problems.invalid(name, value)
        return None
    return result


def _bool(value: object, name: str, problems: _Problems) -> bool | None:
    """Read an optional boolean; accept the obvious string / 0-1 spellings some SDKs send."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    problems.invalid(name, value)
    return None


def _first(raw: dict[Any, Any], *keys: str) -> object:
    """The first present value among a modern key and its legacy `sentry.interfaces.*` aliases."""
    for key in keys:
        value = raw.get(key)
        if value is not None:
            return value
    return None


def _values(value: object, name: str, problems: _Problems) -> list[Any]:
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


# --- free-form data ----------------------------------------------------------------------------


def trim_data(
    value: object,
    *,
    max_depth: int = MAX_DEPTH,
    max_breadth: int = MAX_BREADTH,
    max_string: int = MAX_DATA_STRING_LENGTH,
    node_budget: int = DATA_NODE_BUDGET,
    char_budget: int = DATA_CHAR_BUDGET,
) -> tuple[object, bool]:
    """Return a bounded JSON-safe copy of `value` and whether anything was cut.

    Containers deeper than `max_depth` become a "<N keys/items>" marker string; containers
    wider than `max_breadth` keep their first entries plus a marker entry. Nodes are visited
    (and the node and character budgets spent) in document order.

    The copy recurses, which is safe because recursion stops at `max_depth` (8 by default,
    whatever the input's nesting: 10,000 levels cost 8 calls), and several times cheaper
    than an explicit stack. Should a caller ask for a depth that could hit the recursion
    limit, the explicit-stack twin `trim_data_iterative` does the work.
    """
    if max_depth > _MAX_RECURSIVE_DEPTH:
        return trim_data_iterative(
            value,
            max_depth=max_depth,
            max_breadth=max_breadth,
            max_string=max_string,
            node_budget=node_budget,
            char_budget=char_budget,
        )
    trimmer = _Trimmer(max_depth, max_breadth, max_string, node_budget, char_budget)
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
    )

    def __init__(
        self, max_depth: int, max_breadth: int, max_string: int, node_budget: int, char_budget: int
    ) -> None:
        self.max_depth = max_depth
        self.max_breadth = max_breadth
        self.max_string = max_string
        self.node_budget = node_budget
        self.char_budget = char_budget
        self.nodes = 1  # the root
        self.chars = 0
        self.trimmed = False

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
        elif isinstance(src, list | tuple):
            is_dict = False
        elif isinstance(src, str):
            return self.string(src)
        else:
            return _clean_scalar(src, self.max_string if self.chars < self.char_budget else 64)
        size = len(src)
        if depth >= self.max_depth or self.nodes > self.node_budget:
            self.trimmed = True
            return f"<{'object' if is_dict else 'array'} with {size} entries>"
        depth += 1
        max_breadth = self.max_breadth
        max_string = self.max_string
        char_budget = self.char_budget
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
                key = _clean_key(key)
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
                if not _INT64_MIN <= child <= _UINT64_MAX:
                    child = self.copy(child, depth)
            elif child is not None and kind is not bool:
                child = self.copy(child, depth)
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
                    clean = _clean_key(key)
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
        clean_value = _clean_scalar(src, limit)
        if isinstance(src, str):
            chars += min(len(src), limit)
            if len(src) > limit:
                trimmed = True
        parent[slot] = clean_value
    return holder[0], trimmed


def _data(
    value: object,
    name: str,
    problems: _Problems,
    *,
    node_budget: int = DATA_NODE_BUDGET,
    char_budget: int = DATA_CHAR_BUDGET,
) -> object:
    result, trimmed = trim_data(value, node_budget=node_budget, char_budget=char_budget)
    if trimmed:
        problems.add("trimmed", name)
    return result


def _mapping(value: object, name: str, problems: _Problems, **budget: int) -> dict[str, Any]:
    """Free-form object field (extra, modules, ...): must be a dict, copied with bounds."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.invalid(name, value)
        return {}
    result = _data(value, name, problems, **budget)
    return result if isinstance(result, dict) else {}


# --- scalar event attributes -------------------------------------------------------------------


def _event_id(candidates: list[tuple[str, object]], problems: _Problems) -> str:
    for name, value in candidates:
        if value is None:
            continue
        parsed = _parse_event_id(value)
        if parsed:
            return parsed
        problems.invalid(name, value)
    if all(value is None for _, value in candidates):
        problems.add("missing_attribute", "event_id")
    return uuid.uuid4().hex


def _parse_event_id(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip().lower()
    if _HEX32_RE.match(text):
        return text
    try:
        return uuid.UUID(text).hex
    except ValueError:
        return None


def _parse_timestamp(value: object) -> datetime | None:
    """RFC 3339 / ISO 8601 strings, epoch seconds as numbers or numeric strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 64:
            return None
        if _NUMERIC_RE.match(text):
            value = float(text)
        else:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            try:
                return parsed.astimezone(UTC)
            except (OverflowError, ValueError):
                return None
    if isinstance(value, int | float):
        try:
            if not math.isfinite(value):
                return None
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _timestamp(value: object, received_at: datetime, problems: _Problems) -> datetime:
    if value is None:
        problems.add("missing_attribute", "timestamp")
        return received_at
    parsed = _parse_timestamp(value)
    if parsed is None:
        problems.invalid("timestamp", value)
        return received_at
    if parsed > received_at + MAX_CLOCK_SKEW:
        problems.add("future_timestamp", "timestamp", parsed.isoformat())
        return received_at
    return parsed


def _level(value: object, problems: _Problems) -> str:
    if value is None:
        return "error"
    if isinstance(value, str):
        text = value.strip().lower()
        if text in LEVELS:
            return text
        if text in _LEVEL_ALIASES:
            return _LEVEL_ALIASES[text]
        if _INT_RE.match(text):
            value = int(text)
    if isinstance(value, int) and not isinstance(value, bool):
        # Python logging levels, sent as numbers by raven (40 == ERROR).
        for threshold, name in ((50, "fatal"), (40, "error"), (30, "warning"), (20, "info")):
            if value >= threshold:
                return name
        return "debug"
    problems.invalid("level", value)
    return "error"


def _platform(value: object, problems: _Problems) -> str:
    if value is None:
        return "other"
    if isinstance(value, str) and _PLATFORM_RE.match(value.strip().lower()):
        return value.strip().lower()
    problems.invalid("platform", value)
    return "other"


def _event_type(value: object, has_exceptions: bool) -> str:
    if isinstance(value, str) and value in _EVENT_TYPES:
        return value
    return "error" if has_exceptions else "default"


# --- message / logentry ------------------------------------------------------------------------

_PRINTF_RE = re.compile(
    r"%(?:\((?P<name>[^)]{1,64})\))?[-+ #0]*\d{0,9}(?:\.\d{1,9})?(?P<conv>[sdifrxXoOeEgGcj%])"
)
_BRACE_RE = re.compile(r"\{(?P<name>\d{0,3}|[A-Za-z_]\w{0,63})(?::[^{}]{0,32})?\}")


def _param_text(value: object) -> str:
    return value if isinstance(value, str) else short_repr(value)


def format_message(template: str, params: object) -> str:
    """Fill printf-style (`%s`, `%(name)s`) or brace-style (`{0}`, `{name}`) placeholders.

    Python's `%` operator is not used: a hostile template like `%999999999s` would allocate
    gigabytes. Placeholders without a matching parameter are left as they are.
    """
    if isinstance(params, list | tuple):
        positional: list[object] = list(params[:100])
        named: dict[Any, Any] = {}
    elif isinstance(params, dict):
        positional, named = [], params
    else:
        return template
    position = 0
    used = False

    def printf(match: re.Match[str]) -> str:
        nonlocal position, used
        if match.group("conv") == "%":
            return "%"
        name = match.group("name")
        if name is not None:
            if name in named:
                used = True
                return _param_text(named[name])
            return match.group(0)
        if position < len(positional):
            position += 1
            used = True
            return _param_text(positional[position - 1])
        return match.group(0)

    result = _PRINTF_RE.sub(printf, template)
    if used:
        return result

    def brace(match: re.Match[str]) -> str:
        nonlocal position
        name = match.group("name")
        if name == "":
            if position < len(positional):
                position += 1
                return _param_text(positional[position - 1])
        elif name.isdigit():
            if int(name) < len(positional):
                return _param_text(positional[int(name)])
        elif name in named:
            return _param_text(named[name])
        return match.group(0)

    return _BRACE_RE.sub(brace, template)


def _message(raw: dict[Any, Any], problems: _Problems) -> tuple[str | None, str | None]:
    """Return (formatted message, template). `logentry` wins over the legacy `message`."""
    for key in ("logentry", "sentry.interfaces.Message", "message"):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            # A plain string is already formatted; it has no template.
            return _text(value, key, problems, MAX_MESSAGE_LENGTH), None
        if isinstance(value, dict):
            result = _message_object(value, key, problems)
            if result[0] or result[1]:
                return result
            continue
        problems.invalid(key, value)
    return None, None


def _message_object(
    value: dict[Any, Any], name: str, problems: _Problems
) -> tuple[str | None, str | None]:
    template = _text(value.get("message"), f"{name}.message", problems, MAX_MESSAGE_LENGTH)
    formatted = _text(value.get("formatted"), f"{name}.formatted", problems, MAX_MESSAGE_LENGTH)
    params = value.get("params")
    if formatted is None and template is not None:
        formatted = clean_str(format_message(template, params), MAX_MESSAGE_LENGTH)
    return formatted, template


# --- stack traces ------------------------------------------------------------------------------

_FRAME_TEXT_FIELDS = ("filename", "abs_path", "module", "function", "package", "platform")
# A frame without any of these cannot be shown or grouped, so it is dropped.
_FRAME_IDENTITY_FIELDS = (
    "filename",
    "abs_path",
    "module",
    "function",
    "lineno",
    "instruction_addr",
)


def _frame(raw: object, name: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        if raw is not None:
            problems.invalid(name, raw)
        return None
    # Frames are most of an event: values that are fine already are taken as they are, and the
    # field's name is only spelled out when there is a problem to record under it.
    frame: dict[str, Any] = {}
    for key in _FRAME_TEXT_FIELDS:
        value = raw.get(key)
        if value is not None and not _is_plain_text(value, MAX_IDENTIFIER_LENGTH):
            value = _text(value, f"{name}.{key}", problems)
        frame[key] = value
    for key in ("lineno", "colno"):
        value = raw.get(key)
        if value is not None and not (type(value) is int and 0 <= value < 2**31):
            value = _int(value, f"{name}.{key}", problems)
        frame[key] = value
    value = raw.get("in_app")
    if value is not None and type(value) is not bool:
        value = _bool(value, f"{name}.in_app", problems)
    frame["in_app"] = value
    value = raw.get("context_line")
    if value is not None and not _is_plain_text(value, MAX_CONTEXT_LINE_LENGTH):
        value = _text(value, f"{name}.context_line", problems, MAX_CONTEXT_LINE_LENGTH)
    frame["context_line"] = value
    value = raw.get("pre_context")
    if value is not None:
        value = _context_lines(value, f"{name}.pre_context", problems)
    frame["pre_context"] = value
    value = raw.get("post_context")
    if value is not None:
        value = _context_lines(value, f"{name}.post_context", problems)
    frame["post_context"] = value
    value = raw.get("vars")
    if value is not None:
        value = _frame_vars(value, f"{name}.vars", problems)
    frame["vars"] = value
    value = raw.get("instruction_addr")
    if value is not None:
        value = _address(value, name, problems)
    frame["instruction_addr"] = value
    if all(frame[key] is None for key in _FRAME_IDENTITY_FIELDS):
        return None  # nothing identifies this frame; an empty row only confuses the UI
    return frame


def _context_lines(value: object, name: str, problems: _Problems) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        problems.invalid(name, value)
        return None
    # Lines next to the crash matter most: keep the end of pre_context, the start of post_context.
    lines = (
        value[-MAX_CONTEXT_LINES:] if name.endswith("pre_context") else value[:MAX_CONTEXT_LINES]
    )
    result = []
    for line in lines:
        if line is None:
            result.append("")
        elif type(line) is str and len(line) <= MAX_CONTEXT_LINE_LENGTH and line.isascii():
            result.append(line if "\x00" not in line else clean_str(line, MAX_CONTEXT_LINE_LENGTH))
        elif isinstance(line, str):
            result.append(clean_str(line, MAX_CONTEXT_LINE_LENGTH))
        elif isinstance(line, int | float) and not isinstance(line, bool):
            result.append(short_repr(line))
        else:
            problems.invalid(name, line)
            return None
    return result


def _frame_vars(value: object, name: str, problems: _Problems) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.invalid(name, value)
        return None
    result = _data(
        value, name, problems, node_budget=VARS_NODE_BUDGET, char_budget=VARS_CHAR_BUDGET
    )
    return result if isinstance(result, dict) else None


def _address(value: object, name: str, problems: _Problems) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _UINT64_MAX:
        return hex(value)
    if isinstance(value, str) and 0 < len(value) <= 64:
        return clean_str(value.strip().lower(), 64)
    problems.invalid(f"{name}.instruction_addr", value)
    return None


def omit_middle_frames(
    frames: list[Any], omitted: list[int] | None, keep: int
) -> tuple[list[Any], list[int] | None]:
    """The first and last `keep` frames, and the gap between them as `frames_omitted`.

    Outermost frames show where the work started, innermost ones where it failed; the middle
    of a deep recursion is the least informative part. `frames_omitted` is the protocol's
    `[start, end)`: indices in the stack as the SDK captured it. `omitted` is the gap an
    earlier cut (the SDK's, or ours) left in `frames`; the new gap takes it in, so that one
    pair still says where frames are missing.
    """
    count = len(frames)
    if count <= 2 * keep:
        return frames, omitted
    head = tail = keep
    gap = 0
    if omitted is not None:
        start, gap = omitted[0], omitted[1] - omitted[0]
        head = min(head, start)  # an earlier gap inside the head ends the head there
        tail = min(tail, count - start)  # ... and one inside the tail starts the tail there
    kept = frames[:head] + frames[count - tail :] if tail else frames[:head]
    return kept, [head, count - tail + gap]


def _frames_omitted(value: object, count: int, name: str, problems: _Problems) -> list[int] | None:
    """The SDK's own `frames_omitted` when it can describe `count` frames, else None."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(type(v) is int for v in value)
        and 0 <= value[0] <= min(value[1], count)
        and value[1] < 2**31
    ):
        return list(value)
    problems.invalid(f"{name}.frames_omitted", value)
    return None


def _stacktrace(value: object, name: str, problems: _Problems) -> dict[str, Any] | None:
    """Normalize `{"frames": [...]}` (or a bare frame list). None when there are no frames."""
    if value is None:
        return None
    if isinstance(value, dict):
        frames = value.get("frames")
    elif isinstance(value, list):
        frames = value
    else:
        problems.invalid(name, value)
        return None
    if frames is None:
        return None
    if not isinstance(frames, list):
        problems.invalid(f"{name}.frames", frames)
        return None
    result: dict[str, Any] = {}
    omitted = None
    if isinstance(value, dict) and value.get("frames_omitted") is not None:
        omitted = _frames_omitted(value["frames_omitted"], len(frames), name, problems)
    if len(frames) > MAX_FRAMES:
        problems.add("trimmed", f"{name}.frames", length=len(frames))
        frames, omitted = omit_middle_frames(frames, omitted, MAX_FRAMES // 2)
    if omitted is not None:
        result["frames_omitted"] = omitted
    normalized = []
    for index, raw_frame in enumerate(frames):
        frame = _frame(raw_frame, f"{name}.frames.{index}", problems)
        if frame is not None:
            normalized.append(frame)
    if not normalized:
        return None
    result["frames"] = normalized
    return result


# --- exceptions and threads --------------------------------------------------------------------


def _exception(raw: object, name: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.invalid(name, raw)
        return None
    mechanism_raw = raw.get("mechanism")
    mechanism: dict[str, Any] = {}
    if isinstance(mechanism_raw, dict):
        mechanism = _mapping(mechanism_raw, f"{name}.mechanism", problems)
    elif mechanism_raw is not None:
        problems.invalid(f"{name}.mechanism", mechanism_raw)
    stack_raw = raw.get("stacktrace")
    if stack_raw is None:
        stack_raw = raw.get("raw_stacktrace")  # pre-symbolication copy, better than nothing
    handled = mechanism.get("handled")
    exc = {
        "type": _text(raw.get("type"), f"{name}.type", problems),
        "value": _text(raw.get("value"), f"{name}.value", problems, MAX_MESSAGE_LENGTH),
        "module": _text(raw.get("module"), f"{name}.module", problems),
        "thread_id": _thread_id(raw.get("thread_id"), f"{name}.thread_id", problems),
        "mechanism": mechanism,
        "handled": handled if isinstance(handled, bool) else None,
        "synthetic": mechanism.get("synthetic") is True,
        "stacktrace": _stacktrace(stack_raw, f"{name}.stacktrace", problems),
    }
    if exc["type"] is None and exc["value"] is None and exc["stacktrace"] is None:
        return None  # an empty exception carries nothing to show or group on
    return exc


def _thread_id(value: object, name: str, problems: _Problems) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _clean_int(value)
    if isinstance(value, str):
        return clean_str(value, 128)
    problems.invalid(name, value)
    return None


def _exceptions(raw: dict[Any, Any], problems: _Problems) -> list[dict[str, Any]]:
    container = _first(raw, "exception", "sentry.interfaces.Exception")
    values = _values(container, "exception", problems)
    if len(values) > MAX_EXCEPTIONS:
        # Keep the newest ones: the main exception is the last entry.
        problems.add("trimmed", "exception.values", length=len(values))
        values = values[-MAX_EXCEPTIONS:]
    result = []
    for index, value in enumerate(values):
        exc = _exception(value, f"exception.values.{index}", problems)
        if exc is not None:
            result.append(exc)
    return result


def _threads(raw: dict[Any, Any], problems: _Problems) -> list[dict[str, Any]]:
    values = _values(raw.get("threads"), "threads", problems)
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
                "id": _thread_id(value.get("id"), f"{name}.id", problems),
                "name": _text(value.get("name"), f"{name}.name", problems),
                "crashed": _bool(value.get("crashed"), f"{name}.crashed", problems),
                "current": _bool(value.get("current"), f"{name}.current", problems),
                "main": _bool(value.get("main"), f"{name}.main", problems),
                "stacktrace": _stacktrace(value.get("stacktrace"), f"{name}.stacktrace", problems),
            }
        )
    return result


def _attach_thread_stacktraces(
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
                exc["stacktrace"] = _copy_stacktrace(thread["stacktrace"])
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
            main["stacktrace"] = _copy_stacktrace(candidates[0]["stacktrace"])
            return


def _copy_stacktrace(stacktrace: dict[str, Any]) -> dict[str, Any]:
    copied = dict(stacktrace)
    copied["frames"] = list(stacktrace["frames"])
    return copied


# --- breadcrumbs, request, user, tags, contexts ------------------------------------------------


def _breadcrumbs(raw: dict[Any, Any], problems: _Problems) -> list[dict[str, Any]]:
    values = _values(
        _first(raw, "breadcrumbs", "sentry.interfaces.Breadcrumbs"), "breadcrumbs", problems
    )
    if len(values) > MAX_BREADCRUMBS:
        # The newest breadcrumbs lead up to the error, so those are the ones to keep.
        problems.add("trimmed", "breadcrumbs.values", length=len(values))
        values = values[-MAX_BREADCRUMBS:]
    result = []
    for index, value in enumerate(values):
        name = f"breadcrumbs.values.{index}"
        if not isinstance(value, dict):
            problems.invalid(name, value)
            continue
        timestamp = None
        if value.get("timestamp") is not None:
            parsed = _parse_timestamp(value.get("timestamp"))
            if parsed is None:
                problems.invalid(f"{name}.timestamp", value.get("timestamp"))
            else:
                timestamp = parsed.isoformat()
        data = value.get("data")
        result.append(
            {
                "timestamp": timestamp,
                "type": _text(value.get("type"), f"{name}.type", problems),
                "category": _text(value.get("category"), f"{name}.category", problems),
                "level": _text(value.get("level"), f"{name}.level", problems, 32),
                "message": _text(
                    value.get("message"), f"{name}.message", problems, MAX_DATA_STRING_LENGTH
                ),
                "data": _mapping(data, f"{name}.data", problems, node_budget=500)
                if data is not None
                else None,
            }
        )
    return result


def _pairs(value: object, name: str, problems: _Problems) -> list[list[str]]:
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


def _query_string(value: object, problems: _Problems) -> str | None:
    if value is None or isinstance(value, str):
        return _text(value, "request.query_string", problems, MAX_DATA_STRING_LENGTH)
    if isinstance(value, dict | list):
        pairs = [(key, val) for key, val in _pairs(value, "request.query_string", problems)]
        return clean_str(urlencode(pairs), MAX_DATA_STRING_LENGTH) if pairs else None
    problems.invalid("request.query_string", value)
    return None


def _request(raw: dict[Any, Any], problems: _Problems) -> dict[str, Any] | None:
    value = _first(raw, "request", "sentry.interfaces.Http")
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.invalid("request", value)
        return None
    method = _text(value.get("method"), "request.method", problems, 32)
    cookies = value.get("cookies")
    request: dict[str, Any] = {
        "url": _text(value.get("url"), "request.url", problems, MAX_DATA_STRING_LENGTH),
        "method": method.upper() if method else None,
        "query_string": _query_string(value.get("query_string"), problems),
        "data": _data(value.get("data"), "request.data", problems),
        "headers": _pairs(value["headers"], "request.headers", problems)
        if value.get("headers") is not None
        else [],
        "cookies": None,
        "env": _mapping(value.get("env"), "request.env", problems, node_budget=500),
    }
    if isinstance(cookies, str):
        request["cookies"] = _text(cookies, "request.cookies", problems, MAX_DATA_STRING_LENGTH)
    elif cookies is not None:
        request["cookies"] = _pairs(cookies, "request.cookies", problems)
    return request


def _user(raw: dict[Any, Any], problems: _Problems) -> dict[str, Any] | None:
    value = _first(raw, "user", "sentry.interfaces.User")
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.invalid("user", value)
        return None
    user = _mapping(value, "user", problems, node_budget=500)
    for key in ("id", "email", "username", "ip_address", "name"):
        if key in user:
            # Identifiers are shown and searched as text; a numeric id becomes "42".
            user[key] = _text(value.get(key), f"user.{key}", problems)
    return user


def _resolve_auto_ip(user: dict[str, Any] | None, remote_addr: str) -> dict[str, Any] | None:
    """Browser SDKs cannot know their public address and send `{{auto}}` for the server to fill."""
    if user is None or user.get("ip_address") != "{{auto}}":
        return user
    if remote_addr:
        user["ip_address"] = remote_addr
    else:
        del user["ip_address"]
    return user


def _tag_text(value: object) -> str | None:
    if isinstance(value, str):
        text = clean_str(value.strip(), MAX_TAG_LENGTH)
        return text or None
    if isinstance(value, bool | int | float) and not (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return clean_str(short_repr(value), MAX_TAG_LENGTH)
    return None


def _tags(value: object, problems: _Problems) -> list[tuple[str, str]]:
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


def _contexts(value: object, problems: _Problems) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.invalid("contexts", value)
        return {}
    result: dict[str, dict[str, Any]] = {}
    for key, context in islice(value.items(), MAX_BREADTH):
        name = f"contexts.{_clean_key(key)}"
        if not isinstance(context, dict):
            if context is not None:
                problems.invalid(name, context)
            continue
        cleaned = _mapping(context, name, problems, node_budget=1000)
        # The key usually names the context type ("os", "browser"); make that explicit.
        if not isinstance(cleaned.get("type"), str):
            cleaned["type"] = _clean_key(key)
        result[_clean_key(key)] = cleaned
    return result


def _fingerprint(value: object, problems: _Problems) -> list[str] | None:
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


def _sdk(value: object, problems: _Problems) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        problems.invalid("sdk", value)
        return None, None
    return (
        _text(value.get("name"), "sdk.name", problems),
        _text(value.get("version"), "sdk.version", problems),
    )


# --- entry point -------------------------------------------------------------------------------


def normalize_event(
    raw: object,
    *,
    received_at: datetime,
    event_id: str | None = None,
    remote_addr: str = "",
) -> NormalizedEvent:
    """Normalize one event payload. Never raises; problems end up in `.errors`.

    `event_id`, when given (e.g. from the envelope header), wins over the payload's own id.
    `received_at` is when the server got the event; it stands in for a missing timestamp.
    `remote_addr` is the sender's address, filled in where the SDK asked for `{{auto}}`.
    """
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    received_at = received_at.astimezone(UTC)
    problems = _Problems()
    if not isinstance(raw, dict):
        problems.add("invalid_data", "event", raw, reason="event is not a JSON object")
        raw = {}

    candidates = [("event_id", event_id), ("event_id", raw.get("event_id"))]
    event = NormalizedEvent(
        event_id=_event_id(candidates, problems),
        timestamp=_timestamp(raw.get("timestamp"), received_at, problems),
        received_at=received_at,
    )
    event.platform = _platform(raw.get("platform"), problems)
    event.level = _level(raw.get("level"), problems)
    for name in ("logger", "transaction", "release", "environment", "server_name", "dist"):
        setattr(event, name, _text(raw.get(name), name, problems))
    event.message, event.message_template = _message(raw, problems)

    event.exceptions = _exceptions(raw, problems)
    event.threads = _threads(raw, problems)
    _attach_thread_stacktraces(event.exceptions, event.threads)
    event.stacktrace = _stacktrace(
        _first(raw, "stacktrace", "sentry.interfaces.Stacktrace"), "stacktrace", problems
    )
    event.type = _event_type(raw.get("type"), bool(event.exceptions))

    event.breadcrumbs = _breadcrumbs(raw, problems)
    event.request = _request(raw, problems)
    event.user = _resolve_auto_ip(_user(raw, problems), remote_addr)
    event.tags = _tags(raw.get("tags"), problems)
    event.contexts = _contexts(raw.get("contexts"), problems)
    event.sdk_name, event.sdk_version = _sdk(raw.get("sdk"), problems)
    event.fingerprint = _fingerprint(raw.get("fingerprint"), problems)
    event.extra = _mapping(raw.get("extra"), "extra", problems)
    event.modules = _mapping(raw.get("modules"), "modules", problems, node_budget=2000)
    event.errors = problems.finish()
    return event
