"""Finding and checking the DSN key of an ingest request.

SDKs put the public key in one of four places: the X-Sentry-Auth header, an Authorization
header of the same form, the `sentry_key` query parameter (browsers, which cannot set headers
without a preflight) or the `dsn` in the envelope header.
"""

import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from projects.models import ProjectKey

from .blocking import run_blocking
from .errors import Forbidden, Unauthorized
from .request import IngestRequest

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
KEY_CACHE_SECONDS = 10.0


def parse_auth_header(value: str) -> dict[str, str]:
    """`Sentry sentry_key=abc, sentry_version=7` -> {"sentry_key": "abc", ...}."""
    value = value.strip()
    if value[:7].lower() == "sentry ":
        value = value[7:]
    result = {}
    for part in value.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            result[key.strip()] = val.strip()
    return result


def public_key_from_request(request: IngestRequest) -> str | None:
    for header in ("x-sentry-auth", "authorization"):
        value = request.headers.get(header)
        if value and (header == "x-sentry-auth" or value[:7].lower() == "sentry "):
            key = parse_auth_header(value).get("sentry_key")
            if key:
                return key
    return request.query.get("sentry_key") or None


def public_key_from_dsn(dsn: object) -> str | None:
    if not isinstance(dsn, str):
        return None
    try:
        return urlsplit(dsn).username or None
    except ValueError:
        return None


def check_envelope_dsn(dsn: object, public_key: str, project_id: int) -> None:
    """Refuse an envelope whose header `dsn` names another key or project than the request.

    The header, query or DSN key authenticated the request for `project_id`; an envelope that
    says it was meant for another project or key is a misrouted or forged one (Relay refuses it
    too). Without a `dsn` header (most SDKs) there is nothing to compare.
    """
    if dsn is None:
        return
    dsn_key, dsn_project = _dsn_parts(dsn)
    if dsn_key is None or dsn_project is None:
        raise Forbidden("the envelope header's dsn is not a valid DSN", reason="dsn_mismatch")
    if dsn_key.lower() != public_key.lower():
        raise Forbidden(
            "the envelope header's dsn names another key than the one this request authenticates"
            " with",
            reason="dsn_mismatch",
        )
    if dsn_project != project_id:
        raise Forbidden(
            f"the envelope header's dsn names project {dsn_project}, but this request is for "
            f"project {project_id}",
            reason="dsn_mismatch",
        )


def _dsn_parts(dsn: object) -> tuple[str | None, int | None]:
    if not isinstance(dsn, str):
        return None, None
    try:
        parts = urlsplit(dsn)
        key = parts.username
    except ValueError:
        return None, None
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return key or None, int(last) if last.isdigit() and len(last) <= 18 else None


@dataclass(frozen=True)
class KeyInfo:
    project_id: int
    is_active: bool


class _KeyCache:
    """Public key -> (project, active), held briefly so ingest does not query per request.

    Deactivating a key takes effect within KEY_CACHE_SECONDS in every process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, KeyInfo | None]] = {}

    def cached(self, public_key: str) -> KeyInfo | None | object:
        """The cached answer, or NOT_CACHED when the database has to be asked (load())."""
        entry = self._entries.get(public_key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return NOT_CACHED

    def load(self, public_key: str) -> KeyInfo | None:
        """Ask the database (blocking) and cache the answer, a negative one included."""
        row = (
            ProjectKey.objects.filter(public_key=public_key)
            .values_list("project_id", "is_active")
            .first()
        )
        info = KeyInfo(project_id=row[0], is_active=row[1]) if row else None
        with self._lock:
            if len(self._entries) > 10_000:  # unknown keys from a scanner must not grow this
                self._entries.clear()
            self._entries[public_key] = (time.monotonic() + KEY_CACHE_SECONDS, info)
        return info

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


NOT_CACHED = object()
key_cache = _KeyCache()


async def authenticate(public_key: str | None, project_id: int) -> None:
    """Raise Unauthorized/Forbidden unless `public_key` is an active key of `project_id`."""
    if not public_key:
        raise Unauthorized("no sentry_key in X-Sentry-Auth, Authorization, query string or DSN")
    public_key = public_key.lower()
    if not KEY_RE.match(public_key):
        raise Forbidden("malformed sentry_key: expected 32 hex characters", reason="key_malformed")
    info = key_cache.cached(public_key)
    if info is NOT_CACHED:
        info = await run_blocking(key_cache.load, public_key)
    if info is None:
        raise Forbidden("unknown sentry_key", reason="key_unknown")
    if info.project_id != project_id:
        raise Forbidden(
            f"sentry_key does not belong to project {project_id}", reason="key_wrong_project"
        )
    if not info.is_active:
        raise Forbidden("sentry_key is disabled", reason="key_inactive")
