"""Sampling the peak resident memory of the server's and the worker's processes during a run."""

import threading
from collections.abc import Callable

import psutil


class PeakRss:
    """Polls process trees in the background; `peaks` maps a label to the largest single RSS."""

    def __init__(self, roots: dict[str, int], interval: float = 0.2) -> None:
        self.roots = roots
        self.interval = interval
        self.peaks: dict[str, int] = dict.fromkeys(roots, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for label, pid in self.roots.items():
                try:
                    root = psutil.Process(pid)
                    for process in [root, *root.children(recursive=True)]:
                        rss = process.memory_info().rss
                        self.peaks[label] = max(self.peaks[label], rss)
                except psutil.Error:
                    pass
            self._stop.wait(self.interval)


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
