"""Strategy `checksum`: the legacy `checksum` field an SDK sends decides the group by itself."""

from __future__ import annotations

import re

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component

_MD5_RE = re.compile(r"^[0-9a-f]{32}$", re.I)


def checksum_hash(event: NormalizedEvent) -> str | None:
    """The checksum itself when it is an MD5 hex digest (it then is the hash), else None."""
    checksum = (event.checksum or "").strip()
    return checksum.lower() if _MD5_RE.match(checksum) else None


def checksum_components(event: NormalizedEvent) -> list[Component]:
    checksum = (event.checksum or "").strip()
    return [("checksum", checksum)] if checksum else []
