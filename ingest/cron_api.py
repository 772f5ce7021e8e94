"""The HTTP check-in API: `curl .../api/<project_id>/cron/<monitor_slug>/<public_key>/?status=ok`.

Authenticated by the DSN's public key in the path; answered 202 with no body once the check-in
is stored (the monitors worker processes it), as the Sentry docs describe. Check-ins count
against the project's `monitor` quota only: over it, 429 with a rate limit on that category.
"""

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from .accept import store_others
from .auth import authenticate
from .blocking import run_blocking
from .body import Receive, declared_length, read_body
from .categories import rate_limit_header
from .checkins import MAX_CHECKIN_BYTES, check_in_from_http
from .errors import IngestError
from .quota import NEEDS_READ, check_quota, count_accepted
from .rejections import record_rejection
from .request import IngestRequest
from .response import Response, error_response


async def handle_cron(
    request: IngestRequest, receive: Receive, slug: str, public_key: str
) -> Response:
    project_id = request.project_id
    body_read = request.method != "POST"
    try:
        await authenticate(public_key, project_id)
        retry_after = check_quota(project_id, "monitor", may_read=False)
        if retry_after is NEEDS_READ:
            retry_after = await run_blocking(check_quota, project_id, "monitor")
        if retry_after is not None:
            return _over_quota(int(retry_after))  # type: ignore[arg-type]
        body = b""
        if request.method == "POST":
            declared_length(request.headers, MAX_CHECKIN_BYTES)
            body = await read_body(receive, MAX_CHECKIN_BYTES, settings.INGEST_READ_TIMEOUT)
            body_read = True
        check_in = check_in_from_http(project_id, slug, request.query, body, timezone.now())
        await run_blocking(store_others, [check_in])
        count_accepted(project_id, "monitor", 1)
    except IngestError as e:
        record_rejection(project_id, e.reason, e.status, e.detail)
        return error_response(e.status, e.detail, close=not body_read)
    except DatabaseError:
        response = error_response(503, "temporarily unable to store check-ins")
        response.headers.append(("Retry-After", "10"))
        return response
    return Response(202, None)


def _over_quota(retry_after: int) -> Response:
    response = error_response(429, "check-in quota of this project exceeded", close=True)
    limits = ", ".join(rate_limit_header({"monitor": retry_after}, "quota_exceeded"))
    response.headers += [("Retry-After", str(retry_after)), ("X-Sentry-Rate-Limits", limits)]
    return response
