"""The ingest endpoints as a bare ASGI application: the hot path of the whole server.

    POST /api/<project_id>/envelope/     (every current SDK)
    POST /api/<project_id>/store/        (old SDKs: the body is one event)
    POST /api/<project_id>/security/     (browsers' CSP and other security reports)
    OPTIONS on all three                 (CORS preflight of browser SDKs and of browsers'
                                          Reporting API)
    GET|POST /api/<project_id>/cron/<monitor_slug>/<public_key>/   (the HTTP check-in API)

Thousands of requests a second arrive here and none needs a session, a template or Django's
request machinery, so they are answered without it: the event loop reads the body, the
pipeline (handler.py) validates it in memory and hands the rows to the group commit
(group_commit.py), and the request awaits that commit without holding a thread.
"""

import logging
import re

from .body import ClientDisconnected
from .cors import cors_headers
from .cron_api import handle_cron
from .handler import handle_post
from .request import IngestRequest
from .response import Response, error_response

logger = logging.getLogger("bugsink.ingest")

ROUTE_RE = re.compile(r"^/api/(\d{1,18})/(envelope|store|security)/?$")
CRON_RE = re.compile(r"^/api/(\d{1,18})/cron/([^/]{1,128})/([0-9a-fA-F]{32})/?$")
MAX_HEADERS = 100  # more header fields than any SDK sends: refused before anything else


async def ingest_app(scope: dict, receive, send) -> None:
    match = ROUTE_RE.match(scope["path"])
    if match is None:
        cron = CRON_RE.match(scope["path"])
        if cron is not None and len(scope["headers"]) <= MAX_HEADERS:
            await _cron(scope, receive, send, cron)
            return
        await _send(send, error_response(404, "no such ingest endpoint"), [])
        return
    if len(scope["headers"]) > MAX_HEADERS:
        await _send(send, error_response(431, "too many header fields", close=True), [])
        return
    request = IngestRequest.from_scope(scope, match.group(2), int(match.group(1)))
    cors = cors_headers(request.headers)
    if request.method == "OPTIONS":
        response = Response(200, None)
    elif request.method != "POST":
        response = error_response(405, "only POST is accepted here")
    else:
        try:
            response = await handle_post(request, receive)
        except ClientDisconnected:
            return  # nobody is left to answer
        except Exception:
            # A bug of ours, never the client's doing: logged with the traceback (and sent to
            # Sentry when SENTRY_DSN is set), answered with a plain 500.
            logger.exception("ingest failed for project %s", request.project_id)
            response = error_response(500, "internal error", close=True)
    await _send(send, response, cors)


async def _cron(scope: dict, receive, send, match: re.Match) -> None:
    request = IngestRequest.from_scope(scope, "cron", int(match.group(1)))
    if request.method not in ("GET", "POST"):
        response = error_response(405, "only GET and POST are accepted here")
    else:
        try:
            response = await handle_cron(request, receive, match.group(2), match.group(3))
        except ClientDisconnected:
            return
        except Exception:
            logger.exception("check-in failed for project %s", request.project_id)
            response = error_response(500, "internal error", close=True)
    await _send(send, response, [])


async def _send(send, response: Response, cors: list[tuple[str, str]]) -> None:
    body = response.body()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if response.close:
        headers.append((b"connection", b"close"))
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers + cors]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
