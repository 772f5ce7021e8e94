"""GDPR requests: a user's data exported, then deleted without a trace in any table or file."""

import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
import zstandard
from django.apps import apps
from django.core.management import call_command
from django.db import connections

from datapolicy.subjects import Subject, delete, find
from datapolicy.vacuum import reclaim_space
from digestion.digest import digest_pending
from events.models import Attachment, Event, RawEvent, UserFeedback
from events.spool_format import pack
from events.storage import event_document
from projects.tests.factories import make_project, python_event

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

ANN = {"id": "u-ann-7", "email": "ann@example.com", "ip_address": "203.0.113.77"}
BOB = {"id": "u-bob-9", "email": "bob@example.com", "ip_address": "198.51.100.4"}
NEEDLES = [b"ann@example.com", b"u-ann-7", b"203.0.113.77"]


def spool(project_id: int, user: dict, kind: str = "KeyError") -> str:
    event_id = uuid.uuid4().hex
    event = python_event(
        event_id=event_id, user=user, exception={"values": [{"type": kind, "value": "x"}]}
    )
    RawEvent.objects.create(
        project_id=project_id,
        event_id=event_id,
        received_at=datetime.now(UTC),
        payload=pack(orjson.dumps(event)),
    )
    return event_id


@pytest.fixture
def world():
    shop = make_project(name="Shop")
    blog = make_project(team_name="Team B", name="Blog")
    ann_first = spool(shop.pk, ANN)  # Ann's event is the first of the shared Issue
    spool(shop.pk, BOB)
    spool(shop.pk, ANN, "ValueError")
    ann_blog = spool(blog.pk, ANN)
    bob_blog = spool(blog.pk, BOB)
    digest_pending(shop.pk)
    digest_pending(blog.pk)
    spool(blog.pk, ANN, "LateError")  # not digested yet: still in the spool
    now = datetime.now(UTC)
    Attachment.objects.create(
        project=shop, event_id=ann_first, filename="ann.txt", size=3, data=b"ann", received_at=now
    )
    Attachment.objects.create(
        project=blog, event_id=bob_blog, filename="bob.txt", size=3, data=b"bob", received_at=now
    )
    UserFeedback.objects.create(
        project=blog, event_id=ann_blog, email="ann@example.com", comments="it broke",
        received_at=now,
    )  # fmt: skip
    UserFeedback.objects.create(
        project=shop, event_id=uuid.uuid4().hex, email="ANN@example.com", name="Ann",
        comments="again", received_at=now,
    )  # fmt: skip
    UserFeedback.objects.create(
        project=blog, event_id=bob_blog, email="bob@example.com", comments="me too",
        received_at=now,
    )  # fmt: skip
    return shop, blog


def test_export_has_every_event_attachment_and_feedback(world, tmp_path):
    out = tmp_path / "ann.json"
    call_command("export_subject", "--email", "ann@example.com", "-o", str(out))
    data = json.loads(out.read_text())
    assert len(data["events"]) == 3
    assert {e["event"]["user"]["email"] for e in data["events"]} == {"ann@example.com"}
    attachments = [a for e in data["events"] for a in e["attachments"]]
    assert [a["filename"] for a in attachments] == ["ann.txt"]
    assert {f["comments"] for f in data["feedback"]} == {"it broke", "again"}


def test_counting_without_yes_deletes_nothing(world):
    stdout = io.StringIO()
    call_command("delete_subject", "--ip", "203.0.113.77", stdout=stdout)
    assert "3 stored and 1 spooled" in stdout.getvalue()
    assert Event.objects.count() == 5


def test_delete_leaves_no_trace_in_any_table_or_file(world):
    stdout = io.StringIO()
    call_command("delete_subject", "--email", "ann@example.com", "--yes", stdout=stdout)
    assert "Deleted 3 events, 1 spooled events" in stdout.getvalue()
    # Bob's events survive and still read (his Issue's dictionary was Ann's event).
    remaining = list(Event.objects.all())
    assert len(remaining) == 2
    assert {event_document(e)["user"]["email"] for e in remaining} == {"bob@example.com"}
    assert Attachment.objects.get().filename == "bob.txt"
    assert UserFeedback.objects.get().email == "bob@example.com"

    for table, value in every_stored_value():
        for needle in NEEDLES:
            assert needle not in value, f"{needle!r} still in {table}"
    reclaim_space()
    for path in sqlite_files():
        content = path.read_bytes().lower()
        for needle in NEEDLES:
            assert needle not in content, f"{needle!r} still in the bytes of {path.name}"


def test_subject_needs_a_value():
    with pytest.raises(ValueError):
        Subject("email", "  ")
    with pytest.raises(ValueError):
        Subject("name", "ann")


def test_find_by_user_id_and_ip(world):
    assert len(find(Subject("user_id", "u-ann-7")).events) == 3
    found = find(Subject("ip", "203.0.113.77"))
    assert len(found.events) == 3 and len(found.spooled) == 1
    assert delete(Subject("ip", "203.0.113.77")).events == 3


def every_stored_value():
    """(table, lowercased bytes) for every value of every table of both databases, with
    compressed values decompressed (event documents through their dictionaries)."""
    for model in apps.get_models():
        alias = "spool" if model is RawEvent and "spool" in connections else "default"
        for row in model.objects.using(alias).values_list():
            for value in row:
                yield model._meta.db_table, _readable(value)
    for event in Event.objects.all():
        yield "events_event (decoded)", orjson.dumps(event_document(event)).lower()
    for alias in connections:
        with connections[alias].cursor() as cursor:
            for table in connections[alias].introspection.table_names(cursor):
                cursor.execute(f"SELECT * FROM {connections[alias].ops.quote_name(table)}")
                for row in cursor.fetchall():
                    for value in row:
                        yield table, _readable(value)


def _readable(value) -> bytes:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        try:
            return zstandard.ZstdDecompressor().decompress(value).lower() + value.lower()
        except zstandard.ZstdError:
            return value.lower()
    return str(value).lower().encode()


def sqlite_files() -> list[Path]:
    files = []
    for alias in connections:
        if connections[alias].vendor == "sqlite":
            name = Path(connections[alias].settings_dict["NAME"])
            files += [p for p in (name, Path(f"{name}-wal")) if p.exists()]
    return files
