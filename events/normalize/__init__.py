"""Turn an untrusted Sentry-protocol event payload into a bounded, well-typed `NormalizedEvent`.

Event payloads come straight from the network, so `normalize_event` treats them as hostile: any
field may be missing, have the wrong type, be enormous or be nested thousands of levels deep.
The rules are:

* Never raise. Whatever can be read is kept; everything that had to be dropped, replaced or cut
  is described in `NormalizedEvent.errors` (a list of ``{"type", "name", "value"}`` dicts in the
  spirit of Sentry's processing errors).
* Bound everything: strings, list lengths, number of frames / breadcrumbs / tags, and the depth,
  breadth and total size of free-form data (`extra`, `contexts`, frame `vars`, request bodies).
  Free-form data is copied with a depth limit, so deep nesting cannot hit the recursion limit.
* Every string that leaves this package is valid UTF-8 without NUL characters, every number fits
  in 64 bits and every mapping has string keys, so `to_dict()` can be stored as JSON (Postgres
  JSONB included) without further checks.

`event.py` reads top to bottom: one call per interface of the protocol, each in a module of its
own (`message`, `exception`, `threads`, `stacktrace` and `frames`, `breadcrumbs`, `request`,
`user`, `tags`, `contexts`, `fingerprint`, `sdk`, `security`: the `csp` interface and the legacy
`checksum`). They share the bounds (`limits`), the string
cleaning (`text`), the field readers (`fields`), the free-form data copy (`data`) and the error
list (`problems`). The package is pure Python (no Django), so it is cheap to unit test and to
call from workers. This module re-exports the names the rest of the code uses.
"""

from events.normalize.attributes import LEVELS
from events.normalize.data import TRIMMED_KEY, trim_data, trim_data_iterative
from events.normalize.event import NormalizedEvent, normalize_event
from events.normalize.limits import (
    DATA_CHAR_BUDGET,
    DATA_NODE_BUDGET,
    MAX_BREADCRUMBS,
    MAX_BREADTH,
    MAX_CLOCK_SKEW,
    MAX_CONTEXT_LINE_LENGTH,
    MAX_CONTEXT_LINES,
    MAX_DATA_STRING_LENGTH,
    MAX_DEPTH,
    MAX_ERRORS,
    MAX_EXCEPTIONS,
    MAX_FINGERPRINT_PARTS,
    MAX_FRAMES,
    MAX_HEADERS,
    MAX_IDENTIFIER_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_THREADS,
    VARS_CHAR_BUDGET,
    VARS_NODE_BUDGET,
)
from events.normalize.message import format_message
from events.normalize.stacktrace import omit_middle_frames
from events.normalize.text import ELLIPSIS, clean_str, short_repr

__all__ = [
    "DATA_CHAR_BUDGET",
    "DATA_NODE_BUDGET",
    "ELLIPSIS",
    "LEVELS",
    "MAX_BREADCRUMBS",
    "MAX_BREADTH",
    "MAX_CLOCK_SKEW",
    "MAX_CONTEXT_LINE_LENGTH",
    "MAX_CONTEXT_LINES",
    "MAX_DATA_STRING_LENGTH",
    "MAX_DEPTH",
    "MAX_ERRORS",
    "MAX_EXCEPTIONS",
    "MAX_FINGERPRINT_PARTS",
    "MAX_FRAMES",
    "MAX_HEADERS",
    "MAX_IDENTIFIER_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "MAX_TAG_LENGTH",
    "MAX_TAGS",
    "MAX_THREADS",
    "TRIMMED_KEY",
    "VARS_CHAR_BUDGET",
    "VARS_NODE_BUDGET",
    "NormalizedEvent",
    "clean_str",
    "format_message",
    "normalize_event",
    "omit_middle_frames",
    "short_repr",
    "trim_data",
    "trim_data_iterative",
]
