"""An event in the JSON shape of Sentry's event endpoints: its own fields plus `entries`, the
typed sections (exception, breadcrumbs, request, message) Sentry's API lists."""

from typing import Any

from api.serialize import iso
from events.models import Event
from events.storage import event_document
from projects.models import Project


def _values(value: Any) -> Any:
    return {"values": value} if isinstance(value, list) else value


def _entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's sections as Sentry's `entries` (our normalized keys -> Sentry's types)."""
    sections = [
        ("exception", _values(document.get("exceptions"))),
        ("stacktrace", document.get("stacktrace")),
        ("threads", _values(document.get("threads"))),
        ("message", {"formatted": document["message"]} if document.get("message") else None),
        ("breadcrumbs", _values(document.get("breadcrumbs"))),
        ("request", document.get("request")),
    ]
    return [{"type": kind, "data": data} for kind, data in sections if data]


def _tags(document: dict[str, Any]) -> list[dict[str, str]]:
    tags = document.get("tags") or []
    if isinstance(tags, dict):
        tags = list(tags.items())
    return [
        {"key": str(pair[0]), "value": str(pair[1])}
        for pair in tags
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


def event_json(event: Event, project: Project, with_document: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": event.event_id,
        "eventID": event.event_id,
        "groupID": str(event.issue_id),
        "projectID": str(project.pk),
        "projectSlug": project.slug,
        "title": event.title,
        "level": event.level,
        "release": event.release or None,
        "environment": event.environment or None,
        "dateCreated": iso(event.timestamp),
        "dateReceived": iso(event.received_at),
    }
    if not with_document:
        return result
    document = event_document(event)
    result.update(
        {
            "message": document.get("message") or "",
            "platform": document.get("platform"),
            "culprit": document.get("transaction"),
            "tags": _tags(document),
            "contexts": document.get("contexts") or {},
            "sdk": {"name": document.get("sdk_name"), "version": document.get("sdk_version")},
            "user": document.get("user"),
            "fingerprints": document.get("fingerprint") or [],
            "entries": _entries(document),
            # Everything we stored, as stored: symbolication results and processing notes
            # included, for scripts that want more than Sentry's summary fields.
            "data": document,
        }
    )
    return result
