"""Stored event documents: per-Issue zstd dictionaries, legacy plain rows, the caches."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest
import zstandard
from django.db import transaction

from events import storage
from events.lru import BoundedLRU
from events.models import DocumentDictionary, Event
from events.normalize import normalize_event
from events.storage import (
    DictionaryCompressors,
    clear_caches,
    compress_document,
    decompress_document,
    event_document,
)
from issues.models import Issue
from projects.tests.factories import ingest, make_project, python_event

pytestmark = pytest.mark.django_db(databases="__all__")


def other_error(**overrides) -> dict:
    return python_event(exception={"values": [{"type": "KeyError", "value": "'sku'"}]}, **overrides)


def test_events_of_an_issue_share_its_dictionary_and_read_back_exactly():
    project = make_project()
    sent = [python_event(), python_event(), other_error(), python_event(release="shop@1.3.0")]
    ingest(project, *sent)

    events = list(Event.objects.filter(project=project).order_by("pk"))
    assert len(events) == 4 and all(e.dictionary_id is not None for e in events)
    by_issue: dict[int, set[int]] = {}
    for event in events:
        by_issue.setdefault(event.issue_id, set()).add(event.dictionary_id)
    assert sorted(map(len, by_issue.values())) == [1, 1]  # one dictionary per Issue
    assert DocumentDictionary.objects.count() == 2
    for raw, event in zip(sent, events, strict=True):
        document = event_document(event)
        assert document["event_id"] == raw["event_id"]
        assert document["release"] == raw["release"]

    clear_caches()  # a fresh process: dictionaries come from the database
    assert [event_document(e) for e in events] == [
        decompress_document(e.data, e.dictionary_id) for e in events
    ]
    assert event_document(events[3])["release"] == "shop@1.3.0"


def test_the_dictionary_is_the_first_events_document():
    project = make_project()
    ingest(project, python_event(), python_event())
    first = Event.objects.order_by("pk").first()
    dictionary = DocumentDictionary.objects.get()
    raw = zstandard.ZstdDecompressor().decompress(bytes(dictionary.data))
    assert orjson.loads(raw) == event_document(first)
    assert dictionary.issue_id == first.issue_id


def test_a_repeat_compresses_far_smaller_than_plain_zstd():
    project = make_project()
    ingest(project, python_event(), python_event())
    repeat = Event.objects.order_by("pk").last()
    plain = compress_document(event_document(repeat))
    assert len(bytes(repeat.data)) < len(plain) / 2


def legacy_event(issue: Issue, raw: dict) -> Event:
    """A row as stored before dictionaries existed: plain zstd, dictionary NULL."""
    event = normalize_event(raw, received_at=datetime.now(UTC), event_id=raw["event_id"])
    return Event.objects.create(
        project_id=issue.project_id,
        issue=issue,
        event_id=event.event_id,
        timestamp=event.timestamp,
        received_at=event.received_at,
        data=compress_document(event.to_dict()),
    )


def test_legacy_rows_without_a_dictionary_stay_readable():
    project = make_project()
    ingest(project, python_event())
    issue = Issue.objects.get()
    raw = python_event(release="shop@0.9")
    old = legacy_event(issue, raw)

    assert old.dictionary_id is None
    assert event_document(old)["event_id"] == raw["event_id"]
    assert decompress_document(old.data, None)["release"] == "shop@0.9"


def test_an_issue_from_before_dictionaries_gets_one_at_its_next_event():
    project = make_project()
    ingest(project, python_event())
    issue = Issue.objects.get()
    Event.objects.update(dictionary=None, data=compress_document({"legacy": True}))
    DocumentDictionary.objects.all().delete()

    ingest(project, python_event(), python_event())
    legacy, *new = Event.objects.filter(issue=issue).order_by("pk")
    assert event_document(legacy) == {"legacy": True}
    assert len({e.dictionary_id for e in new}) == 1 and new[0].dictionary_id is not None
    assert DocumentDictionary.objects.get().issue_id == issue.pk
    assert all(event_document(e)["exceptions"][0]["type"] == "ZeroDivisionError" for e in new)


def test_a_missing_dictionary_is_an_error_not_garbage():
    with pytest.raises(DocumentDictionary.DoesNotExist):
        decompress_document(b"whatever", 987654321)


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_dictionaries_are_cached_only_once_their_transaction_commits():
    clear_caches()
    project = make_project()
    ingest(project, python_event())
    issue = Issue.objects.get()
    document = orjson.dumps({"event_id": uuid.uuid4().hex, "a": "b" * 100})

    with pytest.raises(RuntimeError), transaction.atomic():
        compressors = DictionaryCompressors()
        rolled_back = compressors.create(issue.pk, document)
        compressors.compress(document, rolled_back)
        raise RuntimeError("the batch fails")
    assert storage._compression_dicts.get(rolled_back) is None
    assert storage._dictionaries.get(rolled_back) is None

    with transaction.atomic():
        compressors = DictionaryCompressors()
        kept = compressors.create(issue.pk, document)
        data = compressors.compress(document, kept)
        assert storage._compression_dicts.get(kept) is None  # not before the commit
    assert storage._compression_dicts.get(kept) is not None
    assert decompress_document(data, kept) == orjson.loads(document)


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_batch_alternating_between_dictionaries_keeps_one_context():
    """Each switch of dictionary makes a fresh compressor from the prepared dictionary; the
    documents still round-trip, and the prepared dictionaries are cached after the commit."""
    clear_caches()
    project = make_project()
    ingest(project, python_event())
    issue = Issue.objects.get()
    first = orjson.dumps({"event_id": uuid.uuid4().hex, "a": "b" * 500})
    second = orjson.dumps({"event_id": uuid.uuid4().hex, "c": "d" * 500})

    with transaction.atomic():
        compressors = DictionaryCompressors()
        ids = [compressors.create(issue.pk, first), compressors.create(issue.pk, second)]
        pairs = [(first, ids[0]), (second, ids[1])] * 2
        stored = [(compressors.compress(doc, i), i) for doc, i in pairs]
        assert compressors._compressor_of == ids[1]
    assert all(storage._compression_dicts.get(i) is not None for i in ids)
    for (data, dictionary_id), document in zip(stored, [first, second] * 2, strict=True):
        assert decompress_document(data, dictionary_id) == orjson.loads(document)
        assert len(data) < len(document) // 4  # the dictionary did its work

    with transaction.atomic():  # a later batch compresses from the cached dictionaries
        compressors = DictionaryCompressors()
        assert compressors.of_issues({issue.pk})
        data = compressors.compress(first, ids[0])
        assert compressors._local == {}
    assert decompress_document(data, ids[0]) == orjson.loads(first)


def test_bounded_lru_evicts_least_recently_used_by_entries_and_bytes():
    lru: BoundedLRU[str, str] = BoundedLRU(max_entries=3, max_bytes=100)
    for key in "abc":
        lru.put(key, key.upper(), 10)
    assert lru.get("a") == "A"  # now the most recently used
    lru.put("d", "D", 10)
    assert lru.get("b") is None and len(lru) == 3
    lru.put("e", "E", 85)  # over the byte bound: oldest go until it fits
    assert lru.get("c") is None and lru.get("a") is None and lru.get("e") == "E"
    assert lru.bytes == 95
    lru.put("huge", "H", 1000)  # the newest always stays
    assert len(lru) == 1 and lru.get("huge") == "H"


def test_deleting_an_issue_takes_its_dictionary_and_events_along():
    project = make_project()
    ingest(project, python_event(), python_event(), other_error())
    doomed = Event.objects.order_by("pk").first().issue
    kept = Issue.objects.exclude(pk=doomed.pk).get()
    doomed.delete()

    assert not Event.objects.filter(issue_id=doomed.pk).exists()
    assert list(DocumentDictionary.objects.values_list("issue_id", flat=True)) == [kept.pk]
    clear_caches()
    (survivor,) = Event.objects.filter(issue=kept)
    assert event_document(survivor)["exceptions"][0]["type"] == "KeyError"
