"""Grouping: decide which events are "the same problem" by giving each a stable hash.

Events with equal hashes belong to the same Issue. The rules are versioned: the version's name
is stored next to each hash (`Grouping.config`), so a later improvement can be rolled out
without silently splitting or merging existing Issues. A version never changes; a new behaviour
goes into a new version.

* `versions/` - one module per version composing its rules (`v1.py`, `v2.py`, whose docstrings
  are the reference for the rules), and the `VERSIONS` registry with `compute_grouping`;
* `strategies/` - one module per strategy (fingerprint, exception, threads, stacktrace,
  message, fallback; for v2 also checksum, built-in fingerprint, csp, and the `_v2` modules):
  each turns an event into components, or none;
* `frames.py` - frame facts (SDK, runtime and app frames) and what a frame contributes (v1);
* `builtin_rules.py`, `frame_parts.py` - v2's built-in stack rules and frame contributions;
* `text_masks.py` - messages and values with their variable parts masked; `value_masks.py`
  the whole-value masks of v2 (URLs, SQL identifiers);
* `hashing.py` - the hash of a strategy's components;
* `titles.py` - an event's title and culprit (shown, not hashed).

This module re-exports the names the rest of the code uses.
"""

from issues.grouping.frames import (
    frame_key,
    is_app_frame,
    is_runtime_frame,
    is_sdk_frame,
    normalize_filename,
    normalize_function,
    normalize_module,
)
from issues.grouping.hashing import Component, Grouping
from issues.grouping.text_masks import normalize_text
from issues.grouping.titles import MAX_CULPRIT_LENGTH, MAX_TITLE_LENGTH, event_culprit, event_title
from issues.grouping.versions import GROUPING_CONFIG, VERSIONS, compute_grouping

__all__ = [
    "GROUPING_CONFIG",
    "MAX_CULPRIT_LENGTH",
    "MAX_TITLE_LENGTH",
    "VERSIONS",
    "Component",
    "Grouping",
    "compute_grouping",
    "event_culprit",
    "event_title",
    "frame_key",
    "is_app_frame",
    "is_runtime_frame",
    "is_sdk_frame",
    "normalize_filename",
    "normalize_function",
    "normalize_module",
    "normalize_text",
]
