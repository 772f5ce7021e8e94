"""The body forms of very old raven clients on /store/: base64 of zlib-compressed JSON."""

import base64
import binascii

from .decompress import decompress
from .errors import BadRequest


def decode_legacy_store_body(data: bytes, limit: int) -> bytes:
    """Return JSON bytes; a body that already looks like JSON is returned as it is."""
    stripped = data.lstrip()
    if not stripped or stripped[:1] in (b"{", b"["):
        return data
    try:
        decoded = base64.b64decode(stripped, validate=False)
    except (binascii.Error, ValueError) as e:
        raise BadRequest("store body is neither JSON nor base64", reason="bad_json") from e
    if decoded.lstrip()[:1] == b"{":
        return decoded
    return decompress(decoded, "deflate", limit)
