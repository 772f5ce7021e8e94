"""The grouping versions, by the name stored next to each hash (`Grouping.config`)."""

from __future__ import annotations

from collections.abc import Callable

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Grouping
from issues.grouping.versions import v1, v2

# The version new projects use (each project stores its own: Project.grouping_config).
GROUPING_CONFIG = v2.CONFIG
# The version of projects from before versions were chosen per project.
LEGACY_CONFIG = v1.CONFIG

VERSIONS: dict[str, Callable[[NormalizedEvent], Grouping]] = {
    v1.CONFIG: v1.compute_grouping,
    v2.CONFIG: v2.compute_grouping,
}


def compute_grouping(event: NormalizedEvent, version: str = GROUPING_CONFIG) -> Grouping:
    """The grouping of a normalized event by the rules of `version` (the current one by default)."""
    try:
        compute = VERSIONS[version]
    except KeyError:
        raise ValueError(f"unknown grouping version {version!r}") from None
    return compute(event)
