"""The ASGI application gunicorn serves (through uvicorn workers).

Ingest requests (`/api/<project id>/store/`, `/envelope/`, `/security/`) are the hot path:
thousands per second from SDKs, never a session, a cookie, a template or a static file. They are
answered by a bare ASGI application on the event loop (ingest/asgi.py). Everything else,
including the rest of `/api/` (the Web API under `/api/0/`, `/api/embed/...`), is the Django
site, which is a plain WSGI application run in a pool of threads (a2wsgi), exactly as a threaded
WSGI server would run it.
"""

import gc

from a2wsgi import WSGIMiddleware
from django.conf import settings

# The Django site's module sets Django up, so it comes before anything that uses models.
from bugsink.wsgi import application as django_site
from ingest.asgi import ingest_app
from ingest.blocking import run_blocking
from ingest.group_commit import committer
from ingest.rejections import flush_rejections
from statuspages import fast_cache

INGEST_PREFIX = "/api/"
INGEST_ENDPOINTS = frozenset(("store", "envelope", "security"))

_site = WSGIMiddleware(django_site, workers=settings.WEB_THREADS)

# Everything loaded so far (Django, the apps, the URL and template machinery) lives as long as
# the process: keep the cyclic collector from walking it again at every full collection, which
# would otherwise pause the event loop for milliseconds now and then.
gc.freeze()


def is_ingest_path(path: str) -> bool:
    """Whether `path` is `/api/<digits>/<ingest endpoint>` with an optional trailing slash, or
    the HTTP check-in API `/api/<digits>/cron/<slug>/<key>/`.

    A prefix check and one split, no regular expression: this runs for every request, and
    ingest requests are most of them.
    """
    if not path.startswith(INGEST_PREFIX):
        return False
    parts = path[5:].split("/", 2)
    if len(parts) < 2 or not (parts[0].isdigit() and parts[0].isascii()):
        return False
    if parts[1] == "cron":  # /api/<id>/cron/<monitor slug>/<key>/: the HTTP check-in API
        return len(parts) == 3 and parts[2] != ""
    return parts[1] in INGEST_ENDPOINTS and (len(parts) == 2 or parts[2] == "")


async def application(scope: dict, receive, send) -> None:
    if scope["type"] == "http" and is_ingest_path(scope["path"]):
        await ingest_app(scope, receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http" and await fast_cache.serve(scope, send):
        return  # a public status page, answered from memory (statuspages/fast_cache.py)
    else:
        await _site(scope, receive, send)


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            # Rejection counts still waiting for their timer are written before the exit.
            await run_blocking(flush_rejections)
            await committer.close()
            await send({"type": "lifespan.shutdown.complete"})
            return
