"""Content-Security-Policy for every response.

Event data comes from untrusted clients; templates escape it, and this header is the second
line of defence: no inline scripts, no scripts or styles from anywhere but our own static files.
"""

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy(form_targets: Iterable[str] = ()) -> str:
    """The header; `form_targets` are origins a form may end up at besides this site."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            " ".join(["form-action 'self'", *sorted(set(form_targets))]),
            "frame-ancestors 'none'",
        ]
    )


POLICY = policy()


def sso_origins() -> list[str]:
    """The single sign-on buttons post to this site, which redirects to the provider's login
    page: browsers hold that redirect to form-action too, so each provider's origin is in it."""
    origins = []
    for provider in settings.OIDC_PROVIDERS:
        parts = urlsplit(provider.server_url)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = policy(sso_origins())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        return response
