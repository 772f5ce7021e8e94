"""The one place that decides whether a user-supplied redirect target (`next`, ...) is followed.

A target is followed only when it stays on this site: a relative path, or an absolute URL whose
host is the request's own host (or BASE_URL's). Anything else (`//evil.example/`,
`https://evil.example/`, `/\\evil.example/`, `javascript:...`) falls back to a fixed page, so a
link that someone crafted cannot send a signed-in user elsewhere with our domain as cover.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, target: str | None, fallback: str) -> str:
    """`target` when it is an on-site URL, else `fallback` (which must be on-site itself)."""
    if target and is_on_site(request, target):
        return target
    return fallback


def is_on_site(request: HttpRequest, target: str) -> bool:
    hosts = {request.get_host(), urlsplit(settings.BASE_URL).netloc}
    return url_has_allowed_host_and_scheme(
        target, allowed_hosts=hosts, require_https=request.is_secure()
    )
