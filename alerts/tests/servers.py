"""Real servers for alert tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver."""

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ReceivedMail:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


class _Handler:
    def __init__(self, server: "SmtpServer") -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        with self.server.lock:
            self.server.attempts += 1
            if self.server.attempts <= self.server.fail_first:
                return "451 4.3.0 try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.server.messages.append(ReceivedMail(list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; `fail_first` answers the first N messages 451."""

    def __init__(self, fail_first: int = 0) -> None:
        self.port = free_port()
        self.fail_first = fail_first
        self.attempts = 0
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(
        self, predicate: Callable[[list[ReceivedMail]], bool], timeout: float = 60
    ) -> list[ReceivedMail]:
        """Poll until predicate(messages) holds; returns a snapshot of the messages either way."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                snapshot = list(self.messages)
            if predicate(snapshot) or time.monotonic() > deadline:
                return snapshot
            time.sleep(0.2)


@dataclass
class WebhookReceiver:
    """An HTTP server recording POSTed JSON; answers `statuses` in turn, then 200 forever."""

    statuses: list[int] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    attempts: int = 0
    # (certificate file, key file): serve HTTPS at https://localhost:<port>/hook instead.
    tls: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.attempts += 1
                    index = receiver.attempts - 1
                    status = receiver.statuses[index] if index < len(receiver.statuses) else 200
                    receiver.requests.append(
                        {"path": self.path, "status": status, "json": json.loads(body or b"null")}
                    )
                self.send_response(status)
                if status in (307, 308):
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.lock = threading.Lock()
        self.redirect_to = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                snapshot = list(self.requests)
            if len(snapshot) >= count or time.monotonic() > deadline:
                return snapshot
            time.sleep(0.2)


class SilentServer:
    """A TCP server that accepts every connection and never says a word: an SMTP server that is
    stuck (the client waits for the greeting until its timeout).

    `stop()` closes the connections too, so a client blocked on one returns at once.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> "SilentServer":
        self.thread.start()
        return self

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed
            with self.lock:
                self.connections.append(connection)

    @property
    def accepted(self) -> int:
        with self.lock:
            return len(self.connections)

    def open_connections(self) -> int:
        """Connections the client still holds open (it sends nothing before the greeting)."""
        open_count = 0
        with self.lock:
            for connection in self.connections:
                try:
                    if connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b"":
                        open_count += 1  # it spoke after all: still open
                except BlockingIOError:
                    open_count += 1  # nothing to read and no end of stream: open and waiting
                except OSError:
                    pass
        return open_count

    def wait_for_connections(self, count: int, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while self.accepted < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        self.thread.join(timeout=5)
        with self.lock:
            for connection in self.connections:
                connection.close()
