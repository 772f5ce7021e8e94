"""Parsing the envelope framing: a header line, then items of (header line, payload).

Only headers are JSON-decoded here; payloads stay bytes until someone needs them.
"""

from dataclasses import dataclass, field

from .errors import BadRequest
from .json_object import decode_json_object

# The protocol allows one event or one transaction per envelope. Enforced here, while reading
# item headers: quotas are checked per request, so an envelope of 10,000 events would otherwise
# be 10,000 events let in by one check.
SINGLE_ITEM_TYPES = frozenset({"event", "transaction"})


@dataclass
class Item:
    headers: dict
    payload: bytes

    @property
    def type(self) -> str:
        return self.headers["type"]


@dataclass
class Envelope:
    headers: dict
    items: list[Item] = field(default_factory=list)


def parse_envelope(data: bytes) -> Envelope:
    header_end = data.find(b"\n")
    if header_end == -1:
        header_end = len(data)
    if not data[:header_end].strip():
        raise BadRequest("empty envelope: the first line must be the envelope header")
    envelope = Envelope(
        headers=decode_json_object(data[:header_end], "envelope header", reason="bad_envelope")
    )

    pos = header_end + 1
    size = len(data)
    single_seen: str | None = None
    while pos < size:
        line_end = data.find(b"\n", pos)
        if line_end == -1:
            line_end = size
        line = data[pos:line_end]
        pos = line_end + 1
        if not line.strip():
            continue  # blank lines between items (and a trailing newline) are harmless
        headers = decode_json_object(
            line, f"header of item {len(envelope.items) + 1}", reason="bad_envelope"
        )
        if not isinstance(headers.get("type"), str) or not headers["type"]:
            raise BadRequest(f"item {len(envelope.items) + 1} has no type", reason="bad_envelope")
        if headers["type"] in SINGLE_ITEM_TYPES:
            if single_seen is not None:
                raise BadRequest(
                    "an envelope carries at most one event or transaction item; item "
                    f"{len(envelope.items) + 1} is a {headers['type']} after a {single_seen}: "
                    "send each event in an envelope of its own",
                    reason="too_many_events",
                )
            single_seen = headers["type"]
        payload, pos = _read_payload(data, pos, headers, len(envelope.items) + 1)
        envelope.items.append(Item(headers=headers, payload=payload))
    return envelope


def _read_payload(data: bytes, pos: int, headers: dict, number: int) -> tuple[bytes, int]:
    length = headers.get("length")
    if length is None:
        # Without a length the payload runs to the next newline (or the end of the body).
        end = data.find(b"\n", pos)
        if end == -1:
            end = len(data)
        return data[pos:end], end + 1
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise BadRequest(f"item {number} has an invalid length", reason="bad_envelope")
    end = pos + length
    if end > len(data):
        raise BadRequest(
            f"item {number} claims {length} bytes but the envelope ends after {len(data) - pos}",
            reason="bad_envelope",
        )
    if end < len(data) and data[end : end + 1] != b"\n":
        raise BadRequest(
            f"item {number} is not followed by a newline after its {length} bytes",
            reason="bad_envelope",
        )
    return data[pos:end], end + 1
