"""The WSGI application gunicorn serves.

Ingest requests (`/api/...`) are the hot path: thousands per second from SDKs, never a session,
a cookie, a template or a static file. They go through Django's request handling (URL routing,
signals, error responses) without the UI's middleware stack, which would only add work to each
of them; the ingest views set the few headers they need (CORS) themselves.
"""

import os

import django
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
django.setup(set_prefix=False)

INGEST_PREFIX = "/api/"


class IngestHandler(WSGIHandler):
    """Django's WSGIHandler with an empty middleware stack."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def get_response(self, request):
        response = super().get_response(request)
        # What CommonMiddleware does for the site: lets keep-alive clients skip chunked framing.
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response


_site = WSGIHandler()
_ingest = IngestHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(INGEST_PREFIX):
        return _ingest(environ, start_response)
    return _site(environ, start_response)
