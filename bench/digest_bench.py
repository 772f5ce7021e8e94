"""Digestion benchmark: CPU per event and database bytes per event, in one process.

    .venv/bin/python bench/digest_bench.py [EVENTS] [small|large] [--payloads neutral|classic]
        [--profile] [--batch-bytes N]

Spools EVENTS real sentry-sdk events (bench/payloads.py: the payload set's error sites, repeated;
neutral by default, see docs/benchmark.md) into a fresh
SQLite data directory, then digests them all with `digest_pending` and prints the CPU time per
event (the figure to compare: it does not depend on what else runs on the machine), the wall
time, and the growth of the main database per 1,000 events (main file after a WAL checkpoint,
minus free pages; indexes and tag tables included), and the process's peak RSS while digesting.
`--profile` adds a cProfile of digestion; `--batch-bytes` sets digestion's BATCH_JSON_BYTES.
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["BUGSINK_DATA_DIR"] = tempfile.mkdtemp(prefix="bugsink-digest-bench-")
os.environ.pop("DATABASE_URL", None)  # always a fresh SQLite database, never a shared one
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from sentry_sdk.envelope import Envelope  # noqa: E402

from bench.memory_report import reset_peak, status_kb  # noqa: E402
from bench.payloads import SITES_OF, templates_of  # noqa: E402
from bench.resources import sqlite_data_bytes  # noqa: E402
from digestion import digest  # noqa: E402
from digestion.digest import digest_pending  # noqa: E402
from events.models import RawEvent  # noqa: E402
from events.spool_format import pack  # noqa: E402
from projects.models import Project, Team  # noqa: E402


def event_payloads(count: int, large: bool, payload_set: str) -> list[bytes]:
    """`count` event items (JSON as the SDK sent them), cycling over the error sites."""
    templates = []
    for serialized in templates_of(payload_set, large):
        envelope = Envelope.deserialize(serialized)
        event = next(item for item in envelope.items if item.type == "event")
        templates.append(orjson.loads(event.payload.get_bytes()))
    payloads = []
    for i in range(count):
        document = dict(templates[i % len(templates)])
        document["event_id"] = f"{i:032x}"
        payloads.append(orjson.dumps(document))
    return payloads


def spool(project_id: int, payloads: list[bytes]) -> None:
    now = timezone.now()
    RawEvent.objects.bulk_create(
        [
            RawEvent(
                project_id=project_id,
                event_id=orjson.loads(payload)["event_id"],
                received_at=now,
                payload=pack(payload),  # as ingest spools it
                remote_addr="127.0.0.1",
            )
            for payload in payloads
        ],
        batch_size=1000,
    )


def database_bytes() -> int:
    """Bytes the main database holds: its pages after a checkpoint, minus free pages."""
    with connection.cursor() as cursor:

        def scalar(statement: str) -> int:
            cursor.execute(statement)
            return cursor.fetchone()[0]

        return sqlite_data_bytes(scalar)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", type=int, default=5000)
    parser.add_argument("size", nargs="?", choices=["small", "large"], default="small")
    parser.add_argument("--payloads", choices=["neutral", "classic"], default="neutral")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of digestion")
    parser.add_argument(
        "--sort", default="cumulative", help="the profile's order (e.g. tottime: own time)"
    )
    parser.add_argument("--batch-bytes", type=int, help="digestion's BATCH_JSON_BYTES")
    args = parser.parse_args()
    if args.batch_bytes:
        digest.BATCH_JSON_BYTES = args.batch_bytes

    call_command("migrate", verbosity=0)
    call_command("migrate", database="spool", verbosity=0)
    team = Team.objects.create(name="bench")
    project = Project.objects.create(team=team, name="bench")
    payloads = event_payloads(args.events, args.size == "large", args.payloads)
    mean_size = sum(map(len, payloads)) // len(payloads)
    spool(project.pk, payloads)
    before = database_bytes()
    del payloads  # the spooled copies are what digestion reads
    reset_peak()

    profile = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    stored = digest_pending(project.pk)
    if profile:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak_rss = status_kb("VmHWM") * 1024

    growth = database_bytes() - before
    print(
        f"{stored} {args.payloads} {args.size} events ({mean_size} bytes of JSON each, "
        f"{SITES_OF[args.payloads]} error sites): "
        f"{cpu / stored * 1000:.3f} ms CPU/event, {stored / cpu:.0f} events/s of CPU "
        f"(wall {wall / stored * 1000:.3f} ms/event, {stored / wall:.0f} events/s); "
        f"database {growth / stored * 1000 / 1024:.0f} KB per 1,000 events "
        f"({growth / stored:.0f} bytes/event); peak RSS {peak_rss / 1024 / 1024:.0f} MB"
    )
    if profile:
        order = args.sort
        pstats.Stats(profile).sort_stats(order).print_stats(40)


if __name__ == "__main__":
    main()
