"""The ingest pipeline of one request: quota, authenticate, read, decompress, validate, persist.

It does as little as possible per request: no event parsing beyond JSON validity, no grouping,
no database round trip of its own on the hot path (keys and quotas are answered from memory,
rows go to the loop's group commit). Every refusal is a clear status with a JSON `detail`.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from ingest.scheduling import request_digest

from .accept import (
    Accepted,
    accept_envelope,
    accept_security_body,
    accept_store_body,
    store_others,
)
from .auth import authenticate, check_envelope_dsn, public_key_from_dsn, public_key_from_request
from .blocking import run_blocking
from .body import Receive, declared_length, read_body
from .categories import NOT_STORED_RETRY_AFTER, QUOTA_OF, category_of, rate_limit_header
from .decompress import decompress
from .envelope import Envelope, parse_envelope
from .errors import IngestError, PayloadTooLarge, QuotaExceeded
from .group_commit import committer
from .legacy import decode_legacy_store_body
from .outcomes import ACCEPTED, CLIENT_DISCARD, FILTERED, REFUSED
from .quota import NEEDS_READ, REFUSAL_DETAIL, check_quota, count_accepted
from .rejections import record_outcome, record_rejection
from .request import IngestRequest
from .response import Response, error_response

logger = logging.getLogger("bugsink.ingest")

# Bodies that decompress to at most this much are decoded and validated on the event loop
# (microseconds for a typical event, about a millisecond at the limit); bigger ones, and
# decompression bombs, in a thread, so one huge upload cannot stall everyone else.
INLINE_DECODED_BYTES = 1024 * 1024

T = TypeVar("T")


async def handle_post(request: IngestRequest, receive: Receive) -> Response:
    return await _Pipeline(request, receive).run()


class _Pipeline:
    def __init__(self, request: IngestRequest, receive: Receive) -> None:
        self.request = request
        self.receive = receive
        self.body_read = False

    async def run(self) -> Response:
        project_id = self.request.project_id
        try:
            if self.request.endpoint != "envelope":
                # One event, of a known category: a project over quota is refused unread.
                retry_after = await _quota(project_id, "error")
                if retry_after is not None:
                    raise QuotaExceeded(REFUSAL_DETAIL, {"error": retry_after})
            if self.request.endpoint == "envelope":
                accepted = await self._envelope(timezone.now())
            elif self.request.endpoint == "security":
                accepted = await self._security(timezone.now())
            else:
                accepted = await self._store(timezone.now())
            if accepted.others:
                await run_blocking(store_others, accepted.others)
            if accepted.rows:
                await committer.store(accepted.rows)
        except QuotaExceeded as e:
            record_rejection(project_id, e.reason, e.status, e.detail)
            return _quota_response(e.limits)
        except IngestError as e:
            record_rejection(project_id, e.reason, e.status, e.detail)
            # A body we did not read to its end would have to be drained first; close instead.
            return error_response(e.status, e.detail, close=not self.body_read)
        except DatabaseError:
            # Our problem, not the client's: 503 tells the SDK to retry later.
            logger.exception("ingest could not persist for project %s", project_id)
            response = error_response(503, "temporarily unable to store events")
            response.headers.append(("Retry-After", "10"))
            return response
        if accepted.rows:
            request_digest(project_id)
        response = Response(200, {"id": accepted.event_id} if accepted.event_id else {})
        rate_limits = _count_outcomes(project_id, accepted)
        if rate_limits:
            response.headers.append(("X-Sentry-Rate-Limits", rate_limits))
        return response

    async def _envelope(self, received_at: datetime) -> Accepted:
        request = self.request
        public_key = public_key_from_request(request)
        if public_key:
            await authenticate(public_key, request.project_id)  # refuse strangers before the body
        data, offload = await _decoded(await self._read(), request)
        envelope: Envelope = await _compute(offload, parse_envelope, data)
        if not public_key:
            public_key = public_key_from_dsn(envelope.headers.get("dsn"))
            await authenticate(public_key, request.project_id)
        check_envelope_dsn(envelope.headers.get("dsn"), public_key, request.project_id)
        over_quota = await _over_quota(request.project_id, envelope)
        accepted = await _compute(
            offload, accept_envelope, request.project_id, envelope, received_at,
            request.remote_addr, frozenset(over_quota),
        )  # fmt: skip
        accepted.quota_limits = over_quota
        return accepted

    async def _store(self, received_at: datetime) -> Accepted:
        request = self.request
        await authenticate(public_key_from_request(request), request.project_id)
        data, offload = await _decoded(await self._read(), request)
        limit = settings.INGEST_MAX_DECOMPRESSED_BYTES
        data = await _compute(offload, decode_legacy_store_body, data, limit)
        return await _compute(
            offload, accept_store_body, request.project_id, data, received_at,
            request.remote_addr,
        )  # fmt: skip

    async def _security(self, received_at: datetime) -> Accepted:
        request = self.request
        await authenticate(public_key_from_request(request), request.project_id)
        data, offload = await _decoded(await self._read(), request)
        return await _compute(
            offload, accept_security_body, request.project_id, data, received_at,
            request.remote_addr, request.headers.get("user-agent", ""),
        )  # fmt: skip

    async def _read(self) -> bytes:
        limit = settings.INGEST_MAX_REQUEST_BYTES
        declared_length(self.request.headers, limit)
        body = await read_body(self.receive, limit, settings.INGEST_READ_TIMEOUT)
        self.body_read = True
        return body


async def _quota(project_id: int, quota: str) -> int | None:
    verdict = check_quota(project_id, quota, may_read=False)
    if verdict is NEEDS_READ:
        verdict = await run_blocking(check_quota, project_id, quota)
    return verdict  # type: ignore[return-value]


async def _over_quota(project_id: int, envelope: Envelope) -> dict[str, int]:
    """{category: seconds} of the envelope's categories whose quota is exhausted.

    Only the quotas of the categories the envelope carries are looked at. When its event is
    over quota the whole envelope is refused (429); other categories over quota are dropped
    from an envelope that is otherwise taken.
    """
    limited: dict[str, int] = {}
    seen: set[str] = set()
    for item in envelope.items:
        category = category_of(item.type)
        quota = QUOTA_OF.get(category)
        if quota is None or category in seen:
            continue
        seen.add(category)
        retry_after = await _quota(project_id, quota)
        if retry_after is not None:
            limited[category] = retry_after
    if "error" in limited:
        raise QuotaExceeded(REFUSAL_DETAIL, limited)
    return limited


def _quota_response(limits: dict[str, int]) -> Response:
    response = error_response(429, REFUSAL_DETAIL, close=True)
    response.headers += [
        ("Retry-After", str(max(limits.values()))),
        ("X-Sentry-Rate-Limits", ", ".join(rate_limit_header(limits, "quota_exceeded"))),
    ]
    return response


def _count_outcomes(project_id: int, accepted: Accepted) -> str:
    """Count what became of the items (memory only); the rate limits to answer with, if any."""
    for category, n in accepted.counts.items():
        quota = QUOTA_OF.get(category)
        if quota is not None:
            count_accepted(project_id, quota, n)
        record_outcome(project_id, ACCEPTED, "", category, n)
    for category, n in accepted.over_quota.items():
        record_outcome(project_id, REFUSED, "quota", category, n)
    for category, n in accepted.unstored.items():
        record_outcome(project_id, FILTERED, "not_stored", category, n)
    for reason, category, n in accepted.discarded:
        record_outcome(project_id, CLIENT_DISCARD, reason, category, n)
    if not (accepted.quota_limits or accepted.unstored):
        return ""
    groups = rate_limit_header(accepted.quota_limits, "quota_exceeded")
    unstored = {category: NOT_STORED_RETRY_AFTER for category in accepted.unstored}
    groups += rate_limit_header(unstored, "not_stored")
    return ", ".join(groups)


async def _decoded(body: bytes, request: IngestRequest) -> tuple[bytes, bool]:
    """The decompressed body, and whether the work on it belongs in a thread (it is big)."""
    encoding = request.headers.get("content-encoding", "")
    limit = settings.INGEST_MAX_DECOMPRESSED_BYTES
    try:
        data = decompress(body, encoding, min(limit, INLINE_DECODED_BYTES))
    except PayloadTooLarge:
        if limit <= INLINE_DECODED_BYTES:
            raise
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, decompress, body, encoding, limit), True
    return data, len(data) > INLINE_DECODED_BYTES  # not compressed: as big as it came


async def _compute(offload: bool, func: Callable[..., T], *args: object) -> T:
    if not offload:
        return func(*args)
    return await asyncio.get_running_loop().run_in_executor(None, func, *args)
