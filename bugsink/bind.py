"""The listen address (BIND, as gunicorn reads it) and what follows from it.

Standard library only: ./run runs this file with the system Python before any virtualenv exists,
to refuse a taken port before it prints anything (`python3 bugsink/bind.py`).
"""

from __future__ import annotations

import errno
import os
import socket
import sys

DEFAULT_BIND = "127.0.0.1:8000"  # also gunicorn.conf.py's default
DEFAULT_PORT = 8000  # gunicorn's port when BIND names a host only

# A server listening on every interface is reached locally at the loopback address.
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def parse_bind(bind: str) -> tuple[str, int] | None:
    """(host, port) of a TCP BIND, read as gunicorn reads it; None for unix: and fd:// binds."""
    bind = bind.strip()
    if bind.startswith(("unix:", "fd://")):
        return None
    bind = bind.removeprefix("tcp://")
    host, port = bind, ""
    if "[" in bind and "]" in bind:  # [v6]:port
        host = bind.split("]")[0][1:]
        port = bind.split("]:")[1] if "]:" in bind else ""
    elif ":" in bind:
        host, port = bind.split(":")[:2]
    if port and not port.isdigit():
        raise ValueError(f"BIND={bind}: {port!r} is not a port number")
    return host.lower(), int(port) if port else DEFAULT_PORT


def base_url_from_bind(bind: str) -> str:
    """The URL a local browser or SDK reaches the server at when it listens on `bind`."""
    address = parse_bind(bind)
    if address is None:  # a socket behind a proxy: only BASE_URL can say where it is public
        return base_url_from_bind(DEFAULT_BIND)
    host, port = address
    host = _WILDCARDS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def check_free(bind: str) -> str | None:
    """None if a server can listen on `bind` now, else a one-line reason it cannot.

    Binds the way gunicorn does (SO_REUSEADDR), so a port that only has connections in
    TIME_WAIT counts as free and one with a listener as taken.
    """
    address = parse_bind(bind)
    if address is None:
        return None
    host, port = address
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        return f"BIND={bind}: cannot resolve {host!r} ({error.strerror})"
    family, kind, proto, _, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(sockaddr)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} is already in use (BIND={bind}): stop what listens there, "
                    f"or pick another port, e.g. BIND={host or '0.0.0.0'}:{port + 1} ./run"
                )
            return f"BIND={bind}: cannot listen there ({error.strerror})"
    return None


def main() -> int:
    bind = os.environ.get("BIND") or DEFAULT_BIND
    try:
        problem = check_free(bind)
    except ValueError as error:
        problem = str(error)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
