"""Grouping benchmark: CPU per event of each grouping version, on the real SDK captures.

    .venv/bin/python bench/grouping_bench.py [--rounds 200] [--cold]

Normalizes every SDK capture (tests/fixtures/sdk/**/*.event.json) once, then groups them all
`rounds` times with each version and prints the CPU time per event (process time: it does not
depend on what else runs on the machine). Digestion meets the same problems again and again, so
by default the memoized frame facts and masks are warm, as in production; `--cold` empties every
grouping cache before each round (the first event of each problem). "v2 in transition" is what
digestion spends on a project inside its upgrade window (v2, plus the v1 hash).
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from functools import _lru_cache_wrapper
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")

import django  # noqa: E402

django.setup()

from events.normalize import normalize_event  # noqa: E402
from issues.grouping import (  # noqa: E402  # noqa: E402
    VERSIONS,
    builtin_rules,
    compute_grouping,
    frame_parts,
    frames,
    hashing,
    text_masks,
    value_masks,  # noqa: E402
)
from tests.shared import SDK_CAPTURES_DIR  # noqa: E402

_CACHED_MODULES = (builtin_rules, frame_parts, frames, hashing, text_masks, value_masks)


def clear_caches() -> None:
    for module in _CACHED_MODULES:
        for value in vars(module).values():
            if isinstance(value, _lru_cache_wrapper):
                value.cache_clear()


def captured_events() -> list:
    received = datetime.now(UTC)
    paths = sorted(SDK_CAPTURES_DIR.rglob("*.event.json"))
    return [normalize_event(json.loads(p.read_text()), received_at=received) for p in paths]


def cpu_per_event(events: list, group, rounds: int, cold: bool) -> float:
    spent = 0.0
    for _ in range(rounds):
        if cold:
            clear_caches()
        start = time.process_time()
        for event in events:
            group(event)
        spent += time.process_time() - start
    return spent / (rounds * len(events))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    events = captured_events()
    runs = {name: (lambda e, v=name: compute_grouping(e, v)) for name in sorted(VERSIONS)}
    runs["v2 in transition"] = lambda e: (compute_grouping(e, "v2"), compute_grouping(e, "v1"))
    caches = "cold" if args.cold else "warm"
    print(f"{len(events)} SDK captures, {args.rounds} rounds, caches {caches}")
    for name, group in runs.items():
        cpu_per_event(events, group, 3, args.cold)  # warm-up
        micros = cpu_per_event(events, group, args.rounds, args.cold) * 1e6
        print(f"  {name:<18} {micros:8.1f} µs CPU per event")


if __name__ == "__main__":
    main()
