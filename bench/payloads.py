"""Real SDK envelopes for the benchmark, produced by sentry-sdk itself.

The SDK is initialized with a transport that keeps envelopes instead of sending them, errors are
raised from many generated modules (distinct error sites -> distinct Issues), and each captured
envelope becomes a template: copies get fresh event ids and are compressed like the SDK does.

Two sets: "classic" (this module: 50 sites; small events without local variables, a large event
that compresses 30:1; gzip) and "neutral" (bench/neutral_payloads.py: 24 sites, locals, tags,
user, breadcrumbs, a large event that compresses about 5:1; brotli and gzip as the SDK sends).
"""

import gzip
import linecache
import uuid
from dataclasses import dataclass

import brotli
import orjson
import sentry_sdk

from bench.capture import KeepingTransport
from bench.neutral_payloads import SITES as NEUTRAL_SITES
from bench.neutral_payloads import capture_neutral_templates

SITES = 50
PAYLOAD_SETS = ("neutral", "classic")
SITES_OF = {"classic": SITES, "neutral": NEUTRAL_SITES}
# sentry-sdk compresses with brotli at quality 4 when the brotli module is installed, else
# with gzip at level 9 (sentry_sdk/transport.py).
SDK_BROTLI_QUALITY = 4
SDK_GZIP_LEVEL = 9


def _module_source(site: int, large: bool) -> str:
    """A small 'application module' whose function fails; large events recurse with big locals."""
    depth = 40 if large else 0
    return f"""
def handle_request_{site}(order_id, depth={depth}):
    customer = {{"id": order_id, "name": "Customer {site}", "tier": "gold"}}
    note = "x" * {700 if large else 20}
    if depth > 0:
        return handle_request_{site}(order_id, depth - 1)
    items = [{{"sku": "SKU-{site}-%d" % i, "qty": i}} for i in range(3)]
    return process_{site}(customer, items, note)


def process_{site}(customer, items, note):
    total = sum(item["qty"] for item in items)
    raise {["ValueError", "KeyError", "RuntimeError", "TypeError", "ZeroDivisionError"][site % 5]}(
        "order %s failed at site {site} with total %d" % (customer["id"], total)
    )
"""


def _capture_templates(large: bool) -> list[bytes]:
    transport = KeepingTransport()
    sentry_sdk.init(
        dsn="http://0123456789abcdef0123456789abcdef@127.0.0.1:9/1",
        transport=transport,
        release="shop@2.4.1",
        environment="production",
        default_integrations=False,
        max_request_body_size="always",
        in_app_include=["shop"],
    )
    for site in range(SITES):
        filename = f"/srv/shop/app/orders_{site}.py"
        source = _module_source(site, large)
        # Registered with linecache so the SDK attaches real context lines, as in a real app.
        lines = source.splitlines(keepends=True)
        linecache.cache[filename] = (len(source), None, lines, filename)
        namespace: dict = {"__name__": f"shop.orders_{site}"}
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own code
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("customer_tier", "gold")
            scope.set_user({"id": str(site), "email": f"user{site}@example.com"})
            _report(namespace[f"handle_request_{site}"], 1000 + site)
    sentry_sdk.flush()
    sentry_sdk.get_client().close()
    return transport.envelopes


def _report(handler, order_id: int) -> None:
    """Calls into the 'application' from a frame with few locals, like a request handler."""
    try:
        handler(order_id)
    except Exception as e:
        sentry_sdk.capture_exception(e)


@dataclass
class Bodies:
    bodies: list[bytes]
    encodings: list[str]  # the Content-Encoding of each body
    ids: list[str]
    raw_size: int  # mean decompressed envelope size

    @property
    def wire_size(self) -> int:
        return sum(map(len, self.bodies)) // max(len(self.bodies), 1)


def templates_of(payloads: str, large: bool) -> list[bytes]:
    """The serialized envelopes of one payload set, one per error site."""
    if payloads == "neutral":
        return capture_neutral_templates(large)
    return _capture_templates(large)


def compress_like_sdk(raw: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(raw, quality=SDK_BROTLI_QUALITY)
    return gzip.compress(raw, compresslevel=SDK_GZIP_LEVEL)


def build_bodies(count: int, large: bool, payloads: str = "classic") -> Bodies:
    """`count` compressed bodies with unique event ids, cycling over the error sites.

    The classic set is gzip only (as before); the neutral set alternates brotli and gzip, the
    two encodings the Python SDK sends.
    """
    templates = templates_of(payloads, large)
    template_ids = [_envelope_event_id(t) for t in templates]
    result = Bodies([], [], [], 0)
    raw_total = 0
    for i in range(count):
        template = templates[i % len(templates)]
        event_id = uuid.uuid4().hex
        raw = template.replace(template_ids[i % len(templates)].encode(), event_id.encode())
        raw_total += len(raw)
        encoding = "br" if payloads == "neutral" and i % 2 == 0 else "gzip"
        result.bodies.append(compress_like_sdk(raw, encoding))
        result.encodings.append(encoding)
        result.ids.append(event_id)
    result.raw_size = raw_total // max(count, 1)
    return result


def body_maker(payloads: str, large: bool):
    """A function n -> (compressed body, content encoding, event id) making one body at a time
    (long runs), cycling over the error sites, encoded as `build_bodies` encodes them."""
    templates = templates_of(payloads, large)
    template_ids = [_envelope_event_id(t).encode() for t in templates]

    def make(n: int) -> tuple[bytes, str, str]:
        event_id = uuid.uuid4().hex
        raw = templates[n % len(templates)].replace(
            template_ids[n % len(templates)], event_id.encode()
        )
        encoding = "br" if payloads == "neutral" and n % 2 == 0 else "gzip"
        return compress_like_sdk(raw, encoding), encoding, event_id

    return make


def _envelope_event_id(envelope: bytes) -> str:
    return orjson.loads(envelope.split(b"\n", 1)[0])["event_id"]
