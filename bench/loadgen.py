"""A small asyncio HTTP/1.1 load generator: keep-alive connections, one request in flight each.

Written on raw asyncio streams, on uvloop, so the client costs little CPU on the machine it
shares with the server; it records each request's status and latency.
"""

import asyncio
import gc
import time
from dataclasses import dataclass, field

import uvloop


@dataclass
class LoadResult:
    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0

    @property
    def elapsed(self) -> float:
        return self.finished - self.started

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def _request_head(
    path: str, host: str, public_key: str, length: int, encoding: str = "gzip"
) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Content-Type: application/x-sentry-envelope\r\n"
        f"Content-Encoding: {encoding}\r\n"
        "User-Agent: sentry.python/2.75.0\r\n"
        f"X-Sentry-Auth: Sentry sentry_key={public_key}, sentry_version=7, "
        "sentry_client=sentry.python/2.75.0\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    await reader.readexactly(length)
    return status, close


@dataclass
class _Job:
    host: str
    port: int
    path: str
    public_key: str
    bodies: list[bytes]
    ids: list[str]
    todo: list[int]
    encodings: list[str] | None = None  # Content-Encoding per body; gzip when None


async def _connection(job: _Job, result: LoadResult) -> None:
    reader = writer = None
    while True:
        try:
            index = job.todo.pop()
        except IndexError:
            break
        body = job.bodies[index]
        for _attempt in range(3):
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(job.host, job.port)
                start = time.perf_counter()
                host = f"{job.host}:{job.port}"
                encoding = job.encodings[index] if job.encodings else "gzip"
                head = _request_head(job.path, host, job.public_key, len(body), encoding)
                writer.write(head + body)
                status, close = await _read_response(reader)
                result.latencies.append(time.perf_counter() - start)
                result.statuses.append(status)
                if status == 200:
                    result.accepted_ids.append(job.ids[index])
                if close:
                    writer.close()
                    writer = None
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                writer = None  # the server closed an idle keep-alive connection: reconnect
    if writer is not None:
        writer.close()


async def _run(job: _Job, concurrency: int) -> LoadResult:
    result = LoadResult(started=time.perf_counter())
    await asyncio.gather(*(_connection(job, result) for _ in range(concurrency)))
    result.finished = time.perf_counter()
    return result


def run_load(
    host: str,
    port: int,
    project_id: int,
    public_key: str,
    bodies: list[bytes],
    ids: list[str],
    concurrency: int,
    encodings: list[str] | None = None,
) -> LoadResult:
    todo = list(reversed(range(len(bodies))))
    path = f"/api/{project_id}/envelope/"
    job = _Job(host, port, path, public_key, bodies, ids, todo, encodings)
    # The client's own garbage-collection pauses would count as server latency: none during
    # the run (what it allocates is bounded by the run and freed by reference counting).
    gc.disable()
    try:
        return uvloop.run(_run(job, concurrency))
    finally:
        gc.enable()
