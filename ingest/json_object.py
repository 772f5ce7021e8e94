"""Decoding a client's JSON where the protocol wants an object: anything else is a 400."""

import orjson

from .errors import BadRequest


def decode_json_object(payload: bytes, what: str, *, reason: str = "bad_json") -> dict:
    """`payload` as a dict, or BadRequest naming `what` with refusal reason `reason`."""
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"{what} is not valid JSON: {e}", reason=reason) from e
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be a JSON object", reason=reason)
    return value
