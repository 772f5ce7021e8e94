"""Sampling the peak resident memory of the server's and the worker's processes during a run."""

import threading
from collections.abc import Callable

import psutil


class PeakRss:
    """Polls process trees in the background.

    `peaks` maps a root's label to the largest RSS of any one process of its tree;
    `process_peaks` maps each process (named by `process_name`) to its own peak;
    `total_peak` is the largest sum of all the trees' RSS at one sample.
    """

    def __init__(self, roots: dict[str, int], interval: float = 0.2) -> None:
        self.roots = roots
        self.interval = interval
        self.peaks: dict[str, int] = dict.fromkeys(roots, 0)
        self.process_peaks: dict[str, int] = {}
        self.total_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> dict[str, int]:
        """The RSS of every living process of the trees now, by process name."""
        now: dict[str, int] = {}
        for label, pid in self.roots.items():
            try:
                root = psutil.Process(pid)
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for process in tree:
                try:
                    rss = process.memory_info().rss
                    name = process_name(label, process, root)
                except psutil.Error:
                    continue  # exited between the listing and the read
                self.peaks[label] = max(self.peaks[label], rss)
                now[name] = now.get(name, 0) + rss
        for name, rss in now.items():
            self.process_peaks[name] = max(self.process_peaks.get(name, 0), rss)
        self.total_peak = max(self.total_peak, sum(now.values()))
        return now

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


def process_name(label: str, process: psutil.Process, root: psutil.Process) -> str:
    """A stable name for a server process: `web master`, `web worker 1234`, `worker celery`...

    Celery workers are named by their node name (-n, before the @), gunicorn workers by pid
    (gunicorn replaces a dead one under a new pid), anything else by its executable's name.
    """
    command = process.cmdline()
    if process.pid == root.pid:
        return f"{label} {'master' if 'gunicorn' in ' '.join(command) else 'supervisor'}"
    if "-n" in command:
        node = command[command.index("-n") + 1].split("@", 1)[0]
        parent = process.parent()
        if parent is not None and parent.pid != root.pid:
            # Celery's forked beat (--beat) is a child with its parent's command line.
            return f"{label} {'beat' if '--beat' in command else node + ' child'}"
        return f"{label} {node}"
    if label == "web":
        return f"web worker {process.pid}"
    return f"{label} {process.name()} {process.pid}"


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU time used so far by a process and its living descendants."""
    root = psutil.Process(root_pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def database_server_cpu_seconds() -> float:
    """CPU time used so far by the running PostgreSQL server processes (backends included)."""
    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        name, times = process.info["name"], process.info["cpu_times"]
        if name and name.startswith("postgres") and times is not None:
            total += times.user + times.system
    return total


def sqlite_data_bytes(scalar: Callable[[str], int]) -> int:
    """Bytes a SQLite database's pages hold, free pages excluded, after a WAL checkpoint.

    `scalar` runs a statement on the database and returns the first column of its first row.
    """
    scalar("PRAGMA wal_checkpoint(TRUNCATE)")
    used_pages = scalar("PRAGMA page_count") - scalar("PRAGMA freelist_count")
    return used_pages * scalar("PRAGMA page_size")
