"""The Celery worker of a server (bugsink/workers.py) starts, stops and fails as one unit.

The live stack runs it as ./run does: one process for every queue, beat as a thread in it.
./run's shell stops it with SIGTERM to the supervisor on exit; Ctrl-C in a terminal sends SIGINT
to every process of the group. Either way the worker ends with a warm shutdown and the
supervisor exits 0. A worker that dies on its own takes the supervisor down with exit code 1,
so whatever supervises the unit sees it gone rather than half alive.
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
    """(Re)start the worker and wait until it says it is ready; returns its pid by name."""
    if stack.worker is not None:
        stack.stop_worker()
    offset = len(stack.log_bytes("worker.log"))
    stack.start_worker()
    deadline = time.monotonic() + WAIT
    while True:
        log = stack.log_bytes("worker.log")[offset:].decode(errors="replace")
        if "celery@" in log and log.count(" ready.") >= 1:
            break
        assert time.monotonic() < deadline, f"workers not ready:\n{log[-3000:]}"
        time.sleep(0.2)
    workers = stack.worker_processes()
    assert set(workers) == {"celery"}
    # Nothing forked beside it: the beat scheduler is a thread, not a child process.
    assert psutil.Process(workers["celery"]).children() == []
    return workers


def assert_gone(pids: list[int]) -> None:
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.parametrize(
    "how", ["sigterm_to_supervisor", "ctrl_c_to_group"], ids=["./run exits", "Ctrl-C"]
)
def test_the_worker_stops_cleanly(live_stack, how):
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


def test_a_worker_that_dies_takes_the_supervisor_down(live_stack):
    workers = start_ready_workers(live_stack)
    supervisor = live_stack.worker
    try:
        os.kill(workers["celery"], signal.SIGKILL)
        assert supervisor.wait(timeout=WAIT) == 1
        assert "a worker exited by itself: {'celery': -9}" in live_stack.log("worker.log")
    finally:
        live_stack.worker = None
        live_stack.start_worker()
