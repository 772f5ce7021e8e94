"""The ingest endpoints: authenticate, read, decompress, validate, persist, enqueue, answer.

They do as little as possible per request: no event parsing beyond JSON validity, no
grouping, one transaction. Every refusal is a clear status with a JSON `detail`.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from events.scheduling import request_digest

from .accept import Accepted, accept_envelope, accept_store_body
from .auth import authenticate, public_key_from_dsn, public_key_from_request
from .body import read_body
from .cors import with_cors
from .decompress import decompress
from .envelope import parse_envelope
from .errors import IngestError
from .legacy import decode_legacy_store_body
from .quota import check_quota, count_accepted
from .rejections import record_rejection

logger = logging.getLogger("bugsink.ingest")


def _error_response(status: int, detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    response["X-Sentry-Error"] = detail[:200]
    return response


def _decoded_body(request: HttpRequest) -> bytes:
    body = read_body(request, settings.INGEST_MAX_REQUEST_BYTES)
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "")
    return decompress(body, encoding, settings.INGEST_MAX_DECOMPRESSED_BYTES)


def _ingest(request: HttpRequest, project_id: int, handle) -> HttpResponse:
    if request.method != "POST":
        return _error_response(405, "only POST is accepted here")
    if (over_quota := check_quota(project_id)) is not None:
        return over_quota
    try:
        accepted: Accepted = handle(request, project_id)
    except IngestError as e:
        record_rejection(project_id, e.reason, e.status, e.detail)
        return _error_response(e.status, e.detail)
    except DatabaseError:
        # Our problem, not the client's: 503 tells the SDK to retry later.
        logger.exception("ingest could not persist for project %s", project_id)
        response = _error_response(503, "temporarily unable to store events")
        response["Retry-After"] = "10"
        return response
    if accepted.stored_events:
        count_accepted(project_id, accepted.stored_events)
        request_digest(project_id)
    return JsonResponse({"id": accepted.event_id} if accepted.event_id else {})


def _handle_envelope(request: HttpRequest, project_id: int) -> Accepted:
    received_at = timezone.now()
    public_key = public_key_from_request(request)
    if public_key:
        authenticate(public_key, project_id)  # before reading the body: refuse strangers cheaply
    envelope = parse_envelope(_decoded_body(request))
    if not public_key:
        authenticate(public_key_from_dsn(envelope.headers.get("dsn")), project_id)
    return accept_envelope(project_id, envelope, received_at, _remote_addr(request))


def _handle_store(request: HttpRequest, project_id: int) -> Accepted:
    received_at = timezone.now()
    authenticate(public_key_from_request(request), project_id)
    limit = settings.INGEST_MAX_DECOMPRESSED_BYTES
    data = decode_legacy_store_body(_decoded_body(request), limit)
    return accept_store_body(project_id, data, received_at, _remote_addr(request))


def _remote_addr(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


@csrf_exempt
@with_cors
def envelope_endpoint(request: HttpRequest, project_id: int) -> HttpResponse:
    return _ingest(request, project_id, _handle_envelope)


@csrf_exempt
@with_cors
def store_endpoint(request: HttpRequest, project_id: int) -> HttpResponse:
    return _ingest(request, project_id, _handle_store)
