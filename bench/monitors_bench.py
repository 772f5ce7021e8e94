"""The monitors benchmark: N uptime monitors at a 1-minute frequency against a local server.

    .venv/bin/python -m bench.monitors_bench [--config embedded|postgres] [--monitors 1000]
                                             [--minutes 5]

It starts the real stack (tests/live.py's LiveStack: gunicorn and the Celery workers with the
beat, as `./run` does), serves a local HTTP target that answers 200 at once, creates the
monitors with their first runs spread over one minute, lets them run, then reports how late
checks ran (scheduled slot to recorded result: p50, p99, max), how many ran against how many
were due, and the CPU time and peak memory of the workers and the web processes. A measurement,
not a test: nothing fails when a figure is poor.
"""

import argparse
import platform
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil

from bench.resources import PeakRss, cpu_seconds
from tests.live import LiveStack

WARMUP = 15  # seconds

CREATE = """
from datetime import timedelta
from django.utils import timezone
from monitors.models import Monitor
start = timezone.now() + timedelta(seconds={warmup})
Monitor.objects.bulk_create([
    Monitor(project_id={project_id}, name=f"bench {{i}}", slug=f"bench-{{i}}", kind="http",
            url="{url}?m={{i}}", frequency_seconds=60, timeout_seconds=10,
            ping_token=f"bench-{{i}}-{{start.timestamp()}}",
            next_run_at=start + timedelta(seconds=60 * i / {count}))
    for i in range({count})
], batch_size=500)
print(start.isoformat())
"""


class _Target(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "postgres"], default="embedded")
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=5)
    args = parser.parse_args()

    target = ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    target.daemon_threads = True
    threading.Thread(target=target.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{target.server_address[1]}/health"
    with tempfile.TemporaryDirectory(prefix="bench-monitors-") as workdir:
        env = {"MONITOR_ALLOW_PRIVATE": "true", "LOG_LEVEL": "WARNING"}
        stack = LiveStack(args.config, Path(workdir), extra_env=env)
        stack.start()
        try:
            row = measure(stack, url, args.monitors, args.minutes)
        finally:
            stack.stop()
            target.shutdown()
    print_report(row, args)


def measure(stack: LiveStack, url: str, count: int, minutes: float) -> dict:
    project_id, _ = stack.create_project("monitors-bench")
    # The first runs start after a warm-up: the workers and the beat have just started.
    stack.manage(
        "shell", "-c", CREATE.format(project_id=project_id, url=url, count=count, warmup=WARMUP)
    )
    roots = {"worker": stack.worker.pid, "web": stack.web.pid}
    cpu_before = {label: cpu_seconds(pid) for label, pid in roots.items()}
    started = time.monotonic()
    with PeakRss(roots) as rss:
        time.sleep(WARMUP + minutes * 60)
    elapsed = time.monotonic() - started
    cpu = {label: cpu_seconds(pid) - cpu_before[label] for label, pid in roots.items()}
    rows = stack.sql(
        "SELECT checked_at, scheduled_for FROM monitors_monitorresult"
        " WHERE scheduled_for IS NOT NULL"
    )
    lateness = sorted(_seconds(checked) - _seconds(scheduled) for checked, scheduled in rows)
    failed = stack.sql("SELECT count(*) FROM monitors_monitorresult WHERE severity != 'ok'")[0][0]
    return {
        "monitors": count,
        "elapsed": elapsed,
        "checks": len(lateness),
        "due": int(count * minutes),
        "failed": failed,
        "p50": statistics.median(lateness) if lateness else None,
        "p90": lateness[int(len(lateness) * 0.9)] if lateness else None,
        "p99": lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))] if lateness else None,
        "max": lateness[-1] if lateness else None,
        "cpu": cpu,
        "rss": rss.peaks,
    }


def _seconds(value) -> float:
    if isinstance(value, str):  # SQLite returns text
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value.timestamp()


def print_report(row: dict, args) -> None:
    print(f"monitors benchmark, {args.config}, {platform.python_version()}, "
          f"{psutil.cpu_count()} CPUs")  # fmt: skip
    print(f"monitors: {row['monitors']} at 1/min for {args.minutes} min "
          f"({row['elapsed']:.0f} s measured)")  # fmt: skip
    print(f"checks run: {row['checks']} (about {row['due']} due), not ok: {row['failed']}")

    def fmt(value):
        return "-" if value is None else f"{value:.3f} s"

    print(
        f"lateness: p50 {fmt(row['p50'])}, p90 {fmt(row['p90'])}, p99 {fmt(row['p99'])}, "
        f"max {fmt(row['max'])}"
    )
    minutes = row["elapsed"] / 60
    for label in ("worker", "web"):
        print(f"{label}: CPU {row['cpu'][label]:.1f} s ({row['cpu'][label] / minutes:.1f} s/min), "
              f"peak RSS of one process {row['rss'][label] / 2**20:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
