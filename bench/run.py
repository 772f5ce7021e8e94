"""The ingest benchmark: one command that starts a real stack, loads it and prints a table.

    .venv/bin/python -m bench.run [--config embedded|postgres|both] [--events 20000]
                                  [--concurrency 32] [--sizes small,large]

It starts gunicorn and a Celery worker (tests/live.py's LiveStack, the same processes users
run), replays envelopes made by the real sentry-sdk, counts only HTTP 200s as accepted, waits
until every accepted event is digested and checks the Issue counts, then reports.
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import psutil

from bench.loadgen import run_load
from bench.payloads import SITES, build_bodies
from bench.resources import (
    PeakRss,
    cpu_seconds,
    database_server_cpu_seconds,
    sqlite_data_bytes,
)
from tests.live import LiveStack

DIGEST_TIMEOUT = 600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--large-events", type=int, default=None, help="default: --events / 4")
    args = parser.parse_args()

    configs = ["embedded", "postgres"] if args.config == "both" else [args.config]
    rows = []
    for config in configs:
        with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
            # Quotas off: the benchmark measures how much the server can take, not the policy.
            no_quota = {"INGEST_QUOTA_PER_MINUTE": "0", "INGEST_QUOTA_PER_HOUR": "0"}
            stack = LiveStack(config, Path(workdir), extra_env=no_quota)
            stack.start()
            try:
                large_count = args.large_events or args.events // 4
                for size in args.sizes.split(","):
                    count = args.events if size == "small" else large_count
                    rows.append(measure(stack, config, size, count, args.concurrency))
            finally:
                stack.stop()
    print_table(rows, args.concurrency)


def measure(stack: LiveStack, config: str, size: str, count: int, concurrency: int) -> dict:
    project_id, dsn = stack.create_project(f"bench-{size}")
    public_key = dsn.split("//", 1)[1].split("@", 1)[0]
    bodies, ids, raw_size = build_bodies(count, large=(size == "large"))
    db_before = database_bytes(stack)
    roots = {"web": stack.web.pid, "worker": stack.worker.pid}
    cpu_before = {label: cpu_seconds(pid) for label, pid in roots.items()}
    db_cpu_before = database_server_cpu_seconds()
    with PeakRss(roots) as rss:
        load = run_load("127.0.0.1", stack.port, project_id, public_key, bodies, ids, concurrency)
        digested_at = wait_digested(stack, project_id, len(load.accepted_ids))
    cpu = {label: cpu_seconds(pid) - cpu_before[label] for label, pid in roots.items()}
    db_cpu = database_server_cpu_seconds() - db_cpu_before
    stored = stack.stored_event_ids(project_id)
    issues = stack.sql(
        "SELECT COUNT(*), COALESCE(SUM(event_count), 0) FROM issues_issue WHERE project_id = %s",
        (project_id,),
    )[0]
    lost = len(set(load.accepted_ids) - stored)
    assert issues[1] == len(stored), f"Issue counts {issues[1]} != stored events {len(stored)}"
    db_after = database_bytes(stack)
    return {
        "config": config,
        "size": size,
        "events": count,
        "raw_bytes": raw_size,
        "wire_bytes": sum(map(len, bodies)) // len(bodies),
        "accepted": len(load.accepted_ids),
        "non_200": sum(1 for s in load.statuses if s != 200),
        "ingest_rate": len(load.accepted_ids) / load.elapsed,
        "p50_ms": load.percentile(0.50) * 1000,
        "p99_ms": load.percentile(0.99) * 1000,
        "digest_rate": len(stored) / (digested_at - load.started),
        "lost": lost,
        "issues": issues[0],
        "cpu_web_ms": cpu["web"] * 1000 / max(len(load.accepted_ids), 1),
        "cpu_worker_ms": cpu["worker"] * 1000 / max(len(stored), 1),
        # SQLite runs inside the web and worker processes; PostgreSQL in its own.
        "cpu_db_ms": db_cpu * 1000 / max(len(stored), 1) if stack.kind == "postgres" else None,
        "rss_web_mb": rss.peaks["web"] / 2**20,
        "rss_worker_mb": rss.peaks["worker"] / 2**20,
        "db_bytes_per_1000": (db_after - db_before) * 1000 / max(len(stored), 1),
    }


def wait_digested(stack: LiveStack, project_id: int, accepted: int) -> float:
    """perf_counter() time at which the project's stored events reached `accepted`."""
    deadline = time.monotonic() + DIGEST_TIMEOUT
    query = "SELECT COUNT(*) FROM events_event WHERE project_id = %s"
    while time.monotonic() < deadline:
        if stack.sql(query, (project_id,))[0][0] >= accepted:
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit(f"not all events digested within {DIGEST_TIMEOUT}s")


def database_bytes(stack: LiveStack) -> int:
    """Bytes the stored data takes on disk, indexes included, the ingest spool excluded.

    The spool is a queue, empty once everything is digested; what its deleted rows leave
    behind is reused by the next ones (and on PostgreSQL depends on when autovacuum last ran),
    so it says nothing about the cost of keeping events.
    """
    if stack.kind == "postgres":
        query = (
            "SELECT pg_database_size(current_database())"
            " - pg_total_relation_size('events_rawevent')"
        )
        return stack.sql(query)[0][0]
    return sqlite_data_bytes(lambda statement: stack.sql(statement)[0][0])


def print_table(rows: list[dict], concurrency: int) -> None:
    memory = psutil.virtual_memory().total / 2**30
    print(
        f"\nIngest benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        f"{memory:.0f} GiB RAM, Python {platform.python_version()}, concurrency {concurrency}"
    )
    print(
        "Server: gunicorn with the default (README) worker count of uvicorn workers, one Celery "
        "worker; the load generator shares the same cores."
    )
    header = (
        "| config | event | events | size (raw / gzip) | ingest ev/s | p50 ms | p99 ms "
        "| digest ev/s | lost | non-200 | issues | CPU ms/ev web / worker / db "
        "| peak RSS web / worker MB | DB bytes / 1000 ev |"
    )
    print(header)
    print("|---" * 14 + "|")
    for r in rows:
        print(
            f"| {r['config']} | {r['size']} | {r['events']} "
            f"| {r['raw_bytes'] / 1024:.1f} KB / {r['wire_bytes'] / 1024:.1f} KB "
            f"| {r['ingest_rate']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['digest_rate']:.0f} | {r['lost']} | {r['non_200']} | {r['issues']} "
            f"| {r['cpu_web_ms']:.2f} / {r['cpu_worker_ms']:.2f} / "
            f"{'-' if r['cpu_db_ms'] is None else format(r['cpu_db_ms'], '.2f')} "
            f"| {r['rss_web_mb']:.0f} / {r['rss_worker_mb']:.0f} "
            f"| {r['db_bytes_per_1000'] / 1024:.0f} KB |"
        )
    print(f"(~{SITES} distinct error sites per run; every accepted event was checked digested)")


if __name__ == "__main__":
    main()
