"""Micro-benchmark of the digest-request marker (core/digest_requests.py): microseconds per call.

    .venv/bin/python -m bench.digest_marker_bench [--redis redis://127.0.0.1:6379/10] [-n 20000]

Under load the common call is a claim that finds the marker already held (a request is waiting
in the broker); a claim that takes it plus the worker's release happen once per drain. Ingest
makes these calls from its scheduler thread, once per project per 50 ms window, never on the
request itself (which only adds the project to an in-process set).
"""

import argparse
import tempfile
import time
from pathlib import Path

from core.digest_requests import _FileMarkers, _RedisMarkers


def per_call_us(func, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        func()
    return (time.perf_counter() - started) / n * 1e6


def measure(label: str, markers, n: int) -> None:
    markers.release(1, None)
    markers.claim(1, False)
    held = per_call_us(lambda: markers.claim(1, False), n)

    def take_and_release() -> None:
        markers.release(2, markers.claim(2, False))

    cycle = per_call_us(take_and_release, n)
    markers.release(1, None)
    print(f"{label:>11}: claim of a held marker {held:6.1f} us; claim + release {cycle:6.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", help="also measure Redis markers at this URL (a scratch db)")
    parser.add_argument("-n", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure("filesystem", _FileMarkers(Path(folder)), args.n)
    if args.redis:
        measure("Redis", _RedisMarkers(args.redis), args.n)


if __name__ == "__main__":
    main()
