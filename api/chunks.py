"""Chunked uploads as sentry-cli does them: it asks for the options (`GET chunk-upload/`), sends
the file in chunks named by their SHA-1 (multipart, each part gzip-compressed or plain), then
asks to assemble the file from the chunks' checksums (api/assemble.py).

Chunks are kept through Django's storage API (the `sourcemaps` storage,
`upload-chunks/<team>/<sha1>`), one row each
(`UploadChunk`) so that "which chunks are missing" is one query. Every chunk is checked against
its name before anything is stored.
"""

import hashlib
import re
import zlib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from api.models import UploadChunk, chunk_storage_name
from projects.models import Team

CHUNK_SIZE = 8 * 1024 * 1024
CHUNKS_PER_REQUEST = 64
# Chunks never assembled (an interrupted upload) are dropped after this long.
STALE_CHUNK_AGE = timedelta(days=1)
CHECKSUM_RE = re.compile(r"^[0-9a-f]{40}$")


def _storage() -> Storage:
    # The storage uploaded source maps go to (sourcemaps app, STORAGES["sourcemaps"]): chunks
    # are their raw material, and live wherever they will.
    return storages["sourcemaps"]


class ChunkRefused(Exception):
    """A refused chunk upload; `status` is the HTTP status, the message says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def upload_options(team: Team) -> dict:
    """The answer to `GET /api/0/organizations/{org}/chunk-upload/`."""
    return {
        "url": f"{settings.BASE_URL}/api/0/organizations/{team.slug}/chunk-upload/",
        "chunkSize": CHUNK_SIZE,
        "chunksPerRequest": CHUNKS_PER_REQUEST,
        "maxFileSize": settings.API_UPLOAD_MAX_FILE_BYTES,
        "maxRequestSize": settings.API_UPLOAD_MAX_REQUEST_BYTES,
        "maxWait": 60,
        "concurrency": 2,
        "hashAlgorithm": "sha1",
        "compression": ["gzip"],
        # Artifact bundles (debug IDs, sentry-cli 2.x and 3.x) and release-file bundles (the
        # legacy path of sentry-cli 2.x without a project).
        "accept": ["release_files", "artifact_bundles", "artifact_bundles_v2", "sources"],
    }


def _read_chunk(field: str, upload: UploadedFile) -> bytes:
    if upload.size is not None and upload.size > CHUNK_SIZE + 1024 * 1024:
        raise ChunkRefused(f"chunk {upload.name[:40]!r} is larger than the chunk size", 413)
    raw = upload.read(CHUNK_SIZE + 1024 * 1024 + 1)
    if field == "file":
        data = raw
    elif field == "file_gzip":
        decoder = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
        try:
            data = decoder.decompress(raw, CHUNK_SIZE + 1)
        except zlib.error as e:
            raise ChunkRefused(f"chunk {upload.name[:40]!r} is not valid gzip: {e}") from e
        if not decoder.eof:
            raise ChunkRefused(
                f"chunk {upload.name[:40]!r} is truncated or larger than the chunk size", 413
            )
    else:
        raise ChunkRefused(f"unknown upload field {field[:40]!r} (use file or file_gzip)")
    if len(data) > CHUNK_SIZE:
        raise ChunkRefused(
            f"chunk {upload.name[:40]!r} is larger than the chunk size ({CHUNK_SIZE} bytes)", 413
        )
    return data


def store_chunks(team: Team, uploads: Iterable[tuple[str, UploadedFile]]) -> int:
    """Check every uploaded chunk against its name (its SHA-1), then store them all.

    Nothing is stored unless every chunk checks out. Returns how many chunks were received.
    """
    checked: dict[str, bytes] = {}
    for field, upload in uploads:
        name = (upload.name or "").lower()
        if not CHECKSUM_RE.match(name):
            raise ChunkRefused(f"chunk name {name[:60]!r} is not a SHA-1 checksum")
        data = _read_chunk(field, upload)
        actual = hashlib.sha1(data).hexdigest()
        if actual != name:
            raise ChunkRefused(f"chunk {name}: checksum mismatch (its content has SHA-1 {actual})")
        checked[name] = data
        if len(checked) > CHUNKS_PER_REQUEST:
            raise ChunkRefused(f"more than {CHUNKS_PER_REQUEST} chunks in one request")
    if not checked:
        raise ChunkRefused("no chunks in the request (multipart fields file or file_gzip)")
    known = set(
        UploadChunk.objects.filter(team=team, checksum__in=list(checked)).values_list(
            "checksum", flat=True
        )
    )
    for checksum, data in checked.items():
        if checksum in known:
            continue
        name = chunk_storage_name(team.pk, checksum)
        if _storage().exists(name):  # a leftover of an interrupted upload: same bytes
            _storage().delete(name)
        _storage().save(name, ContentFile(data))
        UploadChunk.objects.get_or_create(
            team=team, checksum=checksum, defaults={"size": len(data)}
        )
    return len(checked)


def missing_chunks(team: Team, checksums: list[str]) -> list[str]:
    present = set(
        UploadChunk.objects.filter(team=team, checksum__in=set(checksums)).values_list(
            "checksum", flat=True
        )
    )
    return [c for c in dict.fromkeys(checksums) if c not in present]


def chunks_size(team: Team, checksums: list[str]) -> int:
    sizes = dict(
        UploadChunk.objects.filter(team=team, checksum__in=set(checksums)).values_list(
            "checksum", "size"
        )
    )
    return sum(sizes[c] for c in checksums)


def read_file(team: Team, checksums: list[str]) -> bytes:
    """The file the chunks make, in order (the caller checked that all exist and the size)."""
    parts = []
    for checksum in checksums:
        with _storage().open(chunk_storage_name(team.pk, checksum), "rb") as f:
            parts.append(f.read(CHUNK_SIZE + 1))
    return b"".join(parts)


def drop_chunks(team: Team, checksums: Iterable[str]) -> None:
    """Forget chunks once assembled, and the team's chunks no assemble used for a day."""
    stale_before = timezone.now() - STALE_CHUNK_AGE
    rows = UploadChunk.objects.filter(team=team, checksum__in=set(checksums)) | (
        UploadChunk.objects.filter(team=team, created_at__lt=stale_before)
    )
    for checksum in list(rows.values_list("checksum", flat=True)):
        _storage().delete(chunk_storage_name(team.pk, checksum))
    rows.delete()
