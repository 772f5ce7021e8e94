"""The Celery worker of one server, started and stopped under a small supervisor.

    python -m bugsink.workers [--loglevel LEVEL] [--schedule FILE]

One process serves every queue (settings.CELERY_TASK_ROUTES) from a pool of threads, with the
beat scheduler as one more thread (bugsink/beat_thread.py):

- `celery`, the default queue: digestion, the periodic sweep of undigested events, eviction;
- `alerts`: alert delivery (email, webhooks), at most ALERT_THREADS at once;
- `monitors`: monitor passes and automatic status incidents, at most MONITOR_PASSES at once.

Every Python process costs its own copy of Django and the app (70-100 MB resident), so one
process with threads, not one per queue, is what keeps a small server small. What the separate
processes gave, a mail server that never answers not delaying new events, the lanes give
(bugsink/lanes.py): alerts and monitor passes each hold at most their share of the threads,
and THREADS leaves DIGEST_THREADS free for digestion whatever they do. Digestion is CPU work
under one interpreter lock, so more threads would not digest faster.

Production deployments may still run one worker per queue (docs/deployment.md); the lanes then
change nothing.

This module is the one place that says how the worker is started: `./run` and the live test
stack (tests/live.py) both run it. It stops the worker when it receives SIGTERM, SIGINT or
SIGHUP, and exits non-zero when the worker exits on its own, so a supervisor above it (a shell
script, systemd) sees one unit that is either whole or gone.
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
DIGEST_THREADS = 2  # the threads no lane can take
THREADS = ALERT_THREADS + MONITOR_PASSES + DIGEST_THREADS
# A warm shutdown waits for running tasks; an SMTP read blocks for at most EMAIL_TIMEOUT.
SHUTDOWN_GRACE_SECONDS = 60
POLL_SECONDS = 0.2
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def worker_commands(
    *, python: str = sys.executable, loglevel: str = "WARNING", schedule: str | None = None
) -> dict[str, list[str]]:
    """The command line of each worker, by name (one: "celery")."""
    queues = ",".join((DIGEST_QUEUE, ALERTS_QUEUE, MONITORS_QUEUE))
    worker = [python, "-m", "celery", "-A", "bugsink", "worker", "--loglevel", loglevel,
              "-Q", queues, "-n", "celery@%h", "--pool", "threads",
              "--concurrency", str(THREADS), "--beat-thread"]  # fmt: skip
    if schedule:
        worker += ["--schedule-filename", schedule]
    return {"celery": worker}


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
