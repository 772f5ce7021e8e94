"""The grouping versions, by the name stored next to each hash (`Grouping.config`)."""

from __future__ import annotations

from collections.abc import Callable

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Grouping
from issues.grouping.versions import v1

# The version digestion uses for new events.
GROUPING_CONFIG = v1.CONFIG

VERSIONS: dict[str, Callable[[NormalizedEvent], Grouping]] = {
    v1.CONFIG: v1.compute_grouping,
}


def compute_grouping(event: NormalizedEvent, version: str = GROUPING_CONFIG) -> Grouping:
    """The grouping of a normalized event by the rules of `version` (the current one by default)."""
    try:
        compute = VERSIONS[version]
    except KeyError:
        raise ValueError(f"unknown grouping version {version!r}") from None
    return compute(event)
