"""Assembling an uploaded file from its chunks, with the states sentry-cli polls for.

    POST .../artifactbundle/assemble/  {"checksum", "chunks": [...], "projects", "version", "dist"}
    -> {"state": "not_found" | "ok" | "error", "missingChunks": [...], "detail": ...}

sentry-cli first asks with every chunk's checksum and uploads only the ones reported missing
(`not_found` with `missingChunks` is the normal first answer, not an error), then asks again
until the state is `ok` or `error`. Assembly runs in the request: the file is bounded by
API_UPLOAD_MAX_FILE_BYTES, and the outcome is remembered (`AssembleResult`) so the polls that
follow answer at once. A file that fails (its checksum differs from the chunks', or the
storage refuses it: a zip bomb, a path outside the bundle...) is an `error` with the reason.
"""

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from ninja.errors import HttpError

from api.chunks import CHECKSUM_RE, chunks_size, drop_chunks, missing_chunks, read_file
from api.models import AssembleResult
from projects.models import Team

logger = logging.getLogger("bugsink.api")


class StoreRefused(Exception):
    """The assembled file was refused by its storage; the message says why, for the client."""


def check_checksums(checksum: str, chunks: list[str]) -> tuple[str, list[str]]:
    """Lower-cased SHA-1s, or a 400 naming the first one that is not."""
    checksum = checksum.lower()
    if not CHECKSUM_RE.match(checksum):
        raise HttpError(400, f"checksum {checksum[:60]!r} is not a SHA-1 checksum")
    lowered = [c.lower() for c in chunks]
    for chunk in lowered:
        if not CHECKSUM_RE.match(chunk):
            raise HttpError(400, f"chunk checksum {chunk[:60]!r} is not a SHA-1 checksum")
    max_chunks = settings.API_UPLOAD_MAX_FILE_BYTES // (1024 * 1024) + 1
    if len(lowered) > max_chunks:
        raise HttpError(413, f"{len(lowered)} chunks: more than a file may have")
    return checksum, lowered


def target_key(*parts: object) -> str:
    """A digest of what the file is assembled for (kind, projects, release, dist)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _answer(state: str, missing: list[str] | None = None, detail: str | None = None) -> dict:
    return {"state": state, "missingChunks": missing or [], "detail": detail}


def assemble(
    team: Team, checksum: str, chunks: list[str], target: str, store: Callable[[bytes], None]
) -> dict:
    """Assemble the file `checksum` from `chunks` once for `target`, storing it with `store`."""
    done = AssembleResult.objects.filter(team=team, checksum=checksum, target=target).first()
    if done is not None:
        return _answer(done.state, detail=done.detail or None)
    if not chunks:
        return _answer("not_found", detail="no chunks given")
    missing = missing_chunks(team, chunks)
    if missing:
        return _answer("not_found", missing, f"{len(missing)} chunk(s) not uploaded yet")

    state, detail = "ok", ""
    size = chunks_size(team, chunks)
    if size > settings.API_UPLOAD_MAX_FILE_BYTES:
        state = "error"
        detail = f"the file is {size} bytes; at most {settings.API_UPLOAD_MAX_FILE_BYTES} allowed"
    else:
        data = read_file(team, chunks)
        actual = hashlib.sha1(data).hexdigest()
        if actual != checksum:
            state = "error"
            detail = f"the chunks make a file with SHA-1 {actual}, not {checksum}"
        else:
            try:
                store(data)
            except StoreRefused as e:
                state, detail = "error", str(e)[:500]
    if state == "error":
        logger.info("assemble of %s for team %s refused: %s", checksum, team.pk, detail)
    AssembleResult.objects.get_or_create(
        team=team, checksum=checksum, target=target, defaults={"state": state, "detail": detail}
    )
    drop_chunks(team, chunks)
    return _answer(state, detail=detail or None)
