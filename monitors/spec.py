"""What one check needs to know, as plain data: the server's workers and remote agents run the
same probes from it (agents receive it as JSON)."""

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class CheckSpec:
    monitor_id: int
    kind: str
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    ip_version: str = "any"
    timeout_seconds: float = 10
    expected_status: str = "200-299"
    body_contains: str = ""
    body_not_contains: str = ""
    response_warning_ms: int | None = None
    response_critical_ms: int | None = None
    cert_warning_days: int = 14

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CheckSpec":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def spec_of(monitor) -> CheckSpec:
    return CheckSpec(
        monitor_id=monitor.pk,
        kind=monitor.kind,
        url=monitor.url,
        method=monitor.method,
        headers={str(k): str(v) for k, v in (monitor.request_headers or {}).items()},
        body=monitor.request_body,
        ip_version=monitor.ip_version,
        timeout_seconds=monitor.timeout_seconds,
        expected_status=monitor.expected_status,
        body_contains=monitor.body_contains,
        body_not_contains=monitor.body_not_contains,
        response_warning_ms=monitor.response_warning_ms,
        response_critical_ms=monitor.response_critical_ms,
        cert_warning_days=monitor.cert_warning_days,
    )


def parse_status_ranges(text: str) -> list[tuple[int, int]]:
    """ "200-299,301" -> [(200, 299), (301, 301)]; raises ValueError on anything else."""
    ranges = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        low_n, high_n = int(low), int(high or low)
        if not (100 <= low_n <= high_n <= 599):
            raise ValueError(f"not a status range: {part!r}")
        ranges.append((low_n, high_n))
    if not ranges:
        raise ValueError("no status codes")
    return ranges
