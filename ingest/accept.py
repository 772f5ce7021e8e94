"""Turning a parsed envelope (or a store body) into the rows to persist.

Nothing here understands the event beyond "it is a JSON object with an id": the real work
happens in digestion, off the request path. Everything is validated before anything is
written, and nothing here touches the database: the caller spools `rows` (group commit) and
stores `others` (attachments, feedback) off the event loop.

Events over INGEST_MAX_EVENT_BYTES (a deep recursion's stack with its locals is easily 10 MB)
are taken as well, up to the decompressed-body limit, and trimmed by digestion
(events/oversize.py). They are not parsed here: parsing takes the GIL for tens of milliseconds
per 10 MB, and a payload of tiny containers costs ten times its size in memory, which is the
event loop's and every other request's problem. Their outline is checked instead (a JSON object)
and their id comes from the envelope header, where SDKs put it.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import transaction

from datapolicy.policy import attachments_wanted
from events.attachments import prepare as prepare_attachment
from events.models import Attachment, UserFeedback
from events.spool_format import pack
from monitors.models import CheckIn

from . import outcomes
from .categories import category_of, is_stored
from .checkins import check_in_from_item, request_processing
from .client_reports import read_client_report
from .envelope import Envelope, Item
from .errors import BadRequest, PayloadTooLarge
from .group_commit import SpoolRow
from .json_object import decode_json_object
from .security import security_events

EVENT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
# A check-in repeated (same id and status) within this window is an SDK's resend.
RESEND_WINDOW = timedelta(hours=1)


class Tally(dict):
    """Counts per key, a missing key counting 0: what a Counter does here, without Counter's
    constructor written in Python, which every request would pay three times."""

    def __missing__(self, key: str) -> int:
        return 0


@dataclass
class Accepted:
    event_id: str | None
    rows: list[SpoolRow] = field(default_factory=list)  # the events, for the spool
    others: list[Attachment | UserFeedback | CheckIn] = field(default_factory=list)
    # Items per category: taken, dropped because their quota is exhausted, not stored here.
    counts: Tally = field(default_factory=Tally)
    over_quota: Tally = field(default_factory=Tally)
    unstored: Tally = field(default_factory=Tally)
    # What the SDK says it dropped itself (client reports): (reason, category, quantity).
    discarded: list[tuple[str, str, int]] = field(default_factory=list)
    quota_limits: dict[str, int] = field(default_factory=dict)  # {category: retry after}


def normalize_event_id(value: object) -> str | None:
    """32 lowercase hex chars, accepting the dashed UUID form; None when it is not an id."""
    if not isinstance(value, str):
        return None
    candidate = value.replace("-", "").lower()
    return candidate if EVENT_ID_RE.match(candidate) else None


def _check_event_size(payload: bytes) -> None:
    """For items that are not events (feedback, user reports): those are refused when big."""
    if len(payload) > settings.INGEST_MAX_EVENT_BYTES:
        raise PayloadTooLarge(
            f"item of {len(payload)} bytes exceeds the limit of "
            f"{settings.INGEST_MAX_EVENT_BYTES} bytes",
            reason="event_too_large",
        )


# Outline of an oversized event: how far from either end to look for its braces.
_OUTLINE_WINDOW = 4096


def decode_event(payload: bytes, what: str) -> dict | None:
    """The event as a dict; None for an oversized one, whose outline alone is checked."""
    if len(payload) <= settings.INGEST_MAX_EVENT_BYTES:
        return decode_json_object(payload, what)
    head = payload[:_OUTLINE_WINDOW].lstrip()
    tail = payload[-_OUTLINE_WINDOW:].rstrip()
    if not (head.startswith(b"{") and tail.endswith(b"}")):
        raise BadRequest(f"{what} must be a JSON object", reason="bad_json")
    return None


def accept_store_body(
    project_id: int, data: bytes, received_at: datetime, remote_addr: str
) -> Accepted:
    """The legacy /store/ endpoint: the body is one event."""
    event = decode_event(data, "event")
    event_id = normalize_event_id(event.get("event_id")) if event else None
    event_id = event_id or uuid.uuid4().hex
    rows = [_row(project_id, event_id, data, received_at, remote_addr)]
    return Accepted(event_id, rows=rows, counts=Tally(error=1))


def accept_security_body(
    project_id: int, data: bytes, received_at: datetime, remote_addr: str, user_agent: str
) -> Accepted:
    """The security endpoint: each report of the body becomes an event (security.py)."""
    events = security_events(data, user_agent)
    rows = [
        _row(project_id, event["event_id"], orjson.dumps(event), received_at, remote_addr)
        for event in events
    ]
    event_id = events[0]["event_id"] if len(events) == 1 else None
    return Accepted(event_id, rows=rows, counts=Tally(security=len(rows)))


def accept_envelope(
    project_id: int,
    envelope: Envelope,
    received_at: datetime,
    remote_addr: str,
    over_quota: frozenset[str] = frozenset(),
) -> Accepted:
    """The rows and objects to store; items of the categories in `over_quota` are dropped."""
    envelope_event_id = normalize_event_id(envelope.headers.get("event_id"))
    rows: list[SpoolRow] = []
    others: list[Attachment | UserFeedback | CheckIn] = []
    event_id = envelope_event_id
    result = Accepted(None, rows=rows, others=others)
    # Everything is validated before anything is written: a bad item rejects the whole
    # envelope, so the SDK's retry (or the user's fix) cannot half-duplicate it.
    for item in envelope.items:
        category = category_of(item.type)
        if category in over_quota:
            result.over_quota[category] += 1
            continue
        if not is_stored(category):
            # Taken and dropped (transactions, sessions, replays, ...): the SDK must not retry
            # what this server does not keep; the answer tells it to stop sending them.
            result.unstored[category] += 1
            continue
        result.counts[category] += 1
        if item.type == "event":
            event = decode_event(item.payload, "event item")
            # The envelope header's event_id wins over the payload's (protocol rule).
            event_id = envelope_event_id
            if event_id is None and event is not None:
                event_id = normalize_event_id(event.get("event_id"))
            event_id = event_id or uuid.uuid4().hex
            rows.append(_row(project_id, event_id, item.payload, received_at, remote_addr))
        elif item.type == "attachment":
            others.append(_attachment(project_id, envelope_event_id, item, received_at))
        elif item.type == "user_report":
            others.append(_user_report(project_id, item, received_at))
        elif item.type == "feedback":
            feedback = _feedback(project_id, envelope_event_id, item, received_at)
            others.append(feedback)
            event_id = event_id or feedback.feedback_id
        elif item.type == "client_report":
            result.discarded += read_client_report(item.payload)
        elif item.type == "check_in":
            others.append(check_in_from_item(project_id, item.payload, received_at))
    result.event_id = event_id
    return result


def store_others(others: list[Attachment | UserFeedback | CheckIn]) -> None:
    """Persist attachments, feedback and check-ins (blocking: call off the event loop)."""
    others = _without_unwanted_attachments(others)
    with transaction.atomic():
        for obj in others:
            if isinstance(obj, Attachment):
                prepare_attachment(obj, obj.data)  # hash and compress, off the event loop
            if not _already_stored(obj):
                obj.save()
    if any(isinstance(obj, CheckIn) for obj in others):
        request_processing()


def _without_unwanted_attachments(
    others: list[Attachment | UserFeedback | CheckIn],
) -> list[Attachment | UserFeedback | CheckIn]:
    """A project may turn attachment storage off (they are never scrubbed): those are filtered.

    One query, and only for requests that carry attachments.
    """
    attachments = [obj for obj in others if isinstance(obj, Attachment)]
    if not attachments:
        return others
    project_id = attachments[0].project_id
    if attachments_wanted(project_id):
        return others
    outcomes.add(project_id, outcomes.FILTERED, "attachments_off", "attachment", len(attachments))
    return [obj for obj in others if not isinstance(obj, Attachment)]


def _already_stored(obj: Attachment | UserFeedback | CheckIn) -> bool:
    """SDKs resend envelopes they did not see acknowledged; keep one copy of each item."""
    if isinstance(obj, CheckIn):
        return (
            bool(obj.check_in_id)
            and CheckIn.objects.filter(
                project_id=obj.project_id,
                check_in_id=obj.check_in_id,
                status=obj.status,
                received_at__gte=obj.received_at - RESEND_WINDOW,
            ).exists()
        )
    if isinstance(obj, Attachment):
        # By content: two different files of one name and size are two attachments.
        same = Attachment.objects.filter(sha256=obj.sha256)
    elif obj.feedback_id:
        same = UserFeedback.objects.filter(feedback_id=obj.feedback_id)
    else:
        same = UserFeedback.objects.filter(feedback_id="", comments=obj.comments)
    return same.filter(project_id=obj.project_id, event_id=obj.event_id).exists()


def _row(
    project_id: int, event_id: str, payload: bytes, received_at: datetime, remote_addr: str
) -> SpoolRow:
    return SpoolRow(project_id, event_id, received_at, pack(payload), remote_addr[:45])


def _attachment(
    project_id: int, event_id: str | None, item: Item, received_at: datetime
) -> Attachment:
    if len(item.payload) > settings.INGEST_MAX_ATTACHMENT_BYTES:
        raise PayloadTooLarge(
            f"attachment of {len(item.payload)} bytes exceeds the limit of "
            f"{settings.INGEST_MAX_ATTACHMENT_BYTES} bytes",
            reason="attachment_too_large",
        )
    if event_id is None:
        raise BadRequest("an attachment needs an event_id in the envelope header")
    return Attachment(
        project_id=project_id,
        event_id=event_id,
        filename=_text(item.headers.get("filename"), 255) or "attachment",
        content_type=_text(item.headers.get("content_type"), 100),
        attachment_type=_text(item.headers.get("attachment_type"), 50) or "event.attachment",
        size=len(item.payload),
        data=item.payload,  # as sent; store_others hashes and compresses it
        received_at=received_at,
    )


def _user_report(project_id: int, item: Item, received_at: datetime) -> UserFeedback:
    _check_event_size(item.payload)
    report = decode_json_object(item.payload, "user_report item")
    event_id = normalize_event_id(report.get("event_id"))
    if event_id is None:
        raise BadRequest("user_report item needs an event_id")
    return UserFeedback(
        project_id=project_id,
        event_id=event_id,
        name=_text(report.get("name"), 255),
        email=_text(report.get("email"), 255),
        comments=_text(report.get("comments"), 10_000),
        received_at=received_at,
    )


def _feedback(
    project_id: int, envelope_event_id: str | None, item: Item, received_at: datetime
) -> UserFeedback:
    _check_event_size(item.payload)
    event = decode_json_object(item.payload, "feedback item")
    contexts = event.get("contexts")
    feedback = contexts.get("feedback") if isinstance(contexts, dict) else None
    if not isinstance(feedback, dict):
        raise BadRequest("feedback item needs contexts.feedback")
    feedback_id = envelope_event_id or normalize_event_id(event.get("event_id"))
    return UserFeedback(
        project_id=project_id,
        event_id=normalize_event_id(feedback.get("associated_event_id")) or "",
        feedback_id=feedback_id or uuid.uuid4().hex,
        name=_text(feedback.get("name"), 255),
        email=_text(feedback.get("contact_email"), 255),
        comments=_text(feedback.get("message"), 10_000),
        url=_text(feedback.get("url"), 1000),
        received_at=received_at,
    )


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""
