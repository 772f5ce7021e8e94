"""The Celery workers of a server (bugsink/workers.py) start, stop and fail together.

The live stack runs them as ./run does. ./run's shell stops them with SIGTERM to the supervisor
on exit; Ctrl-C in a terminal sends SIGINT to every process of the group. Either way both
workers end with a warm shutdown and the supervisor exits 0. A worker that dies on its own takes
the other down, so whatever supervises the unit sees it gone rather than half alive.
"""

import os
import signal
import time

import psutil
import pytest

from tests.live import LiveStack

pytestmark = pytest.mark.live

WAIT = 120


def start_ready_workers(stack: LiveStack) -> dict[str, int]:
    """(Re)start the workers and wait until both say they are ready; returns their pids."""
    if stack.worker is not None:
        stack.stop_worker()
    offset = len(stack.log_bytes("worker.log"))
    stack.start_worker()
    deadline = time.monotonic() + WAIT
    while True:
        log = stack.log_bytes("worker.log")[offset:].decode(errors="replace")
        if "digest@" in log and "alerts@" in log and log.count(" ready.") >= 3:
            break
        assert time.monotonic() < deadline, f"workers not ready:\n{log[-3000:]}"
        time.sleep(0.2)
    workers = stack.worker_processes()
    assert set(workers) == {"celery", "alerts", "monitors"}
    return workers


def assert_gone(pids: list[int]) -> None:
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.parametrize(
    "how", ["sigterm_to_supervisor", "ctrl_c_to_group"], ids=["./run exits", "Ctrl-C"]
)
def test_both_workers_stop_cleanly(live_stack, how):
    workers = start_ready_workers(live_stack)
    supervisor = live_stack.worker
    try:
        if how == "sigterm_to_supervisor":
            supervisor.send_signal(signal.SIGTERM)
        else:
            os.killpg(supervisor.pid, signal.SIGINT)
        assert supervisor.wait(timeout=WAIT) == 0, live_stack.log("worker.log")
        assert_gone(list(workers.values()))
    finally:
        live_stack.worker = None
        live_stack.start_worker()


def test_a_worker_that_dies_takes_the_other_down(live_stack):
    workers = start_ready_workers(live_stack)
    supervisor = live_stack.worker
    try:
        os.kill(workers["alerts"], signal.SIGKILL)
        assert supervisor.wait(timeout=WAIT) == 1
        assert_gone([workers["celery"]])
    finally:
        live_stack.worker = None
        live_stack.start_worker()
