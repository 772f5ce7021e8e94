"""How attachments are kept: one copy per content, zstd-compressed unless already compressed.

Readers use `original_bytes(attachment)` (the bytes exactly as the SDK sent them) and never
look at `Attachment.data` themselves; `delete_for_events` removes an event's attachments and
user feedback together with the event.
"""

import hashlib

import zstandard
from django.db.models import QuerySet

from .models import Attachment, UserFeedback

ZSTD_LEVEL = 3
# Formats that are compressed already: a second compression costs CPU and saves nothing.
_COMPRESSED_MAGIC = (
    b"\x1f\x8b",  # gzip
    b"\x28\xb5\x2f\xfd",  # zstd
    b"PK\x03\x04",  # zip and everything built on it (docx, jar, apk, ...)
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",  # 7z
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # jpeg
    b"GIF8",
    b"\x04\x22\x4d\x18",  # lz4 frame
)
_COMPRESSED_TYPES = (
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "video/", "audio/",
    "application/zip", "application/gzip", "application/x-gzip", "application/zstd",
    "application/x-7z-compressed", "application/x-xz", "application/x-bzip2",
)  # fmt: skip


def is_compressed(data: bytes, content_type: str) -> bool:
    """Whether `data` is in a compressed format already (by magic bytes or content type)."""
    if data.startswith(_COMPRESSED_MAGIC):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    content_type = content_type.split(";", 1)[0].strip().lower()
    return content_type.startswith(_COMPRESSED_TYPES)


def prepare(attachment: Attachment, data: bytes) -> Attachment:
    """Fill in the content hash, the size and the stored (maybe compressed) bytes."""
    attachment.size = len(data)
    attachment.sha256 = hashlib.sha256(data).hexdigest()
    if is_compressed(data, attachment.content_type):
        attachment.compression, attachment.data = "", data
    else:
        attachment.compression = "zstd"
        attachment.data = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(data)
    return attachment


def original_bytes(attachment: Attachment) -> bytes:
    """The attachment exactly as the SDK sent it."""
    data = bytes(attachment.data)
    if attachment.compression == "zstd":
        return zstandard.ZstdDecompressor().decompress(data, max_output_size=attachment.size)
    return data


def delete_for_events(project_id: int, event_ids: QuerySet | list[str]) -> None:
    """Delete the attachments and the user feedback of these events of the project."""
    Attachment.objects.filter(project_id=project_id, event_id__in=event_ids).delete()
    UserFeedback.objects.filter(project_id=project_id, event_id__in=event_ids).delete()
