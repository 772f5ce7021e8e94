"""Open-loop load at a fixed rate, in a background thread, for soak runs and long live tests.

Requests are due at fixed times (rate per second, in 5 ms ticks) whatever the server answers,
as real clients send: a slow server does not slow the sender down, so latency is measured from
the moment a request was due (queueing on the client side included, no coordinated omission).
Due requests go to a pool of keep-alive connections; when more than `max_backlog` are waiting
for a free connection, new ones are dropped and counted as `missed` instead of piling up.
Each body is made just before it is sent, by `make_body(n)` -> (body, content encoding, event id).
"""

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import uvloop

from bench.loadgen import _read_response, _request_head

TICK_SECONDS = 0.005


@dataclass(slots=True)
class Sent:
    due: float  # time.monotonic() at which the request was due
    latency: float  # seconds from due to the complete response; -1 when the connection failed
    status: int  # 0 when the connection failed
    event_id: str


class PacedLoad:
    def __init__(
        self,
        host: str,
        port: int,
        targets: list[tuple[int, str]],
        make_body: Callable[[int], tuple[bytes, str, str]],
        rate: float,
        *,
        connections: int = 64,
        max_backlog: int | None = None,
    ) -> None:
        """`targets`: (project id, public key) pairs, used in turn."""
        self.host, self.port = host, port
        self.targets = targets
        self.make_body = make_body
        self.rate = rate
        self.connections = connections
        self.max_backlog = max_backlog or int(rate * 5) + connections
        self._sent: deque[Sent] = deque()  # appended by the load thread, taken by `drain`
        self.missed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="paced-load", daemon=True)

    def start(self) -> "PacedLoad":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending, wait for the requests in flight, and return."""
        self._stop.set()
        self._thread.join()

    def drain(self) -> list[Sent]:
        """The requests completed since the last call (a long run keeps none of them)."""
        taken = []
        while True:
            try:
                taken.append(self._sent.popleft())
            except IndexError:
                return taken

    def _main(self) -> None:
        uvloop.run(self._run())

    async def _run(self) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        workers = [asyncio.create_task(self._connection(queue)) for _ in range(self.connections)]
        started = time.monotonic()
        n = 0
        while not self._stop.is_set():
            now = time.monotonic()
            due_count = int((now - started) * self.rate)
            while n < due_count:
                if queue.qsize() >= self.max_backlog:
                    self.missed += 1
                else:
                    queue.put_nowait((n, started + n / self.rate))
                n += 1
            await asyncio.sleep(TICK_SECONDS)
        for _ in workers:
            queue.put_nowait(None)
        await asyncio.gather(*workers)

    async def _connection(self, queue: asyncio.Queue) -> None:
        reader = writer = None
        host = f"{self.host}:{self.port}"
        while (job := await queue.get()) is not None:
            n, due = job
            project_id, public_key = self.targets[n % len(self.targets)]
            body, encoding, event_id = self.make_body(n)
            path = f"/api/{project_id}/envelope/"
            status, latency = 0, -1.0
            for _attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(self.host, self.port)
                    writer.write(_request_head(path, host, public_key, len(body), encoding) + body)
                    status, close = await _read_response(reader)
                    latency = time.monotonic() - due
                    if close:
                        writer.close()
                        writer = None
                    break
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer = None  # the server closed an idle keep-alive connection: reconnect
            self._sent.append(Sent(due, latency, status, event_id))
        if writer is not None:
            writer.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0
