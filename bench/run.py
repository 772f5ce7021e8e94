"""The ingest benchmark: one command that starts a real stack, loads it and prints a table.

    .venv/bin/python -m bench.run [--config embedded|postgres|both] [--events 20000]
                                  [--concurrency 32] [--sizes small,large]
                                  [--payloads neutral|classic|both]

It starts gunicorn and a Celery worker (tests/live.py's LiveStack, the same processes users
run), replays envelopes made by the real sentry-sdk (bench/payloads.py: the neutral set and the
classic one), counts only HTTP 200s as accepted, waits until every accepted event is digested
and checks the Issue counts, then reports, with the peak RSS of every server process and of
their sum. A server process that dies stops the run at once, with the tail of its log.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.loadgen import run_load
from bench.payloads import PAYLOAD_SETS, SITES_OF, build_bodies
from bench.resources import (
    PeakRss,
    cpu_seconds,
    database_server_cpu_seconds,
    sqlite_data_bytes,
)
from bench.stack_watch import StackDied, check_alive
from tests.live import LiveStack

DIGEST_TIMEOUT = 600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--large-events", type=int, default=None, help="default: --events / 4")
    parser.add_argument("--payloads", choices=[*PAYLOAD_SETS, "both"], default="both")
    parser.add_argument(
        "--web-workers", type=int, default=None, help="gunicorn workers (default: ./run's)"
    )
    args = parser.parse_args()

    configs = ["embedded", "postgres"] if args.config == "both" else [args.config]
    payload_sets = PAYLOAD_SETS if args.payloads == "both" else (args.payloads,)
    rows, processes = [], {}
    for config in configs:
        with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
            # Quotas off: the benchmark measures how much the server can take, not the policy.
            no_quota = {"INGEST_QUOTA_PER_MINUTE": "0", "INGEST_QUOTA_PER_HOUR": "0"}
            stack = LiveStack(
                config, Path(workdir), extra_env=no_quota, gunicorn_workers=args.web_workers
            )
            stack.start()
            # Measured from steady state: a worker still importing Django would put its
            # start-up CPU on the first row's events.
            stack.wait_for_workers_ready()
            try:
                large_count = args.large_events or args.events // 4
                for payloads in payload_sets:
                    for size in args.sizes.split(","):
                        count = args.events if size == "small" else large_count
                        row = measure(stack, config, payloads, size, count, args.concurrency)
                        rows.append(row)
                        processes[(config, payloads, size)] = row.pop("process_peaks")
            except StackDied as died:
                print(f"bench.run: {died}", file=sys.stderr)
                sys.exit(1)
            finally:
                stack.stop()
    print_table(rows, args.concurrency, args.web_workers)
    print_processes(processes)


def measure(
    stack: LiveStack, config: str, payloads: str, size: str, count: int, concurrency: int
) -> dict:
    project_id, dsn = stack.create_project(f"bench-{payloads}-{size}")
    public_key = dsn.split("//", 1)[1].split("@", 1)[0]
    made = build_bodies(count, large=(size == "large"), payloads=payloads)
    bodies, ids = made.bodies, made.ids
    check_alive(stack)
    db_before = database_bytes(stack)
    roots = {"web": stack.web.pid, "worker": stack.worker.pid}
    cpu_before = {label: cpu_seconds(pid) for label, pid in roots.items()}
    db_cpu_before = database_server_cpu_seconds()
    with PeakRss(roots) as rss:
        load = run_load(
            "127.0.0.1", stack.port, project_id, public_key, bodies, ids, concurrency,
            encodings=made.encodings,
        )  # fmt: skip
        check_alive(stack)
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
        "payloads": payloads,
        "size": size,
        "events": count,
        "raw_bytes": made.raw_size,
        "wire_bytes": made.wire_size,
        "encodings": "/".join(sorted(set(made.encodings))),
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
        "rss_total_mb": rss.total_peak / 2**20,
        "process_peaks": dict(rss.process_peaks),
        "db_bytes_per_1000": (db_after - db_before) * 1000 / max(len(stored), 1),
    }


def wait_digested(stack: LiveStack, project_id: int, accepted: int) -> float:
    """perf_counter() time at which the project's stored events reached `accepted`.

    Raises StackDied as soon as a server process is found dead.
    """
    deadline = time.monotonic() + DIGEST_TIMEOUT
    query = "SELECT COUNT(*) FROM events_event WHERE project_id = %s"
    while time.monotonic() < deadline:
        if stack.sql(query, (project_id,))[0][0] >= accepted:
            return time.perf_counter()
        check_alive(stack)
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


def print_table(rows: list[dict], concurrency: int, web_workers: int | None) -> None:
    memory = psutil.virtual_memory().total / 2**30
    print(
        f"\nIngest benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        f"{memory:.0f} GiB RAM, Python {platform.python_version()}, concurrency {concurrency}"
    )
    workers = f"{web_workers}" if web_workers else "./run's default number of"
    print(
        f"Server: gunicorn with {workers} uvicorn workers, one Celery worker (every queue, "
        "beat as a thread); the load generator shares the same cores."
    )
    header = (
        "| config | payloads | event | events | size raw / wire (encoding) | ingest ev/s "
        "| p50 ms | p99 ms | digest ev/s | lost | non-200 | issues | CPU ms/ev web / worker / db "
        "| peak RSS MB: largest web / largest worker / sum | DB bytes / 1000 ev |"
    )
    print(header)
    print("|---" * 15 + "|")
    for r in rows:
        print(
            f"| {r['config']} | {r['payloads']} | {r['size']} | {r['events']} "
            f"| {r['raw_bytes'] / 1024:.1f} KB / {r['wire_bytes'] / 1024:.1f} KB "
            f"({r['encodings']}) "
            f"| {r['ingest_rate']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['digest_rate']:.0f} | {r['lost']} | {r['non_200']} | {r['issues']} "
            f"| {r['cpu_web_ms']:.2f} / {r['cpu_worker_ms']:.2f} / "
            f"{'-' if r['cpu_db_ms'] is None else format(r['cpu_db_ms'], '.2f')} "
            f"| {r['rss_web_mb']:.0f} / {r['rss_worker_mb']:.0f} / {r['rss_total_mb']:.0f} "
            f"| {r['db_bytes_per_1000'] / 1024:.0f} KB |"
        )
    sites = ", ".join(f"{name} {SITES_OF[name]}" for name in sorted({r["payloads"] for r in rows}))
    print(f"(distinct error sites per run: {sites}; every accepted event was checked digested)")


def print_processes(processes: dict[tuple[str, str, str], dict[str, int]]) -> None:
    """Peak RSS of each server process, per measurement (the sum's peak is in the table)."""
    print("\nPeak RSS per process (MB)")
    for (config, payloads, size), peaks in processes.items():
        listed = ", ".join(f"{name} {rss / 2**20:.0f}" for name, rss in sorted(peaks.items()))
        print(f"- {config} / {payloads} / {size}: {listed}")


if __name__ == "__main__":
    main()
