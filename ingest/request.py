"""What the ingest pipeline needs to know about an HTTP request, read once from the ASGI scope."""

from dataclasses import dataclass
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class IngestRequest:
    endpoint: str  # "envelope", "store" or "security"
    project_id: int
    method: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    query: dict[str, str]
    remote_addr: str

    @classmethod
    def from_scope(cls, scope: dict, endpoint: str, project_id: int) -> "IngestRequest":
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        query_string = scope.get("query_string") or b""
        query = dict(parse_qsl(query_string.decode("latin-1"))) if query_string else {}
        client = scope.get("client")
        return cls(
            endpoint=endpoint,
            project_id=project_id,
            method=scope["method"],
            headers=headers,
            query=query,
            remote_addr=client[0] if client else "",
        )
