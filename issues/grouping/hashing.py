"""The grouping hash: the MD5 of a strategy's name and its components' values, JSON encoded."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# (label, value) pairs: the label explains, the value is hashed.
Component = tuple[str, str]


@dataclass
class Grouping:
    """The result of grouping one event: the hash, and what contributed to it (for people)."""

    hash: str
    config: str
    strategy: str
    components: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hash": self.hash,
            "config": self.config,
            "strategy": self.strategy,
            "components": list(self.components),
        }


def make_grouping(config: str, strategy: str, components: list[Component]) -> Grouping:
    """The grouping made by `strategy` of grouping version `config` from its components."""
    values = (strategy, *(value for _, value in components))
    try:
        digest = _cached_hash(values)  # repeats of a problem hash the same values again
    except TypeError:  # an unhashable value (a hand-made event)
        digest = _hash(values)
    return Grouping(
        hash=digest,
        config=config,
        strategy=strategy,
        components=[f"{label}: {value}" for label, value in components],
    )


def _hash(values: tuple[Any, ...]) -> str:
    payload = json.dumps(list(values), ensure_ascii=False)
    return hashlib.md5(payload.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


_cached_hash = lru_cache(maxsize=4096)(_hash)
