"""The at-rest form of an event document: zstd-compressed JSON, usually with a dictionary.

Events of one Issue are mostly the same document: the same exception, frames, source lines,
SDK, contexts. So each Issue gets a dictionary — the raw JSON of the first event digested for it
(`DocumentDictionary`, itself stored zstd-compressed) — and its events are compressed with that
dictionary as zstd raw content: a repeat then costs a couple of hundred bytes instead of the
whole compressed document. `Event.dictionary` names the dictionary; NULL means plain zstd (events
stored before dictionaries existed, or written by tools that do not bother).

This module is the only place that knows the format: read a document with `decompress_document`
(or `event_document`), never with zstandard directly.

Caching. Preparing a dictionary for compression (zstd's CDict: the dictionary with its match
tables) costs about five times compressing an event with it, so each process keeps recently used
ones, and the raw dictionaries for readers, in bounded LRUs. A compressor (a zstd context, as
big again as its CDict) is made from a cached CDict in microseconds, so a batch keeps only the
one it is using: the contexts of every Issue of a batch are never in memory at once.
A dictionary is cached only once the transaction that created or read it has committed: ids of
committed rows are never reused, whereas a rolled-back insert's id can be (SQLite), and a cached
dictionary under a reused id would decode garbage.
"""

from typing import Protocol

import orjson
import zstandard
from django.db import transaction

from events.lru import BoundedLRU
from events.models import DocumentDictionary

ZSTD_LEVEL = 3

# A CDict holds the dictionary and its match tables (~450 KB for a 60 KB dictionary); both
# caches are bounded by bytes as well as by entries. A CDict is read-only: threads share it.
_compression_dicts: BoundedLRU[int, zstandard.ZstdCompressionDict] = BoundedLRU(
    1000, 32 * 1024 * 1024
)
_dictionaries: BoundedLRU[int, bytes] = BoundedLRU(1000, 32 * 1024 * 1024)


class StoredEvent(Protocol):
    data: bytes | memoryview
    dictionary_id: int | None


def compress_document(document: dict) -> bytes:
    """Plain zstd, without a dictionary: for rows whose `dictionary` is NULL."""
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(orjson.dumps(document))


def decompress_document(data: bytes | memoryview, dictionary_id: int | None) -> dict:
    """The document of a stored event, given its `data` and `dictionary_id`."""
    if dictionary_id is None:
        return orjson.loads(zstandard.ZstdDecompressor().decompress(bytes(data)))
    raw = _dictionaries.get(dictionary_id)
    if raw is None:
        raw = _load_dictionaries([dictionary_id])[dictionary_id]
        transaction.on_commit(lambda: _dictionaries.put(dictionary_id, raw, len(raw)))
    decompressor = zstandard.ZstdDecompressor(dict_data=_as_dictionary(raw))
    return orjson.loads(decompressor.decompress(bytes(data)))


def event_document(event: StoredEvent) -> dict:
    return decompress_document(event.data, event.dictionary_id)


class DictionaryCompressors:
    """Compression for one digest batch (one transaction), used by one thread.

    CDicts this batch had to prepare (new dictionaries, or ones not cached) stay local until
    the batch commits, then join the process-wide cache (see the module docstring).
    """

    def __init__(self) -> None:
        self._local: dict[int, zstandard.ZstdCompressionDict] = {}
        self._created: dict[int, bytes] = {}
        self._loaded: dict[int, bytes] = {}
        self._promotion_scheduled = False
        self._compressor: zstandard.ZstdCompressor | None = None
        self._compressor_of: int | None = None

    def of_issues(self, issue_ids: set[int]) -> dict[int, int]:
        """Issue id -> its dictionary id, for the Issues that have one; readies dictionaries."""
        # An Issue has one dictionary (made under the project's digest lock); were there ever
        # two, the oldest would win.
        result = dict(
            DocumentDictionary.objects.filter(issue_id__in=issue_ids)
            .order_by("-id")
            .values_list("issue_id", "id")
        )
        missing = [i for i in result.values() if _compression_dicts.get(i) is None]
        if missing:
            self._loaded.update(_load_dictionaries(missing))
        return result

    def create(self, issue_id: int, document_json: bytes) -> int:
        """Make `document_json` the Issue's dictionary; returns its id."""
        stored = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(document_json)
        dictionary_id = DocumentDictionary.objects.create(issue_id=issue_id, data=stored).pk
        self._created[dictionary_id] = document_json
        self._schedule_promotion()
        return dictionary_id

    def compress(self, document_json: bytes, dictionary_id: int) -> bytes:
        if self._compressor_of != dictionary_id:
            self._compressor = None  # its context is freed before the next one is made
            self._compressor = zstandard.ZstdCompressor(
                level=ZSTD_LEVEL, dict_data=self._compression_dict(dictionary_id)
            )
            self._compressor_of = dictionary_id
        return self._compressor.compress(document_json)

    def _compression_dict(self, dictionary_id: int) -> zstandard.ZstdCompressionDict:
        prepared = self._local.get(dictionary_id)
        if prepared is None:
            prepared = _compression_dicts.get(dictionary_id)
        if prepared is None:
            prepared = _as_dictionary(self._raw(dictionary_id))
            prepared.precompute_compress(level=ZSTD_LEVEL)
            self._local[dictionary_id] = prepared
            self._schedule_promotion()
        return prepared

    def _raw(self, dictionary_id: int) -> bytes:
        raw = self._created.get(dictionary_id)
        if raw is None:
            raw = self._loaded.get(dictionary_id)
        if raw is None:  # evicted from the shared cache since of_issues() looked
            raw = self._loaded[dictionary_id] = _load_dictionaries([dictionary_id])[dictionary_id]
        return raw

    def _schedule_promotion(self) -> None:
        if not self._promotion_scheduled:
            self._promotion_scheduled = True
            transaction.on_commit(self._promote)

    def _promote(self) -> None:
        for dictionary_id, prepared in self._local.items():
            _compression_dicts.put(dictionary_id, prepared, _prepared_size(prepared))
        for raw_by_id in (self._created, self._loaded):
            for dictionary_id, raw in raw_by_id.items():
                _dictionaries.put(dictionary_id, raw, len(raw))


def clear_caches() -> None:
    """Forget every cached dictionary and compressor (tests whose database rolls back)."""
    _compression_dicts.clear()
    _dictionaries.clear()


def _as_dictionary(raw: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(raw, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _prepared_size(prepared: zstandard.ZstdCompressionDict) -> int:
    """A CDict's bytes: the dictionary and the hash and chain tables zstd sizes for it."""
    params = zstandard.ZstdCompressionParameters.from_level(ZSTD_LEVEL, dict_size=len(prepared))
    return len(prepared) + 4 * ((1 << params.hash_log) + (1 << params.chain_log))


def _load_dictionaries(dictionary_ids: list[int]) -> dict[int, bytes]:
    rows = DocumentDictionary.objects.filter(pk__in=dictionary_ids).values_list("id", "data")
    decompressor = zstandard.ZstdDecompressor()
    found = {pk: decompressor.decompress(bytes(data)) for pk, data in rows}
    for dictionary_id in dictionary_ids:
        if dictionary_id not in found:
            raise DocumentDictionary.DoesNotExist(f"document dictionary {dictionary_id}")
    return found
