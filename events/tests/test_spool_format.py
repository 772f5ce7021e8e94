"""The spool's event format (zstd-compressed JSON, plain JSON from earlier versions still read)
and digestion batches bounded by the size of their events."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest
import zstandard

from digestion import digest
from digestion.digest import digest_pending
from events.models import Event, RawEvent
from events.spool_format import json_size, pack, unpack
from issues.models import Issue
from projects.tests.factories import make_project, python_event


def test_pack_round_trip_and_size_from_the_frame_header():
    document = orjson.dumps(python_event(extra={"blob": "x" * 50_000}))
    packed = pack(document)
    assert len(packed) < len(document) // 10
    assert json_size(packed) == len(document)
    assert unpack(packed, limit=len(document)) == document


def test_plain_json_of_earlier_versions_is_read_as_it_is():
    document = orjson.dumps(python_event())
    assert json_size(document) == len(document)
    assert unpack(document, limit=10) == document


def test_unpack_refuses_more_than_the_limit():
    with pytest.raises(zstandard.ZstdError):
        unpack(pack(b"[" + b"0," * 10_000 + b"0]"), limit=1000)


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_big_events_are_digested_in_several_bounded_batches(monkeypatch):
    project = make_project()
    events = [python_event(event_id=uuid.uuid4().hex, extra={"blob": "x" * 4000}) for _ in range(7)]
    now = datetime.now(UTC)
    RawEvent.objects.bulk_create(
        RawEvent(project_id=project.pk, event_id=e["event_id"], received_at=now,
                 payload=pack(orjson.dumps(e)) if i % 2 else orjson.dumps(e))
        for i, e in enumerate(events)
    )  # fmt: skip
    monkeypatch.setattr("digestion.digest.BATCH_JSON_BYTES", 11_000)  # two events per batch
    batches = []
    real_prepare = digest._prepare

    def counting_prepare(project_id, raws, *versions):
        batches.append(len(raws))
        return real_prepare(project_id, raws, *versions)

    monkeypatch.setattr("digestion.digest._prepare", counting_prepare)

    assert digest_pending(project.pk, batch_size=500) == 7
    assert batches == [2, 2, 2, 1]
    assert set(Event.objects.values_list("event_id", flat=True)) == {e["event_id"] for e in events}
    assert Issue.objects.get(project=project).event_count == 7
    assert not RawEvent.objects.filter(project_id=project.pk).exists()
