"""A data subject's events, across projects: found, exported and deleted on request (GDPR).

A subject is named by a user id, an email address or an IP address, as SDKs send them in the
event's `user` (and, for addresses, the request's `REMOTE_ADDR`). Event documents are stored
compressed, so finding them is a scan of every stored event (and of the spool, for events not yet
digested): minutes for millions of events, which suits a request made by hand.

Deletion removes the subject's events with their attachments and feedback, the feedback they sent
about other events (by email), the tag values that name them (`user` tag `id:...`, `email:...`,
`ip:...`, and any tag whose value is the identifier) with their per-Issue counts, and rewrites
every Issue's compression dictionary that holds the identifier: a dictionary is the document of
the Issue's first event, so it can hold the subject's data after their events are gone.
"""

import base64
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson
import zstandard
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from events.models import Attachment, DocumentDictionary, Event, RawEvent, TagValue, UserFeedback
from events.spool_format import unpack
from events.storage import compress_document, decompress_document
from issues.models import IssueTagCount

logger = logging.getLogger("bugsink.privacy")

KINDS = ("user_id", "email", "ip")
# How the `user` tag names a user (events/tags.py): the first of these the event has.
_USER_TAG_PREFIXES = (
    ("id", "id"),
    ("email", "email"),
    ("username", "username"),
    ("ip_address", "ip"),
)
_SCAN_CHUNK = 500


@dataclass(frozen=True)
class Subject:
    kind: str  # one of KINDS
    value: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not self.value.strip():
            raise ValueError("an empty identifier matches nothing")

    @property
    def needle(self) -> str:
        return self.value.strip()

    def matches(self, document: dict) -> bool:
        user = document.get("user") or {}
        if not isinstance(user, dict):
            user = {}
        needle = self.needle
        if self.kind == "user_id":
            return str(user.get("id", "")) == needle
        if self.kind == "email":
            return str(user.get("email", "")).lower() == needle.lower()
        env = ((document.get("request") or {}).get("env")) or {}
        return user.get("ip_address") == needle or env.get("REMOTE_ADDR") == needle

    def identifiers(self, document: dict) -> set[tuple[str, str]]:
        """The (tag prefix, value) pairs by which a matched event names its user."""
        user = document.get("user") or {}
        pairs = {(prefix, str(user[key])) for key, prefix in _USER_TAG_PREFIXES if user.get(key)}
        return pairs | {({"user_id": "id", "email": "email", "ip": "ip"}[self.kind], self.needle)}


@dataclass
class Found:
    events: list[tuple[int, int, str, int]] = field(default_factory=list)  # pk, project, id, issue
    spooled: list[int] = field(default_factory=list)
    identifiers: set[tuple[str, str]] = field(default_factory=set)

    @property
    def tag_values(self) -> list[str]:
        """Tag values that name the subject: `user` tags (`id:...`) and bare identifiers."""
        values = set()
        for prefix, value in self.identifiers:
            values.update((f"{prefix}:{value}", value))
        return sorted(values)

    @property
    def event_ids_by_project(self) -> dict[int, list[str]]:
        result: dict[int, list[str]] = {}
        for _, project_id, event_id, _ in self.events:
            result.setdefault(project_id, []).append(event_id)
        return result


def find(subject: Subject) -> Found:
    found = Found()
    for event, document in _stored_documents():
        if subject.matches(document):
            found.events.append((event.pk, event.project_id, event.event_id, event.issue_id))
            found.identifiers |= subject.identifiers(document)
    for pk, remote_addr, payload in _spooled_payloads():
        if subject.matches(payload) or (subject.kind == "ip" and remote_addr == subject.needle):
            found.spooled.append(pk)
            found.identifiers |= subject.identifiers(payload)
    return found


def export(subject: Subject) -> Iterator[bytes]:
    """The subject's data as one JSON document, produced piece by piece (events can be many)."""
    found = find(subject)
    yield b'{"subject":' + orjson.dumps({"kind": subject.kind, "value": subject.value})
    yield b',"events":['
    for index, (pk, project_id, event_id, issue_id) in enumerate(found.events):
        event = Event.objects.only("data", "dictionary_id").get(pk=pk)
        record = {
            "project_id": project_id,
            "issue_id": issue_id,
            "event_id": event_id,
            "event": decompress_document(event.data, event.dictionary_id),
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "data_base64": base64.b64encode(a.original_bytes()).decode(),
                }
                for a in Attachment.objects.filter(project_id=project_id, event_id=event_id)
            ],
        }
        yield (b"," if index else b"") + orjson.dumps(record)
    yield b'],"feedback":['
    for index, feedback in enumerate(_feedback(subject, found)):
        record = {
            "project_id": feedback.project_id,
            "event_id": feedback.event_id,
            "name": feedback.name,
            "email": feedback.email,
            "comments": feedback.comments,
            "received_at": feedback.received_at.isoformat(),
        }
        yield (b"," if index else b"") + orjson.dumps(record)
    yield b"]}"


@dataclass
class Deleted:
    events: int = 0
    spooled: int = 0
    attachments: int = 0
    feedback: int = 0
    tag_values: int = 0
    dictionaries_rewritten: int = 0


def delete(subject: Subject) -> Deleted:
    found = find(subject)
    result = Deleted()
    with transaction.atomic():
        for project_id, event_ids in found.event_ids_by_project.items():
            result.attachments += Attachment.objects.filter(
                project_id=project_id, event_id__in=event_ids
            ).delete()[0]
        result.feedback = _feedback(subject, found).delete()[0]
        result.events = Event.objects.filter(pk__in=[row[0] for row in found.events]).delete()[0]
        result.dictionaries_rewritten = _rewrite_dictionaries(subject, found)
        values = TagValue.objects.filter(value__in=found.tag_values)
        IssueTagCount.objects.filter(value__in=values).delete()
        result.tag_values = values.delete()[0]
    if found.spooled:
        result.spooled = RawEvent.objects.filter(pk__in=found.spooled).delete()[0]
    logger.info(
        "deleted the data of a %s subject: %d events, %d spooled, %d attachments, "
        "%d feedback, %d tag values, %d dictionaries rewritten",
        subject.kind,
        result.events,
        result.spooled,
        result.attachments,
        result.feedback,
        result.tag_values,
        result.dictionaries_rewritten,
    )
    return result


def _feedback(subject: Subject, found: Found):
    by_event = Q(pk__in=[])
    for project_id, event_ids in found.event_ids_by_project.items():
        by_event |= Q(project_id=project_id, event_id__in=event_ids)
    if subject.kind == "email":
        by_event |= Q(email__iexact=subject.needle)
    return UserFeedback.objects.filter(by_event)


def _rewrite_dictionaries(subject: Subject, found: Found) -> int:
    """Recompress, without a dictionary, the events of Issues whose dictionary names the subject.

    Any Issue's dictionary may (its first event may have been the subject's even if the Issue's
    other events are not), so every dictionary is checked, not only those of affected Issues.
    """
    needles = {value for _, value in found.identifiers} | {subject.needle}
    rewritten = 0
    decompressor = zstandard.ZstdDecompressor()
    for dictionary in DocumentDictionary.objects.iterator(chunk_size=200):
        raw = decompressor.decompress(bytes(dictionary.data)).lower()
        if not any(value.lower().encode() in raw for value in needles):
            continue
        # Through the Issue's index: there is none on dictionary_id (events/models.py).
        events = Event.objects.filter(issue_id=dictionary.issue_id, dictionary_id=dictionary.pk)
        for event in events.only("data", "dictionary_id"):
            document = decompress_document(event.data, event.dictionary_id)
            Event.objects.filter(pk=event.pk).update(
                data=compress_document(document), dictionary_id=None
            )
        dictionary.delete()
        rewritten += 1
    return rewritten


def _stored_documents() -> Iterator[tuple[Event, dict]]:
    events = Event.objects.only("project_id", "event_id", "issue_id", "data", "dictionary_id")
    for event in events.order_by("pk").iterator(chunk_size=_SCAN_CHUNK):
        yield event, decompress_document(event.data, event.dictionary_id)


def _spooled_payloads() -> Iterator[tuple[int, str, dict]]:
    rows = RawEvent.objects.order_by("pk").values_list("pk", "remote_addr", "payload")
    for pk, remote_addr, payload in rows.iterator(chunk_size=_SCAN_CHUNK):
        try:
            document = orjson.loads(unpack(bytes(payload), settings.INGEST_MAX_DECOMPRESSED_BYTES))
        except (orjson.JSONDecodeError, zstandard.ZstdError):
            continue
        if isinstance(document, dict):
            yield pk, remote_addr, document
