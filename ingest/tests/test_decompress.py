"""Decoding request bodies: big, very compressible bodies (a deep stack trace) decode whole."""

import gzip
import zlib

import brotli
import pytest
import zstandard

from ingest.decompress import decompress
from ingest.errors import BadRequest

# 12 MB that compress to a few KB, like sentry-sdk's envelope of a RecursionError: brotli's
# decoder then holds far more output than one call may return.
REPETITIVE = b"".join(
    b'{"function": "recurse", "vars": {"depth": "%d", "payload": "' % depth
    + b"x" * 12_000
    + b'"}},'
    for depth in range(1000)
)

ENCODERS = {
    "br": lambda data: brotli.compress(data, quality=4),  # sentry-sdk's default level
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}


@pytest.mark.parametrize("encoding", ENCODERS)
def test_a_very_compressible_body_decodes_whole(encoding):
    body = ENCODERS[encoding](REPETITIVE)
    assert len(body) < len(REPETITIVE) // 100
    assert decompress(body, encoding, 100 * 1024 * 1024) == REPETITIVE


@pytest.mark.parametrize("encoding", ENCODERS)
def test_a_truncated_body_is_refused(encoding):
    body = ENCODERS[encoding](REPETITIVE)
    with pytest.raises(BadRequest):
        decompress(body[: len(body) // 2], encoding, 100 * 1024 * 1024)
