"""uvicorn's httptools protocol with a deadline on request headers (slowloris).

uvicorn bounds the idle time between requests (keep-alive) and the application bounds the body
(INGEST_READ_TIMEOUT), but nothing bounds the headers: a client that sends them one byte at a
time, or connects and sends nothing, holds its connection forever. Here a connection must
complete the headers of its first request within INGEST_HEADER_TIMEOUT seconds of connecting,
and those of every later request within that time of its first byte; otherwise it gets a 408
and is closed.

One timer per request, armed at most once (at connect, or at the first byte of a later request)
and cancelled when the headers are complete: nothing runs per byte received.
"""

from __future__ import annotations

import asyncio
import os

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

# Seconds; 0 switches the deadline off.
HEADER_TIMEOUT = float(os.environ.get("INGEST_HEADER_TIMEOUT") or 10)
TIMEOUT_BODY = b"request headers not received in time\n"


class HeaderTimeoutProtocol(HttpToolsProtocol):
    header_timeout: float = HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()  # a connection that never sends anything is bounded too

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the first request's timer runs from the connect
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self.header_timeout > 0:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined request is late while an earlier one is answered: a 408 now would
            # land inside that response, so the connection closes once it is sent instead.
            self.cycle.keep_alive = False
            return
        head = [STATUS_LINE[408]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(TIMEOUT_BODY),
            b"connection: close\r\n\r\n",
            TIMEOUT_BODY,
        ]
        self.transport.write(b"".join(head))
        self.transport.close()
