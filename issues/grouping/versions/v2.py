"""Grouping version ``v2``: grouping the way Sentry's default configuration does.

Teams moving from Sentry keep their Issues: the facts come from Sentry's grouping documentation
and its published grouping snapshots (the rules here are our own). Frozen like every version:
issues/tests/golden/v2.json holds every SDK capture's hash and components.

The first strategy that produces anything wins:

0. **checksum** - a legacy ``checksum`` decides alone: an MD5 hex digest is the hash itself,
   anything else is hashed.
1. **fingerprint** - a custom fingerprint, as in v1 (``{{ default }}`` is v2's default below;
   a fingerprint with ``{{ default }}`` is named after the default strategy it extends).
2. **built-in fingerprint** - known problems that group by name (strategies/builtin_fingerprint.py:
   JavaScript ``ChunkLoadError``).
3. **csp** - a Content-Security-Policy violation: directive and blocked host (strategies/csp.py).
4. **exception** - the chain or tree of exceptions (strategies/exception_v2.py): group parents
   kept in order, values masked in full when they count.
5. **threads** / 6. **stacktrace** - as in v1, with v2's frames.
7. **message** - the template, else the message: every line, masked (value_masks.py).
8. **fallback** - platform and level.

Frames (strategies/stack_v2.py): built-in rules decide in-app beyond the SDK's flag and drop
system frames (builtin_rules.py); JavaScript function names are the same in every browser and
engine frames never count; the source line counts where the function name carries no
information (frame_parts.py). Line and column numbers never count; recursion counts once.
"""

from __future__ import annotations

from collections.abc import Callable

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component, Grouping, make_grouping
from issues.grouping.strategies.builtin_fingerprint import builtin_fingerprint_components
from issues.grouping.strategies.checksum import checksum_components, checksum_hash
from issues.grouping.strategies.csp import csp_components
from issues.grouping.strategies.exception_v2 import exception_components_v2
from issues.grouping.strategies.fallback import fallback_components
from issues.grouping.strategies.fingerprint import custom_fingerprint, fingerprint_components
from issues.grouping.strategies.message_v2 import message_components_v2
from issues.grouping.strategies.stack_v2 import stacktrace_components_v2, thread_components_v2

CONFIG = "v2"

_STRATEGIES: list[tuple[str, Callable[[NormalizedEvent], list[Component]]]] = [
    ("exception", exception_components_v2),
    ("threads", thread_components_v2),
    ("stacktrace", stacktrace_components_v2),
    ("message", message_components_v2),
    ("fallback", fallback_components),
]


def _default(event: NormalizedEvent) -> tuple[str, list[Component]]:
    for strategy, components_of in _STRATEGIES:
        components = components_of(event)
        if components:
            return strategy, components
    raise AssertionError("the fallback strategy always contributes")  # pragma: no cover


def compute_grouping(event: NormalizedEvent) -> Grouping:
    """The v2 grouping of a normalized event (see the module docstring)."""
    if event.checksum and event.checksum.strip():
        grouping = make_grouping(CONFIG, "checksum", checksum_components(event))
        grouping.hash = checksum_hash(event) or grouping.hash
        return grouping
    fingerprint = custom_fingerprint(event)
    if fingerprint:
        components = fingerprint_components(event, fingerprint, _default)
        # A fingerprint extending the default ("{{ default }}", "tenant-a") is still grouped by
        # the default strategy, split further: it is named after that strategy.
        strategy = next(
            (value for label, value in components if label == "{{ default }} strategy"),
            "fingerprint",
        )
        return make_grouping(CONFIG, strategy, components)
    builtin = builtin_fingerprint_components(event)
    if builtin:
        return make_grouping(CONFIG, "built-in fingerprint", builtin)
    csp = csp_components(event)
    if csp:
        return make_grouping(CONFIG, "csp", csp)
    return make_grouping(CONFIG, *_default(event))
