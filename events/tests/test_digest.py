"""Digestion edge cases around the spool: deleted projects and the sender's address."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from events.digest import digest_pending
from events.models import Event, RawEvent
from events.storage import decompress_document
from projects.tests.factories import make_project, python_event

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def spool(project_id: int, event: dict, remote_addr: str = "") -> None:
    RawEvent.objects.create(
        project_id=project_id,
        event_id=event["event_id"],
        received_at=datetime.now(UTC),
        payload=orjson.dumps(event),
        remote_addr=remote_addr,
    )


def test_events_spooled_for_a_deleted_project_are_dropped():
    project = make_project()
    project_id = project.pk
    spool(project_id, python_event())
    project.delete()

    assert digest_pending(project_id) == 0
    assert not RawEvent.objects.filter(project_id=project_id).exists()
    assert not Event.objects.filter(project_id=project_id).exists()


def test_auto_ip_address_is_filled_from_the_connection():
    project = make_project()
    event = python_event(user={"id": "7", "ip_address": "{{auto}}"}, event_id=uuid.uuid4().hex)
    spool(project.pk, event, remote_addr="203.0.113.9")

    assert digest_pending(project.pk) == 1
    stored = decompress_document(Event.objects.get(project=project).data)
    assert stored["user"]["ip_address"] == "203.0.113.9"
