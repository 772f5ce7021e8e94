"""Bounded decompression of request bodies.

Every decoder produces output in slices no larger than CHUNK, so a decompression bomb (a few
KB inflating to GBs) is stopped at the configured limit without ever holding more than the limit
plus one slice in memory.
"""

import zlib
from collections.abc import Callable, Iterator

import brotli
import zstandard

from .errors import BadRequest, PayloadTooLarge, UnsupportedEncoding

CHUNK = 256 * 1024
ZSTD_SLICE = 256


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    """Undo a Content-Encoding (possibly a comma-separated chain), refusing output over `limit`."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    # Encodings are listed in the order they were applied; undo them last-first.
    for coding in reversed(codings):
        body = _decode_one(body, coding, limit)
    return body


def _decode_one(body: bytes, coding: str, limit: int) -> bytes:
    if coding == "identity":
        return body
    decoder = _DECODERS.get(coding)
    if decoder is None:
        raise UnsupportedEncoding(f"unsupported Content-Encoding: {coding!r}")
    return _collect(decoder(body), limit, coding)


def _collect(chunks: Iterator[bytes], limit: int, coding: str) -> bytes:
    out = bytearray()
    try:
        for chunk in chunks:
            out += chunk
            if len(out) > limit:
                raise PayloadTooLarge(
                    f"body decompresses to more than {limit} bytes", reason="decompressed_too_large"
                )
    except (zlib.error, brotli.error, zstandard.ZstdError, EOFError) as e:
        raise BadRequest(f"invalid {coding} data: {e}", reason="bad_compression") from e
    return bytes(out)


def _zlib_chunks(body: bytes, wbits: int) -> Iterator[bytes]:
    d = zlib.decompressobj(wbits)
    data = body
    while data:
        yield d.decompress(data, CHUNK)
        data = d.unconsumed_tail
        if d.eof:
            break
    while not d.eof:
        # Drain what zlib buffered internally; no input left means a truncated stream.
        chunk = d.decompress(b"", CHUNK)
        if not chunk:
            raise EOFError("compressed stream ends before its end marker")
        yield chunk


def _gzip_chunks(body: bytes) -> Iterator[bytes]:
    return _zlib_chunks(body, 16 + zlib.MAX_WBITS)


def _deflate_chunks(body: bytes) -> Iterator[bytes]:
    # HTTP "deflate" is meant to be zlib-wrapped (RFC 1950, what raven sends), but some clients
    # send raw RFC 1951 data; the zlib header's check bits tell them apart.
    if len(body) >= 2 and (body[0] & 0x0F) == 8 and ((body[0] << 8) | body[1]) % 31 == 0:
        return _zlib_chunks(body, zlib.MAX_WBITS)
    return _zlib_chunks(body, -zlib.MAX_WBITS)


def _brotli_chunks(body: bytes) -> Iterator[bytes]:
    d = brotli.Decompressor()
    yield d.process(body, output_buffer_limit=CHUNK)
    while not d.is_finished():
        # can_accept_more_data() is no sign of truncation: it turns true while the decoder still
        # holds output (a very compressible body, e.g. a deep stack trace). A call that makes
        # no progress without more input is.
        chunk = d.process(b"", output_buffer_limit=CHUNK)
        if not chunk and not d.is_finished():
            raise EOFError("brotli stream is truncated")
        yield chunk


def _zstd_chunks(body: bytes) -> Iterator[bytes]:
    # zstandard's decompressobj has no output bound, so it is fed small input slices: one byte
    # of zstd input can expand to at most ~32 KiB (an RLE block), which bounds each step.
    view = memoryview(body)
    while view:
        d = zstandard.ZstdDecompressor().decompressobj()
        while view and not d.eof:
            yield d.decompress(view[:ZSTD_SLICE])
            view = view[ZSTD_SLICE:]
        if not d.eof:
            raise EOFError("zstd stream is truncated")
        view = memoryview(d.unused_data) if d.unused_data else view  # next frame, if any


_DECODERS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "gzip": _gzip_chunks,
    "x-gzip": _gzip_chunks,
    "deflate": _deflate_chunks,
    "br": _brotli_chunks,
    "zstd": _zstd_chunks,
}
