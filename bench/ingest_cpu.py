"""CPU per ingest request, in process: the ASGI application driven without HTTP or a client.

    cd <tree> && .venv/bin/python <this file> --bodies BODIES.pkl [--requests 3000]
                                               [--concurrency 32] [--profile [--pstats FILE]]

It makes a fresh embedded stack's data folder (SQLite, filesystem broker, quotas off as in
bench.run), migrates it, creates a project, then sends the same envelopes (a pickle of bench
bodies, so two trees get identical input) through `bugsink.asgi.application` with `concurrency`
requests in flight, and prints the process CPU time per request (every thread: the loop, the
group commit, the digest scheduler, the counters' timers) and, with --profile, cProfile's call
counts and top functions of the loop's thread. It runs from the tree it measures (its own
folder is dropped from sys.path), so it can measure an older checkout too.

    .venv/bin/python bench/ingest_cpu.py --make-bodies BODIES.pkl [--count 3000]
"""

import argparse
import asyncio
import os
import pickle
import subprocess
import sys
import tempfile
import time

sys.path[0] = os.getcwd()  # import the tree we run from, not the one this file lives in

WARMUP = 300


def make_bodies(path: str, count: int) -> None:
    from bench.payloads import build_bodies

    made = build_bodies(count, large=False, payloads="classic")
    with open(path, "wb") as f:
        pickle.dump(list(zip(made.bodies, made.encodings, strict=True)), f)


def _prepare(workdir: str) -> tuple[int, str]:
    os.environ.update(
        BUGSINK_DATA_DIR=os.path.join(workdir, "data"),
        DATABASE_URL=f"sqlite:///{workdir}/data/live.sqlite3",
        CELERY_BROKER_URL="filesystem://",
        INGEST_QUOTA_PER_MINUTE="0",
        INGEST_QUOTA_PER_HOUR="0",
        LOG_LEVEL="WARNING",
        BASE_URL="http://127.0.0.1:8000",
    )
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    os.makedirs(os.path.join(workdir, "data"), exist_ok=True)
    manage = [sys.executable, "manage.py"]
    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([*manage, "migrate", "--noinput"], **quiet)
    subprocess.run([*manage, "migrate", "--noinput", "--database", "spool"], **quiet)
    out = subprocess.run(
        [*manage, "createproject", "cpu"], check=True, capture_output=True, text=True
    ).stdout
    dsn = out.split("DSN: ", 1)[1].strip()
    return int(dsn.rsplit("/", 1)[1]), dsn.split("//", 1)[1].split("@", 1)[0]


async def _one(app, project_id: int, key: str, body: bytes, encoding: str) -> int:
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/x-sentry-envelope"),
        (b"content-encoding", encoding.encode()),
        (b"user-agent", b"sentry.python/2.75.0"),
        (
            b"x-sentry-auth",
            f"Sentry sentry_key={key}, sentry_version=7, "
            "sentry_client=sentry.python/2.75.0".encode(),
        ),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/api/{project_id}/envelope/",
        "raw_path": f"/api/{project_id}/envelope/".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _drive(app, project_id, key, bodies, concurrency) -> list[int]:
    queue = list(enumerate(bodies))
    statuses: list[int] = []

    async def worker():
        while queue:
            _, (body, encoding) = queue.pop()
            statuses.append(await _one(app, project_id, key, body, encoding))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def measure(
    bodies_path: str, requests: int, concurrency: int, profile: bool, pstats_file: str | None
) -> None:
    with open(bodies_path, "rb") as f:
        bodies = pickle.load(f)
    with tempfile.TemporaryDirectory(prefix="ingest-cpu-") as workdir:
        project_id, key = _prepare(workdir)
        import gc

        import uvloop

        from bugsink.asgi import application

        print(f"gc tracked objects after startup: {len(gc.get_objects())}, "
              f"frozen: {gc.get_freeze_count()}")  # fmt: skip
        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        warm = loop.run_until_complete(
            _drive(application, project_id, key, bodies[:WARMUP], concurrency)
        )
        assert set(warm) == {200}, set(warm)
        measured = (bodies * (1 + requests // len(bodies)))[WARMUP : WARMUP + requests]
        gc_before = [s["collections"] for s in gc.get_stats()]
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        statuses = loop.run_until_complete(
            _drive(application, project_id, key, measured, concurrency)
        )
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if profiler is not None:
            profiler.disable()
        gc_after = [s["collections"] for s in gc.get_stats()]
        assert set(statuses) == {200}, set(statuses)
        collections = [a - b for a, b in zip(gc_after, gc_before, strict=True)]
        print(
            f"requests {len(statuses)}  cpu/request {cpu / len(statuses) * 1e6:.0f} us  "
            f"wall/request {wall / len(statuses) * 1e6:.0f} us  "
            f"gc collections per generation {collections}"
        )
        if profiler is not None:
            import pstats

            stats = pstats.Stats(profiler)
            print(f"calls/request {stats.total_calls / len(statuses):.1f} "
                  f"(primitive {stats.prim_calls / len(statuses):.1f})")  # fmt: skip
            if pstats_file:
                stats.dump_stats(pstats_file)
            stats.sort_stats("cumulative").print_stats(45)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies")
    parser.add_argument("--make-bodies")
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--pstats", help="with --profile: also save the stats to this file")
    args = parser.parse_args()
    if args.make_bodies:
        make_bodies(args.make_bodies, args.count)
    else:
        measure(args.bodies, args.requests, args.concurrency, args.profile, args.pstats)


if __name__ == "__main__":
    main()
