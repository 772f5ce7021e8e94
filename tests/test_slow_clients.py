"""Slow and idle clients against a real gunicorn: request headers have a deadline
(INGEST_HEADER_TIMEOUT), the body keeps its own (INGEST_READ_TIMEOUT), keep-alive is unchanged,
and a worker answers 503 only past GUNICORN_WORKER_CONNECTIONS connections."""

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing

import pytest

from tests.envelopes import event_envelope
from tests.live import LiveStack

pytestmark = pytest.mark.live

SLACK = 3.0  # seconds: a loaded 2-core machine is late with timers, never early
SHORT_HEADER_TIMEOUT = 2
SHORT_READ_TIMEOUT = 5  # INGEST_READ_TIMEOUT is whole seconds


def port_of(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def request_bytes(path: str = "/api/1/envelope/", extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def read_until_closed(sock: socket.socket, deadline: float) -> tuple[bytes, float | None]:
    """Everything the server sends until it closes (then: its time) or the deadline (None)."""
    received = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return received, time.monotonic()
        if not chunk:
            return received, time.monotonic()
        received += chunk
    return received, None


def trickle(
    sock: socket.socket, data: bytes, interval: float, deadline: float
) -> tuple[bytes, float | None]:
    """Send `data` one byte every `interval` seconds, as a slowloris client does, until the
    server closes the connection (returns what it sent and when) or the deadline passes."""
    received = b""
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return received, time.monotonic()
        more, closed_at = read_until_closed(sock, min(deadline, time.monotonic() + interval))
        received += more
        if closed_at is not None or time.monotonic() >= deadline:
            return received, closed_at
    return received, None


def response_status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def read_responses(sock: socket.socket, count: int = 1, timeout: float = 10) -> list[int]:
    """The statuses of the next `count` whole responses (Content-Length framed) on a
    keep-alive connection."""
    sock.settimeout(timeout)
    buffer = b""
    statuses = []
    while len(statuses) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"closed before a response: {buffer!r}"
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(buffer) < length:
            chunk = sock.recv(65536)
            assert chunk, "closed inside a response body"
            buffer += chunk
        buffer = buffer[length:]
        statuses.append(response_status(head))
    return statuses


@pytest.fixture(scope="module")
def short_timeouts(live_stack: LiveStack) -> Iterator[int]:
    """A gunicorn of the stack with short header and body deadlines; yields its port."""
    with live_stack.extra_web(
        "web-slow-clients.log",
        INGEST_HEADER_TIMEOUT=str(SHORT_HEADER_TIMEOUT),
        INGEST_READ_TIMEOUT=str(SHORT_READ_TIMEOUT),
        GUNICORN_WORKERS="1",
    ) as base_url:
        yield port_of(base_url)


def test_slowloris_headers_are_cut_off_at_the_default_deadline(live_stack):
    """The scenario of the report: one header byte every 2 s, default settings (10 s)."""
    with closing(socket.create_connection(("127.0.0.1", live_stack.port))) as sock:
        started = time.monotonic()
        received, closed_at = trickle(sock, request_bytes(), 2.0, started + 10 + SLACK)
    assert closed_at is not None, "a slowloris connection was still open after 13 s"
    assert 10 - 0.5 <= closed_at - started <= 10 + SLACK
    assert response_status(received) == 408
    assert received.endswith(b"request headers not received in time\n")


def test_connection_that_sends_nothing_is_closed(short_timeouts):
    with closing(socket.create_connection(("127.0.0.1", short_timeouts))) as sock:
        started = time.monotonic()
        received, closed_at = read_until_closed(sock, started + SHORT_HEADER_TIMEOUT + SLACK)
    assert closed_at is not None
    assert response_status(received) == 408, received
    assert SHORT_HEADER_TIMEOUT - 0.5 <= closed_at - started <= SHORT_HEADER_TIMEOUT + SLACK


def test_slowloris_on_a_reused_connection_is_cut_off(short_timeouts):
    """The deadline holds for every request of a keep-alive connection, not only the first."""
    with closing(socket.create_connection(("127.0.0.1", short_timeouts))) as sock:
        sock.sendall(request_bytes())
        assert read_responses(sock) == [405]
        started = time.monotonic()
        received, closed_at = trickle(
            sock, request_bytes(), 0.5, started + SHORT_HEADER_TIMEOUT + SLACK
        )
    assert closed_at is not None
    assert closed_at - started <= SHORT_HEADER_TIMEOUT + SLACK
    assert response_status(received) == 408


def test_slow_body_is_still_governed_by_the_read_timeout(live_stack, short_timeouts):
    """Headers at once, then a body byte a second: the application's 408 at
    INGEST_READ_TIMEOUT, long after the header deadline would have passed."""
    project_id, dsn = live_stack.create_project()
    public_key = dsn.split("//", 1)[1].split("@", 1)[0]
    _, body, headers = event_envelope({"message": "slow body"}, compress=False)
    head = (
        f"POST /api/{project_id}/envelope/?sentry_key={public_key} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nContent-Type: {headers['Content-Type']}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with closing(socket.create_connection(("127.0.0.1", short_timeouts))) as sock:
        started = time.monotonic()
        sock.sendall(head)
        received, _ = trickle(sock, body, 1.0, started + SHORT_READ_TIMEOUT + SLACK)
        answered_at = time.monotonic()
    assert response_status(received) == 408, received
    assert b"body not received within" in received, received  # the application's, not ours
    assert SHORT_READ_TIMEOUT - 0.5 <= answered_at - started <= SHORT_READ_TIMEOUT + SLACK


def test_normal_requests_and_keep_alive_are_unchanged(short_timeouts):
    """Requests on one connection, idle between them for longer than the header deadline but
    within keep-alive (5 s), are answered; an idle connection then closes at keep-alive."""
    with closing(socket.create_connection(("127.0.0.1", short_timeouts))) as sock:
        for _ in range(2):
            sock.sendall(request_bytes())
            assert read_responses(sock) == [405]  # the ingest endpoint's answer to a GET
            time.sleep(SHORT_HEADER_TIMEOUT + 1)
        sock.sendall(request_bytes() + request_bytes())  # pipelined
        assert read_responses(sock, 2) == [405, 405]
        idle_from = time.monotonic()
        received, closed_at = read_until_closed(sock, idle_from + 5 + SLACK)
    assert closed_at is not None and received == b""  # keep-alive closes silently
    assert 5 - 0.5 <= closed_at - idle_from <= 5 + SLACK


def test_connections_over_the_limit_get_503(live_stack):
    with live_stack.extra_web(
        "web-conn-limit.log", GUNICORN_WORKERS="1", GUNICORN_WORKER_CONNECTIONS="4"
    ) as base_url, ExitStack() as stack:  # fmt: skip
        port = port_of(base_url)
        for _ in range(4):
            stack.enter_context(closing(socket.create_connection(("127.0.0.1", port))))
        time.sleep(0.5)  # the worker has accepted them
        with closing(socket.create_connection(("127.0.0.1", port))) as sock:
            sock.sendall(request_bytes())
            assert read_responses(sock) == [503]


def test_default_limit_is_above_512_connections_per_worker(live_stack):
    """600 connections with a request each, all on one worker: none gets a 503."""
    with live_stack.extra_web("web-600.log", GUNICORN_WORKERS="1") as base_url:
        port = port_of(base_url)
        with ExitStack() as stack:
            socks = [
                stack.enter_context(closing(socket.create_connection(("127.0.0.1", port))))
                for _ in range(600)
            ]
            for sock in socks:
                sock.sendall(request_bytes())
            statuses = [read_responses(sock)[0] for sock in socks]
    assert statuses == [405] * 600  # none refused (503)
