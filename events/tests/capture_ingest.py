"""Ingesting a recorded SDK request in-process: the real envelope parser and acceptance
(ingest/envelope.py, ingest/accept.py) and real digestion, without a server."""

import gzip
from datetime import UTC, datetime

from digestion.digest import digest_pending
from events.models import RawEvent
from ingest.accept import accept_envelope, store_others
from ingest.envelope import parse_envelope
from projects.models import Project
from tests.replay import Capture, all_captures


def capture(name: str) -> Capture:
    return next(c for c in all_captures() if c.name == name)


def ingest_capture(project: Project, name: str) -> str | None:
    """Store what the capture's envelope carries for `project`; returns its event id."""
    recorded = capture(name)
    headers = {k.lower(): v for k, v in recorded.meta["headers"]}
    body = recorded.body
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    accepted = accept_envelope(project.pk, parse_envelope(body), datetime.now(UTC), "127.0.0.1")
    RawEvent.objects.bulk_create(RawEvent(**row._asdict()) for row in accepted.rows)
    store_others(accepted.others)
    digest_pending(project.pk)
    return accepted.event_id
