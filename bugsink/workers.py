"""The Celery worker processes of one server, started and stopped together.

    python -m bugsink.workers [--loglevel LEVEL] [--schedule FILE]

Digestion and alert delivery each get a worker on their own queue (settings.CELERY_TASK_ROUTES):
a mail server that accepts the connection and never answers, or a slow webhook, ties up the
alerts worker for its timeout, while the digestion worker goes on turning events into Issues.

- digestion: queue `celery`, one process (`--pool solo`), with the beat scheduler (the periodic
  sweep of undigested events and of overdue alert windows);
- alerts: queue `alerts`, a few threads, so one stuck delivery does not hold up the others; the
  periodic sweep of undigested events runs here too (settings.CELERY_TASK_ROUTES);
- monitors: queue `monitors`, two threads, each pass probing its checks in a pool of threads,
  so a hanging target holds up neither digestion nor alerts.

This module is the one place that says how they are started: `./run` and the live test stack
(tests/live.py) both run it. It stops both workers when it receives SIGTERM, SIGINT or SIGHUP,
and when either worker exits on its own it stops the other and exits non-zero, so a supervisor
above it (a shell script, systemd) sees one unit that is either whole or gone.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

DIGEST_QUEUE = "celery"  # Celery's default queue: every task not routed elsewhere
ALERTS_QUEUE = "alerts"
ALERT_THREADS = 4
MONITORS_QUEUE = "monitors"
MONITOR_PASSES = 2
# A warm shutdown waits for running tasks; an SMTP read blocks for at most EMAIL_TIMEOUT.
SHUTDOWN_GRACE_SECONDS = 60
POLL_SECONDS = 0.2
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def worker_commands(
    *, python: str = sys.executable, loglevel: str = "WARNING", schedule: str | None = None
) -> dict[str, list[str]]:
    """The command line of each worker, by name."""
    celery = [python, "-m", "celery", "-A", "bugsink", "worker", "--loglevel", loglevel]
    digest = [*celery, "-Q", DIGEST_QUEUE, "-n", "digest@%h", "--pool", "solo", "--beat"]
    if schedule:
        digest += ["--schedule", schedule]
    alerts = [*celery, "-Q", ALERTS_QUEUE, "-n", "alerts@%h",
              "--pool", "threads", "--concurrency", str(ALERT_THREADS)]  # fmt: skip
    monitors = [*celery, "-Q", MONITORS_QUEUE, "-n", "monitors@%h",
                "--pool", "threads", "--concurrency", str(MONITOR_PASSES)]  # fmt: skip
    return {"digest": digest, "alerts": alerts, "monitors": monitors}


def run(commands: dict[str, list[str]]) -> int:
    """Start every command, wait for a signal or for one of them to exit, then stop them all.

    Returns 0 after a requested stop, 1 when a worker exited by itself.
    """
    stop_requested: list[str] = []

    def request_stop(signum: int, frame: object) -> None:
        stop_requested.append(signal.Signals(signum).name)

    # A flag, not an exception: a signal arriving while a worker is being started must not
    # leave that worker running without us knowing its pid.
    for signum in STOP_SIGNALS:
        signal.signal(signum, request_stop)
    processes = [subprocess.Popen(command) for command in commands.values()]
    exit_code = 0
    while not stop_requested:
        exited = {
            name: process.returncode
            for name, process in zip(commands, processes, strict=True)
            if process.poll() is not None
        }
        if exited:
            print(f"bugsink.workers: a worker exited by itself: {exited}", file=sys.stderr)
            exit_code = 1
            break
        time.sleep(POLL_SECONDS)
    _stop_all(processes)
    return exit_code


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()  # Celery's warm shutdown: finish the running task, then exit
    deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()  # late tasks are acked late: the broker hands them out again
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bugsink.workers", description=__doc__)
    parser.add_argument("--loglevel", default=os.environ.get("CELERY_LOG_LEVEL", "WARNING"))
    parser.add_argument("--schedule", help="the beat schedule file (default: in the data dir)")
    options = parser.parse_args(argv)
    return run(worker_commands(loglevel=options.loglevel, schedule=options.schedule))


if __name__ == "__main__":
    sys.exit(main())
