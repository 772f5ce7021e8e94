"""Public status pages served from memory, before Django, during an outage's traffic spike.

When the Django view renders a public status page it leaves the response here (status, headers,
body) for one second. The ASGI application (bugsink/asgi.py) answers GET and HEAD requests for
the same host and path from here without entering Django: no middleware, no thread hop, no
database. A second is short enough that an incident update shows within it, and long enough
that under thousands of requests per second Django renders each page about once a second per
process. Only pages anybody may read are stored, and they carry no cookie.
"""

import threading
import time

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

TTL_SECONDS = 1.0
# After its second, an entry is still served to everyone but one request, which Django renders
# afresh (no stampede of renders when a popular page expires); never staler than this.
STALE_SECONDS = 10.0
MAX_ENTRIES = 512

_entries: dict[tuple[str, str], tuple[float, int, list[tuple[bytes, bytes]], bytes]] = {}
# Keys being re-rendered, with when that started (a refresh that never came back is retried).
_refreshing: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


def store(
    host: str, path: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()  # hosts are client-chosen: never let the keys grow without bound
        _entries[(host, path)] = (time.monotonic() + TTL_SECONDS, status, headers, body)
        _refreshing.pop((host, path), None)


def lookup(host: str, path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """The kept response, or None when this request is the one that renders afresh."""
    key = (host, path)
    entry = _entries.get(key)
    if entry is None:
        return None
    now = time.monotonic()
    if entry[0] >= now:
        return entry[1], entry[2], entry[3]
    if entry[0] + STALE_SECONDS < now:
        return None
    with _lock:
        started = _refreshing.get(key)
        if started is None or started + TTL_SECONDS < now:
            _refreshing[key] = now
            return None
    return entry[1], entry[2], entry[3]


def forget(host: str, path: str) -> None:
    if (host, path) in _entries:
        with _lock:
            _entries.pop((host, path), None)
            _refreshing.pop((host, path), None)


def clear() -> None:
    with _lock:
        _entries.clear()
        _refreshing.clear()


async def serve(scope: dict, send) -> bool:
    """Answer from memory if this request's page is there; False to let Django answer."""
    if scope["method"] not in ("GET", "HEAD"):
        return False
    host = _host(scope)
    path = scope["path"] + (
        "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
    )
    entry = lookup(host, path)
    if entry is None:
        return False
    status, headers, body = entry
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
    return True


def _host(scope: dict) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return value.decode("latin-1").lower()
    return ""


class FastCacheMiddleware:
    """Stores the responses the views marked (`response.fast_cache_key`), as finally sent.

    It is the outermost middleware, so what it keeps has every header the others added (the
    Content-Security-Policy among them). A response that sets a cookie is never kept.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(response, "fast_cache_key", None)
        if key is None:
            # Not (or no longer) a public page: a page just made private or deleted must not go
            # on being served from here, stale, to anybody.
            try:
                forget(request.get_host().lower(), request.get_full_path())
            except DisallowedHost:
                pass  # never kept either
        elif response.status_code == 200 and not response.cookies:
            headers = [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in response.items()
                if name.lower() != "vary"
            ]
            headers.append((b"content-length", str(len(response.content)).encode()))
            store(key[0], key[1], 200, headers, response.content)
        return response
