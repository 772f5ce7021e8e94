"""CORS for browser SDKs: any origin may send events; the DSN key is the credential."""

ALLOWED_HEADERS = (
    "x-sentry-auth, x-requested-with, origin, accept, content-type, content-encoding, "
    "authorization, sentry-trace, baggage"
)
EXPOSED_HEADERS = "x-sentry-error, x-sentry-rate-limits, retry-after"


def cors_headers(request_headers: dict[str, str]) -> list[tuple[str, str]]:
    # SDKs may be configured with extra transport headers; echoing the requested list keeps
    # such preflights working without us having to know every header in advance.
    requested = request_headers.get("access-control-request-headers", "")
    return [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "POST, OPTIONS"),
        ("Access-Control-Allow-Headers", requested[:1000] or ALLOWED_HEADERS),
        ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
        ("Access-Control-Max-Age", "3600"),
    ]
