"""Failing fast when a server process of the benchmarked stack dies, with the tail of its log.

Without it a benchmark whose worker died (a missing module, an out-of-memory kill) waits for
digestion until its timeout and then reports only that events were not digested.
"""

from tests.live import LiveStack

LOG_TAIL_LINES = 40


class StackDied(RuntimeError):
    """A process of the stack exited; the message says which, its exit code and its log."""


def check_alive(stack: LiveStack) -> None:
    """Raise StackDied when the web server or the worker supervisor has exited.

    The supervisor (bugsink.workers) exits as soon as either Celery worker does, so polling it
    covers the digest worker, the alert worker and beat.
    """
    for name, process, log_name in (
        ("web server (gunicorn)", stack.web, "web.log"),
        ("Celery workers (bugsink.workers)", stack.worker, "worker.log"),
    ):
        code = None if process is None else process.poll()
        if process is None or code is not None:
            tail = "\n".join(stack.log(log_name).splitlines()[-LOG_TAIL_LINES:])
            raise StackDied(
                f"the {name} exited (code {code}) during the run; "
                f"last lines of {stack.workdir / log_name}:\n{tail}"
            )
