"""One worker's pass over the due checks: claim a batch, probe them in threads, record each
result as it arrives, repeat until nothing is due or the pass has run long enough.

Probes only do network I/O, so they run in a thread pool; the database work stays on the
calling thread (one connection, results recorded as the probes finish).
"""

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime

from django.conf import settings

from . import clock
from .probes import run_probe
from .scheduler import claim_due, record_result
from .spec import spec_of

logger = logging.getLogger("bugsink.monitors")

BATCH = 100


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_due_checks(
    now: Callable[[], datetime] = clock.now, *, budget_seconds: float | None = None
) -> int:
    """Run every due check once; returns how many ran."""
    worker = worker_id()
    budget = settings.MONITOR_PASS_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    ran = 0
    with ThreadPoolExecutor(max_workers=settings.MONITOR_CHECK_THREADS) as pool:
        while time.monotonic() < deadline:
            monitors = claim_due(worker, now(), BATCH)
            if not monitors:
                break
            futures = {
                pool.submit(
                    run_probe,
                    spec_of(m),
                    allow_private=settings.MONITOR_ALLOW_PRIVATE,
                    ca_bundle=settings.MONITOR_CA_BUNDLE,
                ): m.pk
                for m in monitors
            }
            for future in as_completed(futures):
                monitor_id = futures[future]
                try:
                    outcome = future.result().to_dict()
                except Exception as exc:  # a bug in a probe must not stop the others
                    logger.exception("check of monitor %s failed", monitor_id)
                    outcome = {"severity": "critical", "error": f"internal error: {exc}"[:500]}
                if record_result(monitor_id, worker, outcome, now()) is None:
                    logger.warning("monitor %s: lease lost, result dropped", monitor_id)
                ran += 1
    return ran
