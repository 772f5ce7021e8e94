"""A status page on a host name of its own: that host's paths are the page's, nothing else."""

import time

from django.http import HttpRequest

from statuspages.models import StatusPage

# Other processes learn of a new or changed host name within this many seconds; the process
# that saved the page at once (reload(), from the save signal).
REFRESH_SECONDS = 10.0
_known: dict[str, int] = {}
_loaded_at = -1e9


def reload() -> None:
    """Read the host names now (one query)."""
    global _known, _loaded_at
    rows = StatusPage.objects.exclude(host_name="").values_list("host_name", "pk")
    _known = {name.lower(): pk for name, pk in rows}
    _loaded_at = time.monotonic()


def page_id_for_host(host: str) -> int | None:
    if time.monotonic() - _loaded_at > REFRESH_SECONDS:
        reload()
    return _known.get(host)


class StatusHostMiddleware:
    """Requests for a status page's own host name get the status page URLs (host_urls.py)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        host = request.get_host().split(":", 1)[0].lower()
        page_id = page_id_for_host(host)
        if page_id is not None:
            request.status_page = StatusPage.objects.filter(pk=page_id).first()
            if request.status_page is not None:
                request.urlconf = "statuspages.host_urls"
        return self.get_response(request)
