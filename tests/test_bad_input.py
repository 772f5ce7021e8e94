"""Everything the ingest endpoints must refuse, sent over HTTP to the live server.

Each refusal has its exact status and a JSON `{"detail": ...}` saying what was wrong, is logged
and counted, and never costs a 500. Bombs and oversized bodies must not blow up the gunicorn
workers' memory, and the server must go on taking good events afterwards.
"""

import functools
import gzip
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import orjson
import psutil
import pytest
import requests
import zstandard

from tests.live import LiveStack
from tests.sdk import run_sdk

pytestmark = pytest.mark.live

MIB = 1024 * 1024
BOMB_INFLATED_BYTES = 1040 * MIB  # more than 1 GiB of zeros, never held in memory at once
BOMB_MAX_BYTES = 2 * MIB  # what a bomb may weigh on the wire: small, well under every limit
RSS_LIMIT = 400 * 1000 * 1000
MISSING_PROJECT_ID = 987_654_321


@dataclass(frozen=True)
class Target:
    base_url: str
    project_id: int
    key: str
    other_key: str  # an active key, of another project
    inactive_project_id: int
    inactive_key: str  # deactivated before the server ever saw it


@dataclass(frozen=True)
class Req:
    body: bytes | Iterable[bytes]
    headers: dict[str, str] = field(default_factory=dict)
    endpoint: str = "envelope"
    project_id: int | None = None  # None: the target's project


@dataclass(frozen=True)
class Case:
    status: int
    reason: str  # the tag in the log line and the counter
    detail: str  # must appear in the response's detail
    build: Callable[[Target], Req]


def public_key(dsn: str) -> str:
    return urlsplit(dsn).username


@pytest.fixture(scope="module")
def target(live_stack: LiveStack) -> Target:
    project_id, dsn = live_stack.create_project("bad-input")
    _, other_dsn = live_stack.create_project("bad-input-other")
    inactive_project_id, inactive_dsn = live_stack.create_project("bad-input-inactive")
    inactive_key = public_key(inactive_dsn)
    live_stack.sql(
        "UPDATE projects_projectkey SET is_active = %s WHERE public_key = %s", (False, inactive_key)
    )
    return Target(
        base_url=live_stack.base_url,
        project_id=project_id,
        key=public_key(dsn),
        other_key=public_key(other_dsn),
        inactive_project_id=inactive_project_id,
        inactive_key=inactive_key,
    )


# --- building requests ----------------------------------------------------------------------


def auth(key: str) -> dict[str, str]:
    return {"X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={key}, sentry_client=t/1.0"}


def event_json(**extra) -> bytes:
    event = {"event_id": uuid.uuid4().hex, "level": "error", "platform": "python"}
    event["message"] = "bad input test"
    return orjson.dumps({**event, **extra})


def envelope(*items: tuple[dict, bytes], header: dict | None = None) -> bytes:
    lines = [orjson.dumps({"event_id": uuid.uuid4().hex} if header is None else header)]
    for item_header, payload in items:
        lines += [orjson.dumps(item_header), payload]
    return b"\n".join(lines) + b"\n"


def event_envelope(payload: bytes) -> bytes:
    return envelope(({"type": "event", "length": len(payload)}, payload))


def with_key(t: Target, body: bytes, **headers: str) -> Req:
    return Req(body=body, headers={**auth(t.key), **headers})


def _bomb(compress: Callable[[bytes], bytes], finish: Callable[[], bytes]) -> bytes:
    zeros = bytes(MIB)
    parts = [compress(zeros) for _ in range(BOMB_INFLATED_BYTES // MIB)]
    parts.append(finish())
    body = b"".join(parts)
    assert len(body) < BOMB_MAX_BYTES
    return body


@functools.cache
def gzip_bomb() -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return _bomb(c.compress, c.flush)


@functools.cache
def zstd_bomb() -> bytes:
    c = zstandard.ZstdCompressor(level=19).compressobj()
    return _bomb(c.compress, c.flush)


@functools.cache
def brotli_bomb() -> bytes:
    c = brotli.Compressor(quality=5)
    return _bomb(c.process, c.finish)


def huge_body() -> bytes:
    return bytes(30 * 1000 * 1000)  # 30 MB, over the 20 MiB request limit


def chunked_zeros(total: int = 24 * MIB) -> Iterator[bytes]:
    """A generator body: requests sends it chunked, with no Content-Length."""
    chunk = bytes(MIB)
    for _ in range(total // MIB):
        yield chunk


def truncated_gzip() -> bytes:
    body = event_envelope(event_json(extra={"filler": "x" * 5000, "n": list(range(500))}))
    compressed = gzip.compress(body)
    return compressed[: len(compressed) // 2]


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def lying_length(t: Target, delta: int) -> Req:
    payload = event_json()
    item = orjson.dumps({"type": "event", "length": len(payload) + delta})
    return with_key(t, orjson.dumps({}) + b"\n" + item + b"\n" + payload + b"\n")


CASES = [
    # -- malformed input: 400 ----------------------------------------------------------------
    pytest.param(
        Case(400, "bad_json", "event item is not valid JSON",
             lambda t: with_key(t, event_envelope(b'{"message": "unterminated'))),
        id="event-item-malformed-json",
    ),
    pytest.param(
        Case(400, "bad_envelope", "envelope header is not valid JSON",
             lambda t: with_key(t, b"this is no JSON\n" + orjson.dumps({"type": "event"})
                                + b"\n" + event_json() + b"\n")),
        id="envelope-header-not-json",
    ),
    pytest.param(
        Case(400, "malformed", "empty envelope", lambda t: with_key(t, b"")),
        id="empty-body",
    ),
    pytest.param(
        Case(400, "bad_envelope", "claims", lambda t: lying_length(t, +100)),
        id="item-length-longer-than-body",
    ),
    pytest.param(
        Case(400, "bad_envelope", "not followed by a newline", lambda t: lying_length(t, -5)),
        id="item-length-shorter-than-payload",
    ),
    pytest.param(
        Case(400, "bad_envelope", "has no type",
             lambda t: with_key(t, envelope(({"length": 2}, b"{}")))),
        id="item-header-without-type",
    ),
    pytest.param(
        Case(400, "bad_json", "UTF-8",
             lambda t: with_key(t, event_envelope(b'{"message": "caf\xe9 \xff\xfe"}'))),
        id="event-not-utf8",
    ),
    pytest.param(
        Case(400, "bad_json", "depth limit exceeded",
             lambda t: with_key(t, event_envelope(nested(10_000)))),
        id="event-nested-10000-levels",
    ),
    pytest.param(
        Case(400, "bad_json", "must be a JSON object",
             lambda t: with_key(t, event_envelope(b'[{"message": "in a list"}]'))),
        id="event-item-is-array",
    ),
    pytest.param(
        Case(400, "too_many_events", "at most one event or transaction item",
             lambda t: with_key(t, envelope(*[({"type": "event"}, event_json())] * 3))),
        id="three-events-in-one-envelope",
    ),
    pytest.param(
        Case(400, "bad_json", "neither JSON nor",
             lambda t: Req(b"this is certainly not JSON", auth(t.key), endpoint="store")),
        id="store-body-not-json",
    ),
    pytest.param(
        Case(400, "bad_json", "must be a JSON object",
             lambda t: Req(b"[1, 2, 3]", auth(t.key), endpoint="store")),
        id="store-body-is-array",
    ),
    # -- credentials: 401 / 403 --------------------------------------------------------------
    pytest.param(
        Case(401, "auth_missing", "no sentry_key",
             lambda t: Req(event_envelope(event_json()))),
        id="no-credentials",
    ),
    pytest.param(
        Case(403, "key_unknown", "unknown sentry_key",
             lambda t: Req(event_envelope(event_json()), auth(uuid.uuid4().hex))),
        id="unknown-key",
    ),
    pytest.param(
        Case(403, "key_unknown", "unknown sentry_key",
             lambda t: Req(envelope(
                 ({"type": "event"}, event_json()),
                 header={"dsn": f"http://{uuid.uuid4().hex}@127.0.0.1/{t.project_id}"},
             ))),
        id="unknown-key-in-envelope-dsn",
    ),
    pytest.param(
        Case(403, "key_malformed", "malformed sentry_key",
             lambda t: Req(event_envelope(event_json()), auth("not-a-key; drop table"))),
        id="malformed-key",
    ),
    pytest.param(
        Case(403, "key_wrong_project", "does not belong to project",
             lambda t: Req(event_envelope(event_json()), auth(t.other_key))),
        id="key-of-another-project",
    ),
    pytest.param(
        Case(403, "key_inactive", "disabled",
             lambda t: Req(event_envelope(event_json()), auth(t.inactive_key),
                           project_id=t.inactive_project_id)),
        id="inactive-key",
    ),
    pytest.param(
        Case(403, "key_wrong_project", f"does not belong to project {MISSING_PROJECT_ID}",
             lambda t: Req(event_envelope(event_json()), auth(t.key),
                           project_id=MISSING_PROJECT_ID)),
        id="project-does-not-exist",
    ),
    # -- size and encoding: 413 / 400 / 415 --------------------------------------------------
    pytest.param(
        Case(413, "too_large", "exceeds the limit", lambda t: with_key(t, huge_body())),
        id="body-30mb-content-length",
    ),
    pytest.param(
        Case(413, "too_large", "exceeds the limit", lambda t: with_key(t, chunked_zeros())),
        id="body-24mib-chunked",
    ),
    pytest.param(
        Case(413, "event_too_large", "exceeds the limit of 1048576 bytes",
             lambda t: with_key(t, envelope(({"type": "user_report"}, orjson.dumps(
                 {"event_id": uuid.uuid4().hex, "comments": "x" * MIB}))))),
        id="user-report-over-1mib",
    ),
    pytest.param(
        # Events over the event limit are trimmed by digestion, but must still be objects.
        Case(400, "bad_json", "event item must be a JSON object",
             lambda t: with_key(t, event_envelope(b"[" + b"1," * MIB + b"1]"))),
        id="event-item-over-1mib-not-an-object",
    ),
    pytest.param(
        Case(413, "decompressed_too_large", "decompresses to more than",
             lambda t: with_key(t, gzip_bomb(), **{"Content-Encoding": "gzip"})),
        id="gzip-bomb",
    ),
    pytest.param(
        Case(413, "decompressed_too_large", "decompresses to more than",
             lambda t: with_key(t, zstd_bomb(), **{"Content-Encoding": "zstd"})),
        id="zstd-bomb",
    ),
    pytest.param(
        Case(413, "decompressed_too_large", "decompresses to more than",
             lambda t: with_key(t, brotli_bomb(), **{"Content-Encoding": "br"})),
        id="brotli-bomb",
    ),
    pytest.param(
        Case(400, "bad_compression", "invalid gzip data",
             lambda t: with_key(t, truncated_gzip(), **{"Content-Encoding": "gzip"})),
        id="gzip-truncated",
    ),
    pytest.param(
        Case(415, "unsupported_encoding", "unsupported Content-Encoding: 'compress'",
             lambda t: with_key(t, event_envelope(event_json()),
                                **{"Content-Encoding": "compress"})),
        id="content-encoding-compress",
    ),
]  # fmt: skip


def send(t: Target, req: Req) -> requests.Response:
    url = f"{t.base_url}/api/{req.project_id or t.project_id}/{req.endpoint}/"
    headers = {"Content-Type": "application/x-sentry-envelope", **req.headers}
    return requests.post(url, data=req.body, headers=headers, timeout=60)


def log_size(stack: LiveStack, name: str = "web.log") -> int:
    path = stack.workdir / name
    return path.stat().st_size if path.exists() else 0


def log_since(stack: LiveStack, offset: int, name: str = "web.log") -> str:
    with open(Path(stack.workdir) / name, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


@pytest.mark.parametrize("case", CASES)
def test_refused_with_status_and_detail(live_stack: LiveStack, target: Target, case: Case):
    req = case.build(target)
    offset = log_size(live_stack)

    response = send(target, req)

    assert response.status_code == case.status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail"}, body
    assert case.detail in body["detail"], body
    # Every refusal is logged with its project, reason and status; none is a crash.
    project_id = req.project_id or target.project_id
    log = log_since(live_stack, offset)
    line = f"ingest rejected project={project_id} reason={case.reason} status={case.status}"
    assert line in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def test_refusals_are_counted_per_project_and_reason(live_stack: LiveStack, target: Target):
    project_id, dsn = live_stack.create_project("bad-input-counted")
    key = public_key(dsn)
    url = f"{target.base_url}/api/{project_id}/envelope/"
    sends = [
        ({}, event_envelope(event_json()), 401),
        ({}, event_envelope(event_json()), 401),
        ({}, event_envelope(event_json()), 401),
        (auth(key), event_envelope(b"{nope"), 400),
        (auth(key), event_envelope(b"[]"), 400),
        ({**auth(key), "Content-Encoding": "compress"}, event_envelope(event_json()), 415),
    ]
    for headers, body, status in sends:
        assert requests.post(url, data=body, headers=headers, timeout=30).status_code == status
    expected = {"auth_missing": 3, "bad_json": 2, "unsupported_encoding": 1}

    # Counts are written at most once a second per gunicorn process: poll for them.
    query = (
        "SELECT reason, SUM(count) FROM events_ingestrejection WHERE project_id = %s"
        " GROUP BY reason"
    )
    deadline = time.monotonic() + 15
    while (counted := dict(live_stack.sql(query, (project_id,)))) != expected:
        assert time.monotonic() < deadline, f"counted {counted}, expected {expected}"
        time.sleep(0.2)


def gunicorn_processes(stack: LiveStack) -> list[psutil.Process]:
    master = psutil.Process(stack.web.pid)
    return [master, *master.children(recursive=True)]


def peak_rss(process: psutil.Process) -> int:
    """The process's high-water mark of resident memory (Linux: VmHWM), in bytes."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def test_bombs_and_huge_bodies_keep_memory_bounded(live_stack: LiveStack, target: Target):
    abuse = [
        ("gzip", gzip_bomb()),
        ("zstd", zstd_bomb()),
        ("br", brotli_bomb()),
        (None, huge_body()),
        (None, None),  # chunked
    ]
    # Twice each, so both gunicorn workers are very likely to have taken some of it.
    for _ in range(2):
        for encoding, body in abuse:
            headers = {"Content-Encoding": encoding} if encoding else {}
            req = with_key(target, body if body is not None else chunked_zeros(), **headers)
            assert send(target, req).status_code == 413

    processes = gunicorn_processes(live_stack)
    assert len(processes) >= 3, "expected a gunicorn master and its workers"
    for process in processes:
        rss, peak = process.memory_info().rss, peak_rss(process)
        assert rss < RSS_LIMIT, f"gunicorn pid {process.pid} holds {rss / MIB:.0f} MiB"
        assert peak < RSS_LIMIT, f"gunicorn pid {process.pid} peaked at {peak / MIB:.0f} MiB"


def test_good_events_are_still_accepted_afterwards(live_stack: LiveStack, target: Target):
    event_id = uuid.uuid4().hex
    body = envelope(({"type": "event"}, event_json(event_id=event_id)), header={})
    response = send(target, with_key(target, body))
    assert response.status_code == 200, response.text
    assert response.json() == {"id": event_id}

    project_id, dsn = live_stack.create_project("bad-input-after")
    sdk_ids = run_sdk(dsn, 'events.append(sentry_sdk.capture_message("still here"))')
    assert len(sdk_ids) == 1 and sdk_ids[0]
    assert live_stack.wait_for_events(project_id, set(sdk_ids)) == set(sdk_ids)
    assert live_stack.wait_for_events(target.project_id, {event_id}) >= {event_id}
