"""Retention under load: a capped project receiving events at a steady rate for many minutes.

Two runs on the same stack configuration, one project each: first uncapped, then with a cap
(RETENTION_MAX_EVENTS, default 10,000) and the eviction pass every RETENTION_INTERVAL seconds.
Load is open-loop in 10-second slices: each slice sends rate x 10 events (real sentry-sdk
envelopes, unique ids) and waits for the slice's end. Every slice prints the ingest rate, p99,
events stored, the spool backlog and the database size; the summary compares the capped run
with the uncapped one and checks that every accepted event is either stored or counted as
evicted (Issue counts = accepted = stored + evicted).

    .venv/bin/python -m bench.retention_soak [--config embedded|postgres] [--minutes 10]
        [--rate 1000] [--cap 10000] [--interval 30] [--concurrency 32]
"""

import argparse
import gzip
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.loadgen import run_load
from bench.payloads import _capture_templates, _envelope_event_id
from bench.run import database_bytes
from tests.live import LiveStack

SLICE_SECONDS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "postgres"], default="embedded")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--cap", type=int, default=10_000)
    parser.add_argument("--interval", type=int, default=30, help="seconds between passes")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    results = {}
    for label, cap in (("uncapped", 10**9), ("capped", args.cap)):
        env = {
            "INGEST_QUOTA_PER_MINUTE": "0",
            "INGEST_QUOTA_PER_HOUR": "0",
            "RETENTION_MAX_EVENTS": str(cap),
            "RETENTION_INTERVAL": str(args.interval),
        }
        with tempfile.TemporaryDirectory(prefix="soak-") as workdir:
            stack = LiveStack(args.config, Path(workdir), extra_env=env)
            stack.start()
            try:
                results[label] = soak(stack, label, args)
            finally:
                stack.stop()
    summarize(results, args)


def soak(stack: LiveStack, label: str, args) -> dict:
    project_id, dsn = stack.create_project(f"soak-{label}")
    public_key = dsn.split("//", 1)[1].split("@", 1)[0]
    templates = _capture_templates(large=False)
    template_ids = [_envelope_event_id(t) for t in templates]
    slices = int(args.minutes * 60 / SLICE_SECONDS)
    per_slice = args.rate * SLICE_SECONDS
    accepted, samples, p99s, rates = 0, [], [], []
    print(f"\n{label} ({args.config}): {args.rate} events/s for {args.minutes} min")
    print(f"{'t (s)':>6} {'ingest/s':>9} {'p99 ms':>7} {'stored':>8} {'backlog':>8} {'DB MB':>7}")
    started = time.monotonic()
    for _ in range(slices):
        slice_start = time.monotonic()
        bodies, ids = [], []
        for i in range(per_slice):
            index = i % len(templates)
            event_id = uuid.uuid4().hex
            raw = templates[index].replace(template_ids[index].encode(), event_id.encode())
            bodies.append(gzip.compress(raw, compresslevel=1))
            ids.append(event_id)
        load = run_load(
            "127.0.0.1", stack.port, project_id, public_key, bodies, ids, args.concurrency
        )
        accepted += len(load.accepted_ids)
        rates.append(len(load.accepted_ids) / max(load.elapsed, 1e-9))
        p99s.append(load.percentile(0.99) * 1000)
        stored = stack.sql("SELECT COUNT(*) FROM events_event WHERE project_id = %s", (project_id,))
        backlog = stack.spool_size(project_id)
        size = database_bytes(stack)
        samples.append((time.monotonic() - started, stored[0][0], backlog, size))
        print(
            f"{samples[-1][0]:6.0f} {rates[-1]:9.0f} {p99s[-1]:7.1f} {stored[0][0]:8d} "
            f"{backlog:8d} {size / 2**20:7.1f}"
        )
        time.sleep(max(0.0, SLICE_SECONDS - (time.monotonic() - slice_start)))
    stack.wait_for_spool_empty(project_id, timeout=600)
    digest_seconds = time.monotonic() - started
    seen = stack.sql(
        "SELECT COALESCE(SUM(event_count), 0) FROM issues_issue WHERE project_id = %s",
        (project_id,),
    )[0][0]
    stored = stack.sql("SELECT COUNT(*) FROM events_event WHERE project_id = %s", (project_id,))
    evicted = stack.sql(
        "SELECT COALESCE(SUM(count), 0) FROM datapolicy_evictedcount WHERE project_id = %s",
        (project_id,),
    )[0][0]
    return {
        "accepted": accepted,
        "seen": seen,
        "stored": stored[0][0],
        "evicted": evicted,
        "samples": samples,
        "p99_median": statistics.median(p99s),
        "ingest_median": statistics.median(rates),
        "digest_rate": seen / digest_seconds,
        "max_stored": max(s[1] for s in samples),
    }


def summarize(results: dict, args) -> None:
    print("\nsummary")
    for label, r in results.items():
        balance = "ok" if r["accepted"] == r["seen"] == r["stored"] + r["evicted"] else "MISMATCH"
        after_first = [s[3] for s in r["samples"] if s[0] > 2 * args.interval + SLICE_SECONDS]
        growth = (max(after_first) - min(after_first)) / 2**20 if after_first else 0.0
        print(
            f"{label:9} accepted {r['accepted']}, seen {r['seen']}, stored {r['stored']}, "
            f"evicted {r['evicted']} ({balance}); most stored at a sample {r['max_stored']}; "
            f"ingest median {r['ingest_median']:.0f}/s, p99 median {r['p99_median']:.1f} ms, "
            f"digest {r['digest_rate']:.0f}/s; DB size range after the first passes "
            f"{growth:.1f} MB"
        )
    capped, uncapped = results["capped"], results["uncapped"]
    print(
        f"capped vs uncapped: p99 {capped['p99_median'] / uncapped['p99_median'] - 1:+.0%}, "
        f"digest rate {capped['digest_rate'] / uncapped['digest_rate'] - 1:+.0%}"
    )


if __name__ == "__main__":
    main()
