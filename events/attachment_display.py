"""Reads of an event's attachments: the list (no bytes), one attachment's bytes, a text preview.

Attachment bytes are hostile input: they are only ever served as a download (events/
attachment_views.py) or shown as escaped text, never rendered by the browser.
"""

from django.db.models import QuerySet

from events.attachments import original_bytes
from events.models import Attachment, Event

PREVIEW_BYTES = 64 * 1024
# Types whose bytes are text a person reads; anything else is previewed only if its bytes
# decode as UTF-8 and its name says it is text.
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-ndjson")
TEXT_SUFFIXES = (".txt", ".log", ".json", ".xml", ".csv", ".md", ".yaml", ".yml", ".ini")


def event_attachments(event: Event) -> list[Attachment]:
    """The event's attachments, oldest first, without their bytes (one query); each with
    `is_text` (whether it has a text preview)."""
    rows = list(_of_event(event).defer("data").order_by("received_at", "pk"))
    for attachment in rows:
        attachment.is_text = is_text(attachment)
    return rows


def attachment_of_event(event: Event, attachment_pk: int) -> Attachment | None:
    return _of_event(event).filter(pk=attachment_pk).first()


def _of_event(event: Event) -> QuerySet[Attachment]:
    return Attachment.objects.filter(project_id=event.project_id, event_id=event.event_id)


def attachment_bytes(attachment: Attachment) -> bytes:
    """The attachment's original bytes, exactly as the SDK sent them (stored compressed and
    deduplicated by events/attachments.py)."""
    return original_bytes(attachment)


def is_text(attachment: Attachment) -> bool:
    content_type = attachment.content_type.lower()
    if content_type.startswith(TEXT_TYPES):
        return True
    return not content_type and attachment.filename.lower().endswith(TEXT_SUFFIXES)


def text_preview(attachment: Attachment) -> tuple[str, bool] | None:
    """The start of a text attachment as text, and whether it was cut; None for binary data.

    The template escapes it like any other event data.
    """
    if not is_text(attachment):
        return None
    data = attachment_bytes(attachment)
    cut = len(data) > PREVIEW_BYTES
    text = data[:PREVIEW_BYTES].decode("utf-8", errors="replace")
    return text, cut
