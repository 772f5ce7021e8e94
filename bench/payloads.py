"""Real SDK envelopes for the benchmark, produced by sentry-sdk itself.

The SDK is initialized with a transport that keeps envelopes instead of sending them, errors are
raised from many generated modules (distinct error sites -> distinct Issues), and each captured
envelope becomes a template: copies get fresh event ids and are gzip-compressed like the SDK does.
"""

import gzip
import linecache
import uuid

import sentry_sdk
from sentry_sdk.transport import Transport

SITES = 50


class _KeepingTransport(Transport):
    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.envelopes: list[bytes] = []

    def capture_envelope(self, envelope) -> None:
        self.envelopes.append(envelope.serialize())


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
    transport = _KeepingTransport()
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


def build_bodies(count: int, large: bool) -> tuple[list[bytes], list[str], int]:
    """`count` gzip bodies with unique event ids, cycling over the error sites.

    Returns the bodies, their event ids and the mean decompressed envelope size.
    """
    templates = _capture_templates(large)
    template_ids = [_envelope_event_id(t) for t in templates]
    bodies, ids, raw_total = [], [], 0
    for i in range(count):
        template = templates[i % len(templates)]
        event_id = uuid.uuid4().hex
        raw = template.replace(template_ids[i % len(templates)].encode(), event_id.encode())
        raw_total += len(raw)
        bodies.append(gzip.compress(raw, compresslevel=9))
        ids.append(event_id)
    return bodies, ids, raw_total // max(count, 1)


def _envelope_event_id(envelope: bytes) -> str:
    import orjson

    return orjson.loads(envelope.split(b"\n", 1)[0])["event_id"]
