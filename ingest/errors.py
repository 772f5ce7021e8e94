"""Rejections of client input: each carries the HTTP status and the reason the client is told."""


class IngestError(Exception):
    """A request we refuse. `reason` is a short machine-readable tag used in logs and counters."""

    status = 400
    reason = "bad_request"

    def __init__(self, detail: str, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if reason is not None:
            self.reason = reason


class BadRequest(IngestError):
    status = 400
    reason = "malformed"


class Unauthorized(IngestError):
    status = 401
    reason = "auth_missing"


class Forbidden(IngestError):
    status = 403
    reason = "auth_invalid"


class PayloadTooLarge(IngestError):
    status = 413
    reason = "too_large"


class UnsupportedEncoding(IngestError):
    status = 415
    reason = "unsupported_encoding"


class RequestTimeout(IngestError):
    status = 408
    reason = "timeout"


class QuotaExceeded(IngestError):
    """Over a quota: `limits` maps each exhausted quota to the seconds until it resets."""

    status = 429
    reason = "quota_exceeded"

    def __init__(self, detail: str, limits: dict[str, int]) -> None:
        super().__init__(detail)
        self.limits = limits
