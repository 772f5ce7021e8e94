"""Reading a request body with a hard size limit, including chunked uploads (@sentry/node)."""

from django.http import HttpRequest

from .errors import BadRequest, PayloadTooLarge

READ_SIZE = 64 * 1024


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The raw (still compressed) body; PayloadTooLarge as soon as it passes `limit` bytes."""
    declared = request.META.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError as e:
            raise BadRequest("invalid Content-Length", reason="bad_content_length") from e
        if length > limit:
            # Refused on the header alone: nothing of the body is read into memory.
            raise PayloadTooLarge(f"body of {length} bytes exceeds the limit of {limit} bytes")
        stream = request  # Django's stream, bounded by Content-Length
    elif request.META.get("wsgi.input_terminated"):
        # Chunked transfer: the server (gunicorn) de-chunks and signals the end of input.
        stream = request.META["wsgi.input"]
    else:
        return b""

    parts = []
    total = 0
    while chunk := stream.read(READ_SIZE):
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"body exceeds the limit of {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)
