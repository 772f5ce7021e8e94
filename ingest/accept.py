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

from django.conf import settings
from django.db import transaction

from events.models import Attachment, UserFeedback
from events.spool_format import pack
from monitors.models import CheckIn

from .checkins import check_in_from_item, request_processing
from .envelope import Envelope, Item
from .errors import BadRequest, PayloadTooLarge
from .group_commit import SpoolRow
from .json_object import decode_json_object

EVENT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
# A check-in repeated (same id and status) within this window is an SDK's resend.
RESEND_WINDOW = timedelta(hours=1)


@dataclass
class Accepted:
    event_id: str | None
    rows: list[SpoolRow] = field(default_factory=list)  # the events, for the spool
    others: list[Attachment | UserFeedback | CheckIn] = field(default_factory=list)


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
    return Accepted(event_id, rows=[_row(project_id, event_id, data, received_at, remote_addr)])


def accept_envelope(
    project_id: int, envelope: Envelope, received_at: datetime, remote_addr: str
) -> Accepted:
    envelope_event_id = normalize_event_id(envelope.headers.get("event_id"))
    rows: list[SpoolRow] = []
    others: list[Attachment | UserFeedback | CheckIn] = []
    event_id = envelope_event_id
    # Everything is validated before anything is written: a bad item rejects the whole
    # envelope, so the SDK's retry (or the user's fix) cannot half-duplicate it.
    for item in envelope.items:
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
        elif item.type == "check_in":
            others.append(check_in_from_item(project_id, item.payload, received_at))
        # Any other item (transaction, session, replay, profile, ...) is taken and dropped: the
        # SDK must not retry what this server does not keep.
    return Accepted(event_id, rows=rows, others=others)


def store_others(others: list[Attachment | UserFeedback | CheckIn]) -> None:
    """Persist attachments, feedback and check-ins (blocking: call off the event loop)."""
    with transaction.atomic():
        for obj in others:
            if not _already_stored(obj):
                obj.save()
    if any(isinstance(obj, CheckIn) for obj in others):
        request_processing()


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
        same = Attachment.objects.filter(filename=obj.filename, size=obj.size)
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
        data=item.payload,
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
