"""Reading a request body from ASGI with a hard size limit, chunked uploads (@sentry/node) too."""

import asyncio
from collections.abc import Awaitable, Callable

from .errors import BadRequest, PayloadTooLarge, RequestTimeout

Receive = Callable[[], Awaitable[dict]]


class ClientDisconnected(Exception):
    """The client went away before sending its whole body: there is nobody left to answer."""


def declared_length(headers: dict[str, str], limit: int) -> int | None:
    """Content-Length, refusing a body announced as too large before any of it is read."""
    declared = headers.get("content-length")
    if declared is None:
        return None
    try:
        length = int(declared)
    except ValueError as e:
        raise BadRequest("invalid Content-Length", reason="bad_content_length") from e
    if length > limit:
        raise PayloadTooLarge(f"body of {length} bytes exceeds the limit of {limit} bytes")
    return length


async def read_body(receive: Receive, limit: int, timeout: float) -> bytes:
    """The raw (still compressed) body; PayloadTooLarge as soon as it passes `limit` bytes.

    A client that trickles its body slower than `timeout` for the whole of it is cut off
    (408): an open request must not be a way to hold server memory forever.
    """
    parts: list[bytes] = []
    total = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientDisconnected
                chunk = message.get("body", b"")
                total += len(chunk)
                if total > limit:
                    raise PayloadTooLarge(f"body exceeds the limit of {limit} bytes")
                parts.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError as e:
        raise RequestTimeout(f"body not received within {timeout:g} seconds") from e
    return parts[0] if len(parts) == 1 else b"".join(parts)
