"""The normalized event and `normalize_event`, which builds it interface by interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from events.normalize.attributes import read_event_type, read_level, read_platform
from events.normalize.breadcrumbs import read_breadcrumbs
from events.normalize.contexts import read_contexts
from events.normalize.data import read_mapping, scrubbing
from events.normalize.exception import read_exceptions
from events.normalize.fields import first_present, read_text
from events.normalize.fingerprint import read_fingerprint
from events.normalize.ids_and_times import read_event_id, read_timestamp
from events.normalize.message import read_message
from events.normalize.problems import Problems
from events.normalize.request import read_request
from events.normalize.sdk import read_sdk
from events.normalize.security import read_checksum, read_csp
from events.normalize.stacktrace import read_stacktrace
from events.normalize.tags import read_tags
from events.normalize.threads import attach_thread_stacktraces, read_threads
from events.normalize.user import read_user, resolve_auto_ip

if TYPE_CHECKING:
    from datapolicy.scrub import Scrubber

# Event types whose report is kept under the interface of the same name (`"csp": {...}`).
SECURITY_REPORT_TYPES = frozenset({"csp", "hpkp", "expectct", "expectstaple"})


@dataclass
class NormalizedEvent:
    """A bounded, well-typed view of one event; the package docstring lists the guarantees."""

    event_id: str
    timestamp: datetime
    received_at: datetime
    platform: str = "other"
    level: str = "error"
    type: str = "default"
    logger: str | None = None
    transaction: str | None = None
    release: str | None = None
    environment: str | None = None
    server_name: str | None = None
    dist: str | None = None
    message: str | None = None
    message_template: str | None = None
    # Oldest -> newest, as on the wire: the last entry is the exception raised last.
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    stacktrace: dict[str, Any] | None = None
    breadcrumbs: list[dict[str, Any]] = field(default_factory=list)
    request: dict[str, Any] | None = None
    user: dict[str, Any] | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sdk_name: str | None = None
    sdk_version: str | None = None
    fingerprint: list[str] | None = None
    # A browser security report (CSP, Expect-CT, ...), under its interface name; ingest's
    # security endpoint makes these events (ingest/security.py).
    security_report: dict[str, Any] = field(default_factory=dict)
    checksum: str | None = None
    csp: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    modules: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def main_exception(self) -> dict[str, Any] | None:
        """The exception raised last (the last entry on the wire), or None."""
        return self.exceptions[-1] if self.exceptions else None

    def all_frames(self) -> Iterator[dict[str, Any]]:
        """Every frame of the event: exceptions first, then threads, then the bare stacktrace."""
        stacktraces = [exc.get("stacktrace") for exc in self.exceptions]
        stacktraces += [thread.get("stacktrace") for thread in self.threads]
        stacktraces.append(self.stacktrace)
        for stacktrace in stacktraces:
            if stacktrace:
                yield from stacktrace.get("frames") or ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable document of the event (datetimes as ISO 8601 strings).

        Nested structures are shared with the event, not copied: treat the result as read-only.
        """
        return {
            "event_id": self.event_id,
            "timestamp": self.timestamp.isoformat(),
            "received_at": self.received_at.isoformat(),
            "platform": self.platform,
            "level": self.level,
            "type": self.type,
            "logger": self.logger,
            "transaction": self.transaction,
            "release": self.release,
            "environment": self.environment,
            "server_name": self.server_name,
            "dist": self.dist,
            "message": self.message,
            "message_template": self.message_template,
            "exceptions": self.exceptions,
            "threads": self.threads,
            "stacktrace": self.stacktrace,
            "breadcrumbs": self.breadcrumbs,
            "request": self.request,
            "user": self.user,
            "tags": [[key, value] for key, value in self.tags],
            "contexts": self.contexts,
            "sdk_name": self.sdk_name,
            "sdk_version": self.sdk_version,
            "fingerprint": self.fingerprint,
            "security_report": self.security_report,
            "checksum": self.checksum,
            "csp": self.csp,
            "extra": self.extra,
            "modules": self.modules,
            "errors": self.errors,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> NormalizedEvent:
        """Rebuild an event from a document made by `to_dict` (trusted input: our own storage)."""
        values = dict(doc)
        values["timestamp"] = datetime.fromisoformat(doc["timestamp"])
        values["received_at"] = datetime.fromisoformat(doc["received_at"])
        values["tags"] = [(key, value) for key, value in doc.get("tags") or ()]
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in values.items() if key in known})


def normalize_event(
    raw: object,
    *,
    received_at: datetime,
    event_id: str | None = None,
    remote_addr: str = "",
    scrubber: Scrubber | None = None,
) -> NormalizedEvent:
    """Normalize one event payload. Never raises; problems end up in `.errors`.

    `event_id`, when given (e.g. from the envelope header), wins over the payload's own id.
    `received_at` is when the server got the event; it stands in for a missing timestamp.
    `remote_addr` is the sender's address, filled in where the SDK asked for `{{auto}}`.
    `scrubber`, when given, scrubs the free-form data (frame variables, extra, contexts, user,
    request body and env, breadcrumb and mechanism data) as it is copied; `scrub_event` with
    the same scrubber does the rest.
    """
    token = scrubbing.set(scrubber)
    try:
        event = _normalize(raw, received_at, event_id, remote_addr)
    finally:
        scrubbing.reset(token)
    if scrubber is not None:
        scrubber.flush()  # the card-number search of every string the copies left to it
    return event


def _normalize(
    raw: object, received_at: datetime, event_id: str | None, remote_addr: str
) -> NormalizedEvent:
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    received_at = received_at.astimezone(UTC)
    problems = Problems()
    if not isinstance(raw, dict):
        problems.add("invalid_data", "event", raw, reason="event is not a JSON object")
        raw = {}

    candidates = [("event_id", event_id), ("event_id", raw.get("event_id"))]
    event = NormalizedEvent(
        event_id=read_event_id(candidates, problems),
        timestamp=read_timestamp(raw.get("timestamp"), received_at, problems),
        received_at=received_at,
    )
    event.platform = read_platform(raw.get("platform"), problems)
    event.level = read_level(raw.get("level"), problems)
    for name in ("logger", "transaction", "release", "environment", "server_name", "dist"):
        setattr(event, name, read_text(raw.get(name), name, problems))
    event.message, event.message_template = read_message(raw, problems)

    event.exceptions = read_exceptions(raw, problems)
    event.threads = read_threads(raw, problems)
    attach_thread_stacktraces(event.exceptions, event.threads)
    event.stacktrace = read_stacktrace(
        first_present(raw, "stacktrace", "sentry.interfaces.Stacktrace"), "stacktrace", problems
    )
    event.type = read_event_type(raw.get("type"), bool(event.exceptions))

    event.breadcrumbs = read_breadcrumbs(raw, problems)
    event.request = read_request(raw, problems)
    event.user = resolve_auto_ip(read_user(raw, problems), remote_addr)
    event.tags = read_tags(raw.get("tags"), problems)
    event.contexts = read_contexts(raw.get("contexts"), problems)
    event.sdk_name, event.sdk_version = read_sdk(raw.get("sdk"), problems)
    event.fingerprint = read_fingerprint(raw.get("fingerprint"), problems)
    if event.type in SECURITY_REPORT_TYPES:
        report = read_mapping(raw.get(event.type), event.type, problems)
        event.security_report = {event.type: report} if report else {}
    event.checksum = read_checksum(raw.get("checksum"), problems)
    event.csp = read_csp(first_present(raw, "csp", "sentry.interfaces.Csp"), problems)
    event.extra = read_mapping(raw.get("extra"), "extra", problems)
    # Package names and versions: a package called `secret-sauce` is not a secret.
    event.modules = read_mapping(
        raw.get("modules"), "modules", problems, node_budget=2000, scrub=False
    )
    event.errors = problems.finish()
    return event
