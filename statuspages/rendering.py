"""Responses of the public pages: rendered once per content version, with caching headers.

A rendering is kept in Django's cache (Redis in production, local memory in the embedded
default) under the page's content_version, so a change shows on the next request in every
process. Public pages also go to the in-process fast cache (fast_cache.py) that the ASGI
application answers from. The responses carry no cookie and no CSRF token: nothing here touches
the session, and the templates are rendered without a request context.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from statuspages.models import StatusPage

CACHE_SECONDS = 300
# Browsers and proxies may keep a public page this long; an update shows after at most that.
PUBLIC_MAX_AGE = 5


def cached_response(
    request: HttpRequest,
    page: StatusPage,
    key: str,
    render: Callable[[], str | bytes],
    content_type: str = "text/html; charset=utf-8",
) -> HttpResponse:
    cache_key = f"statuspage:{page.pk}:{page.content_version}:{key}"
    body = cache.get(cache_key)
    if body is None:
        rendered = render()
        body = rendered.encode() if isinstance(rendered, str) else rendered
        cache.set(cache_key, body, CACHE_SECONDS)
    etag = f'"{page.pk}-{page.content_version}-{len(body)}"'
    headers = {
        "Content-Type": content_type,
        "Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"
        if page.is_public
        else "private, no-cache",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
        for name in ("ETag", "Cache-Control"):
            response[name] = headers[name]
        return response
    response = HttpResponse(body, headers=headers)
    if page.is_public:
        # Kept by fast_cache.FastCacheMiddleware once every middleware has added its headers.
        response.fast_cache_key = (request.get_host().lower(), request.get_full_path())
    return response
