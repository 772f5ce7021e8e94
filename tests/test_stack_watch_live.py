"""A benchmark's stack whose worker dies is reported at once, with the tail of its log."""

import os
import signal
import time
from pathlib import Path

import pytest

from bench.stack_watch import StackDied, check_alive
from tests.conftest import stack_kind
from tests.live import LiveStack

pytestmark = [
    pytest.mark.live,
    # The watch looks at processes, whatever their database: one pass is enough, the embedded
    # one (every_database puts it there; it skips the other).
    pytest.mark.every_database,
    pytest.mark.skipif(stack_kind() != "embedded", reason="runs on the embedded pass"),
]


def test_a_killed_digest_worker_is_reported_with_its_log(tmp_path: Path):
    stack = LiveStack("embedded", tmp_path).start()
    try:
        deadline = time.monotonic() + 60
        while "celery" not in stack.worker_processes():
            assert time.monotonic() < deadline, stack.log("worker.log")
            time.sleep(0.2)
        check_alive(stack)  # all up: nothing to report

        os.kill(stack.worker_processes()["celery"], signal.SIGKILL)
        deadline = time.monotonic() + 60
        with pytest.raises(StackDied) as died:
            while time.monotonic() < deadline:
                check_alive(stack)
                time.sleep(0.2)
        message = str(died.value)
        assert "Celery workers (bugsink.workers) exited (code 1)" in message
        assert "a worker exited by itself: {'celery': -9}" in message  # from worker.log
    finally:
        stack.stop()
