"""CORS for browser SDKs: any origin may send events; the DSN key is the credential."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

ALLOWED_HEADERS = (
    "x-sentry-auth, x-requested-with, origin, accept, content-type, content-encoding, "
    "authorization, sentry-trace, baggage"
)
EXPOSED_HEADERS = "x-sentry-error, x-sentry-rate-limits, retry-after"


def add_cors_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    # SDKs may be configured with extra transport headers; echoing the requested list keeps
    # such preflights working without us having to know every header in advance.
    requested = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
    response["Access-Control-Allow-Headers"] = requested[:1000] or ALLOWED_HEADERS
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response["Access-Control-Max-Age"] = "3600"
    return response


def with_cors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            return add_cors_headers(request, HttpResponse(status=200))
        return add_cors_headers(request, view(request, *args, **kwargs))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped
