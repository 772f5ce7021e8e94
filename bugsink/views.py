"""Site-wide small views that belong to no app."""

from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

FAVICON = "favicon.ico"


@cache
def _favicon_bytes() -> bytes:
    path = finders.find(FAVICON)
    if not path:  # pragma: no cover - the file ships in static/
        raise FileNotFoundError(FAVICON)
    with open(path, "rb") as f:
        return f.read()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and tools ask for on every site whatever the page links."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
