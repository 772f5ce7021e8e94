"""Strategy `built-in fingerprint`: known problems that group by name, whatever their stack.

A JavaScript ``ChunkLoadError`` ("Loading chunk 17 failed", "Loading CSS chunk ...") happens
wherever a lazily loaded bundle fails to download after a deploy: one problem, reached from
every code path, so its frames would split it into hundreds of Issues.
"""

from __future__ import annotations

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component

_JS_PLATFORMS = frozenset({"javascript", "node"})
_CHUNK_LOAD_PREFIXES = ("Loading chunk ", "Loading CSS chunk ")


def builtin_fingerprint_components(event: NormalizedEvent) -> list[Component]:
    if event.platform not in _JS_PLATFORMS:
        return []
    for exc in event.exceptions:
        value = exc.get("value") or ""
        if exc.get("type") == "ChunkLoadError" or value.startswith(_CHUNK_LOAD_PREFIXES):
            return [("built-in fingerprint", "chunkloaderror")]
    return []
