"""The at-rest form of an event document: zstd-compressed JSON."""

import orjson
import zstandard

ZSTD_LEVEL = 3


def compress_document(document: dict) -> bytes:
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(orjson.dumps(document))


def decompress_document(data: bytes | memoryview) -> dict:
    return orjson.loads(zstandard.ZstdDecompressor().decompress(bytes(data)))
