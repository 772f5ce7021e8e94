"""Posting JSON to a user-supplied URL without becoming an SSRF vector.

Only http and https; every address the host resolves to must be public unless private targets
are allowed; the connection goes to the address that was checked (no second DNS lookup an
attacker could answer differently); redirects are followed only as 307/308 (which keep the
POST) and each hop is checked again; every socket operation has a timeout.
"""

import http.client
import ipaddress
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
USER_AGENT = "bugsink-alerts/1"


class WebhookRefused(Exception):
    """The target is not allowed (scheme, private address): retrying cannot help."""


class WebhookRejected(Exception):
    """The server answered with a permanent failure (4xx other than 429)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class WebhookFailed(Exception):
    """A transient failure (network, timeout, 5xx, 429): worth retrying."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]  # every one checked; tried in order, like a normal client


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return address.is_global and not address.is_multicast


def resolve_target(url: str, *, allow_private: bool) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise WebhookRefused(f"only http and https URLs are allowed, not {parts.scheme!r}")
    if not parts.hostname:
        raise WebhookRefused("the URL has no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookFailed(f"cannot resolve {parts.hostname}: {exc}") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not allow_private:
        refused = [str(a) for a in addresses if not is_public_address(a)]
        if refused:
            raise WebhookRefused(
                f"{parts.hostname} resolves to a private address ({', '.join(refused)}); "
                "set ALERT_WEBHOOK_ALLOW_PRIVATE=true to allow it"
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    unique = tuple(dict.fromkeys(str(a) for a in addresses))
    return Target(parts.scheme, parts.hostname, port, path, unique)


def post_json(url: str, payload: Any, *, timeout: float, allow_private: bool) -> int:
    """POST `payload` as JSON; returns the 2xx status or raises one of the Webhook* errors."""
    body = json.dumps(payload).encode()
    for _ in range(MAX_REDIRECTS + 1):
        target = resolve_target(url, allow_private=allow_private)
        status, location, excerpt = _post_once(target, body, timeout)
        if status in (307, 308) and location:
            url = urljoin(url, location)
            continue
        if 200 <= status < 300:
            return status
        message = f"HTTP {status}: {excerpt}" if excerpt else f"HTTP {status}"
        if status == 429 or status >= 500:
            raise WebhookFailed(message, status)
        raise WebhookRejected(message, status)
    raise WebhookRejected(f"more than {MAX_REDIRECTS} redirects")


def _post_once(target: Target, body: bytes, timeout: float) -> tuple[int, str | None, str]:
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, target.addresses, timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        excerpt = response.read(1000).decode("utf-8", "replace").strip()
        return response.status, response.getheader("Location"), excerpt[:300]
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()


def _connect_checked(addresses: tuple[str, ...], port: int, timeout: float) -> socket.socket:
    """Connect to the first checked address that answers; never resolve the name again."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: tuple[str, ...], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect_checked(self._addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, addresses: tuple[str, ...], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect_checked(self._addresses, self.port, self.timeout)
        # The certificate is checked against the host name (SNI too), not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
