"""One malloc arena (core/malloc.py): memory one thread frees serves the next one.

The workload is the Celery worker's: long-lived pool threads, each batch on another thread.
Each run is a fresh interpreter, since an arena limit applies to the arenas made after it.
"""

import subprocess
import sys

from core.malloc import limit_arenas

WORKLOAD = """
import sys, threading, time
import psutil
from core.malloc import limit_arenas
if sys.argv[1] == "limited":
    assert limit_arenas()
turns = [threading.Event() for _ in range(4)]
finished = threading.Event()

def pool_thread(n):
    turns[n].wait()
    batch = [bytes(600) + bytes([i % 256]) for i in range(40000)]  # 25 MB in malloc'd blocks
    del batch
    if n + 1 < len(turns):
        turns[n + 1].set()
    finished.wait()  # alive, as a pool thread stays

threads = [threading.Thread(target=pool_thread, args=(n,)) for n in range(4)]
for thread in threads:
    thread.start()
turns[0].set()
while not all(turn.is_set() for turn in turns):
    time.sleep(0.01)
time.sleep(0.2)
print(psutil.Process().memory_info().rss)
finished.set()
"""


def rss_after_batches(mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", WORKLOAD, mode], capture_output=True, text=True, check=True
    )
    return int(result.stdout)


def test_glibc_takes_the_limit():
    assert limit_arenas() is True  # this machine's C library is glibc


def test_batches_on_different_threads_reuse_the_memory_freed_before():
    unlimited = rss_after_batches("unlimited")
    limited = rss_after_batches("limited")
    # Four arenas keep about four batches' worth; one keeps about one.
    assert limited < unlimited * 0.6, (limited, unlimited)
