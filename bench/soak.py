"""Soak: a real stack under open-loop load at a fixed rate for many minutes, sampled every 10 s.

    .venv/bin/python -m bench.soak [--config embedded|postgres] [--minutes 30] --rate R
        [--projects 4] [--payloads neutral|classic] [--size small|large] [--connections 64]
        [--out soak-CONFIG] [--redis-url redis://127.0.0.1:6379/14]

It starts the stack as bench.run does (quotas off), sends R events per second (real sentry-sdk
envelopes from bench/payloads.py, unique ids, projects in turn; bench/openloop.py) and every
10 seconds prints one row: accepted events per second, p99 latency (from the moment each
request was due), non-200 answers, requests the client dropped because too many were waiting
(`missed`), the digest backlog (spooled rows), the broker's queue length (digest requests
waiting), the database's size on disk, and the RSS of every server process and their sum.
At the end it waits for the backlog to drain, checks that every accepted event was stored,
prints a summary (figures after the first minute of warm-up) and writes OUT.png (a plot of
every series, matplotlib) and OUT.csv. A server process that dies stops the run with its log.
"""

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.openloop import PacedLoad, percentile
from bench.payloads import body_maker
from bench.resources import PeakRss
from bench.stack_watch import StackDied, check_alive
from tests.live import LiveStack

SAMPLE_SECONDS = 10
WARMUP_SECONDS = 60
DRAIN_TIMEOUT = 900


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "postgres"], default="embedded")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, required=True, help="events per second")
    parser.add_argument("--projects", type=int, default=4)
    parser.add_argument("--payloads", choices=["neutral", "classic"], default="neutral")
    parser.add_argument("--size", choices=["small", "large"], default="small")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--out", default=None, help="file name stem (default soak-CONFIG)")
    parser.add_argument(
        "--redis-url", help="postgres: the broker's Redis db, emptied at start (default: db 14)"
    )
    args = parser.parse_args()
    out = Path(args.out or f"soak-{args.config}")

    with tempfile.TemporaryDirectory(prefix="soak-") as workdir:
        env = {"INGEST_QUOTA_PER_MINUTE": "0", "INGEST_QUOTA_PER_HOUR": "0"}
        if args.config == "postgres" and args.redis_url:
            env["CELERY_BROKER_URL"] = args.redis_url
        # gunicorn_workers=None: ./run's number of web workers, the configuration measured.
        stack = LiveStack(args.config, Path(workdir), extra_env=env, gunicorn_workers=None)
        stack.start()
        try:
            samples, totals = soak(stack, args)
        except StackDied as died:
            print(f"bench.soak: {died}", file=sys.stderr)
            sys.exit(1)
        finally:
            stack.stop()
    summarize(samples, totals, args)
    write_csv(samples, out.with_suffix(".csv"))
    plot(samples, args, out.with_suffix(".png"))
    print(f"wrote {out.with_suffix('.png')} and {out.with_suffix('.csv')}")


def soak(stack: LiveStack, args) -> tuple[list[dict], dict]:
    targets = []
    for n in range(args.projects):
        project_id, dsn = stack.create_project(f"soak-{n}")
        targets.append((project_id, dsn.split("//", 1)[1].split("@", 1)[0]))
    make_body = body_maker(args.payloads, args.size == "large")
    rss = PeakRss({"web": stack.web.pid, "worker": stack.worker.pid})
    print(
        f"soak ({args.config}): {args.rate:.0f} {args.payloads} {args.size} events/s to "
        f"{args.projects} projects for {args.minutes} min, {args.connections} connections"
    )
    samples: list[dict] = []
    accepted = non_200 = 0
    load = PacedLoad("127.0.0.1", stack.port, targets, make_body, args.rate,
                     connections=args.connections).start()  # fmt: skip
    started = last = time.monotonic()
    try:
        while last - started < args.minutes * 60:
            time.sleep(max(0.0, last + SAMPLE_SECONDS - time.monotonic()))
            check_alive(stack)
            now = time.monotonic()
            done = load.drain()
            ok = [s.latency for s in done if s.status == 200]
            accepted += len(ok)
            non_200 += len(done) - len(ok)
            sample = {
                "t": now - started,
                "ingest_rate": len(ok) / (now - last),
                "p99_ms": percentile(ok, 0.99) * 1000,
                "non_200": len(done) - len(ok),
                "missed": load.missed,
                "backlog": stack.spool_size(),
                "queue": stack.broker_queue_length(),
                "db_mb": database_size(stack) / 2**20,
                "rss_mb": {name: b / 2**20 for name, b in sorted(rss.sample().items())},
            }
            sample["rss_sum_mb"] = sum(sample["rss_mb"].values())
            samples.append(sample)
            print_row(sample, header=len(samples) == 1)
            last = now
    finally:
        load.stop()
    done = load.drain()
    accepted += sum(1 for s in done if s.status == 200)
    non_200 += sum(1 for s in done if s.status != 200)
    drain_started = time.monotonic()
    while stack.spool_size():
        check_alive(stack)
        if time.monotonic() - drain_started > DRAIN_TIMEOUT:
            raise SystemExit(f"the backlog did not drain within {DRAIN_TIMEOUT}s")
        time.sleep(0.5)
    stored = stack.sql("SELECT COUNT(*) FROM events_event")[0][0]
    totals = {
        "accepted": accepted,
        "non_200": non_200,
        "missed": load.missed,
        "stored": stored,
        "drain_seconds": time.monotonic() - drain_started,
    }
    return samples, totals


def database_size(stack: LiveStack) -> int:
    """Bytes the database takes on disk now: PostgreSQL's database size; SQLite's files (main
    and spool, with their write-ahead logs), read without a checkpoint that would disturb the
    running stack."""
    if stack.kind == "postgres":
        return stack.sql("SELECT pg_database_size(current_database())")[0][0]
    total = 0
    for path in (stack.database_path(), stack.database_path(spool=True)):
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                total += file.stat().st_size
    return total


def _short(name: str) -> str:
    """Column names: `web master`, `web worker 123` -> `web 123`, `worker celery` -> `celery`."""
    name = name.replace("web worker ", "web ").replace("worker celery", "celery")
    return name.replace("worker supervisor", "supervisor").replace("worker ", "")


def print_row(sample: dict, header: bool) -> None:
    processes = "  ".join(f"{_short(n)} {mb:.0f}" for n, mb in sample["rss_mb"].items())
    if header:
        print(
            f"{'t s':>5} {'ingest/s':>8} {'p99 ms':>7} {'non200':>6} {'missed':>6} "
            f"{'backlog':>7} {'queue':>5} {'DB MB':>7} {'RSS sum':>7}  RSS per process (MB)"
        )
    print(
        f"{sample['t']:5.0f} {sample['ingest_rate']:8.0f} {sample['p99_ms']:7.1f} "
        f"{sample['non_200']:6d} {sample['missed']:6d} {sample['backlog']:7d} "
        f"{sample['queue']:5d} {sample['db_mb']:7.1f} {sample['rss_sum_mb']:7.0f}  {processes}",
        flush=True,
    )


def summarize(samples: list[dict], totals: dict, args) -> None:
    steady = [s for s in samples if s["t"] > WARMUP_SECONDS] or samples
    lost = totals["accepted"] - totals["stored"]

    def span(key: str) -> str:
        values = [s[key] for s in steady]
        return f"{min(values):.0f}-{max(values):.0f}" if values else "-"

    print(f"\nsummary ({args.config}, after the first {WARMUP_SECONDS} s):")
    print(
        f"  ingest {statistics.median(s['ingest_rate'] for s in steady):.0f}/s median "
        f"(target {args.rate:.0f}/s); p99 {statistics.median(s['p99_ms'] for s in steady):.1f} ms "
        f"median, {max(s['p99_ms'] for s in steady):.1f} ms worst sample"
    )
    print(
        f"  digest backlog {span('backlog')} rows; broker queue {span('queue')} messages "
        f"({args.projects} projects); RSS sum {span('rss_sum_mb')} MB; "
        f"database {span('db_mb')} MB"
    )
    print(
        f"  accepted {totals['accepted']}, stored {totals['stored']} (lost {lost}), "
        f"non-200 {totals['non_200']}, missed by the client {totals['missed']}; "
        f"backlog drained {totals['drain_seconds']:.0f} s after the load stopped"
    )


def write_csv(samples: list[dict], path: Path) -> None:
    names = sorted({n for s in samples for n in s["rss_mb"]})
    scalar = ["t", "ingest_rate", "p99_ms", "non_200", "missed", "backlog", "queue", "db_mb",
              "rss_sum_mb"]  # fmt: skip
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(scalar + [f"rss_mb {n}" for n in names])
        for s in samples:
            writer.writerow([round(s[k], 2) for k in scalar] + [
                round(s["rss_mb"].get(n, 0.0), 1) for n in names
            ])  # fmt: skip


def plot(samples: list[dict], args, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 2, figsize=(13, 10), sharex=True)
    panels = [
        ("ingest_rate", "accepted events / s"),
        ("p99_ms", "p99 latency (ms)"),
        ("backlog", "digest backlog (spooled rows)"),
        ("queue", "broker queue (digest requests)"),
        ("db_mb", "database on disk (MB)"),
    ]
    for ax, (key, title) in zip(axes.flat, panels, strict=False):
        ax.plot(t, [s[key] for s in samples])
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0][0].axhline(args.rate, color="grey", linestyle="--", linewidth=1)
    axes[1][1].axhline(args.projects, color="grey", linestyle="--", linewidth=1)  # the bound
    ax = axes.flat[5]
    names = sorted({n for s in samples for n in s["rss_mb"]})
    for name in names:
        ax.plot(t, [s["rss_mb"].get(name, float("nan")) for s in samples], label=_short(name))
    ax.plot(t, [s["rss_sum_mb"] for s in samples], label="sum", color="black", linewidth=2)
    ax.set_title("RSS per server process and sum (MB)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    for ax in axes[-1]:
        ax.set_xlabel("minutes")
    fig.suptitle(
        f"soak, {args.config}: {args.rate:.0f} {args.payloads} {args.size} events/s, "
        f"{args.projects} projects, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main()
