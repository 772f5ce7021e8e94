"""The answer to an ingest request: a status, a small JSON document and a few headers."""

from dataclasses import dataclass, field

import orjson


@dataclass
class Response:
    status: int
    document: dict | None  # None: no body (a CORS preflight)
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False  # end the connection after answering (unread body, refused client)

    def body(self) -> bytes:
        return orjson.dumps(self.document) if self.document is not None else b""


def error_response(status: int, detail: str, *, close: bool = False) -> Response:
    # Header values must stay on one line whatever a detail quotes from the request.
    header = detail[:200].encode("ascii", "replace").decode().replace("\r", " ").replace("\n", " ")
    return Response(status, {"detail": detail}, [("X-Sentry-Error", header)], close=close)
