"""A project's Issues and events as one JSON document, produced piece by piece."""

from collections.abc import Iterator

import orjson

from events.models import Event
from events.storage import event_document
from issues.models import Issue
from projects.models import Project

_CHUNK = 500
_ISSUE_FIELDS = (
    "id",
    "title",
    "culprit",
    "level",
    "platform",
    "first_seen",
    "last_seen",
    "event_count",
    "first_release",
    "last_release",
    "is_resolved",
    "is_muted",
)


def export_project(project: Project) -> Iterator[bytes]:
    yield b'{"project":' + orjson.dumps(
        {"id": project.pk, "name": project.name, "slug": project.slug, "team": project.team.slug}
    )
    yield b',"issues":['
    issues = Issue.objects.filter(project=project).order_by("pk").values(*_ISSUE_FIELDS)
    for index, issue in enumerate(issues.iterator(chunk_size=_CHUNK)):
        yield (b"," if index else b"") + orjson.dumps(issue)
    yield b'],"events":['
    events = Event.objects.filter(project=project).order_by("pk")
    fields = ("issue_id", "event_id", "received_at", "data", "dictionary_id")
    for index, event in enumerate(events.only(*fields).iterator(chunk_size=_CHUNK)):
        record = {
            "issue_id": event.issue_id,
            "event_id": event.event_id,
            "received_at": event.received_at,
            "event": event_document(event),
        }
        yield (b"," if index else b"") + orjson.dumps(record)
    yield b"]}"
