"""The neutral payload set: events shaped like a real application's, captured from sentry-sdk.

The classic set (bench/payloads.py) carries no local variables on its small events and a large
event that compresses 30:1; this one is what a Django or Flask service sends:
- small (about 5 KB of envelope, 4.4 KB of it the event): a four-frame stack (dispatch -> view
  -> service -> repository) with local variables, tags, a user and a few breadcrumbs;
- large (about 52 KB): a 30-frame stack (25 frames of one recursive function) whose frames
  each hold different, varied locals (ids, tokens, records), and 60 breadcrumbs with ids and
  timings, so it compresses about 5:1 (about 10 KB on the wire), not 30:1.
Values are drawn from a seeded generator, so every run sends the same bytes. 24 error sites,
each its own Issue. The SDK's own serializer (depth, breadth and string limits) shapes them.
"""

import linecache
import random

import sentry_sdk

from bench.capture import KeepingTransport

SITES = 24
EXCEPTIONS = ["ValueError", "KeyError", "RuntimeError", "TypeError", "LookupError", "OSError"]


def _module_source(site: int) -> str:
    error = EXCEPTIONS[site % len(EXCEPTIONS)]
    return f"""
def view_{site}(request_id, user_id, params, levels):
    visit = {{"user_id": user_id, "request_id": request_id, "items": len(params["cart"])}}
    if levels is not None:
        return walk_{site}(levels, 0, params)
    return service_{site}(params, visit)


def walk_{site}(levels, depth, params):
    level = next(levels, None)
    if level is not None:
        return walk_{site}(levels, depth + 1, params)
    return service_{site}(params, {{"depth": depth}})


def service_{site}(params, visit):
    query = "SELECT id, total FROM orders WHERE customer_id = %s AND status = %s"
    arguments = [params["customer_id"], params["status"]]
    return repository_{site}(query, arguments, params["cart"])


def repository_{site}(query, arguments, cart):
    total = sum(item["price"] * item["qty"] for item in cart)
    raise {error}("order lookup failed at site {site}: customer %s, total %.2f"
                  % (arguments[0], total))
"""


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _params(rng: random.Random, site: int) -> dict:
    return {
        "customer_id": rng.randrange(10**6),
        "status": rng.choice(["open", "paid", "shipped"]),
        "cart": [
            {"sku": f"SKU-{site}-{rng.randrange(10**4)}", "price": rng.randrange(100, 9999) / 100,
             "qty": rng.randrange(1, 5)}
            for _ in range(2)
        ],
    }  # fmt: skip


def _levels(rng: random.Random, depth: int) -> list[dict]:
    """One distinct set of locals per frame of the deep stack."""
    return [
        {
            "token": _hex(rng, 40),
            "records": [
                {
                    "id": rng.randrange(10**9),
                    "ref": _hex(rng, 16),
                    "amount": rng.randrange(10**6) / 100,
                    "note": _hex(rng, 24),
                }
                for _ in range(6)
            ],
        }  # fmt: skip
        for _ in range(depth)
    ]


def _breadcrumbs(rng: random.Random, count: int) -> None:
    for _ in range(count):
        kind = rng.randrange(3)
        if kind == 0:
            sentry_sdk.add_breadcrumb(
                category="httplib", type="http",
                data={"url": f"https://api.internal/v2/items/{_hex(rng, 12)}",
                      "method": "GET", "status_code": rng.choice([200, 200, 304, 404]),
                      "duration_ms": rng.randrange(1, 900)},
            )  # fmt: skip
        elif kind == 1:
            sentry_sdk.add_breadcrumb(
                category="query",
                message=f"SELECT * FROM items WHERE id = {rng.randrange(10**8)} "
                f"AND owner = '{_hex(rng, 8)}'",
                data={"duration_ms": rng.randrange(1, 120)},
            )
        else:
            sentry_sdk.add_breadcrumb(
                category="app", level="info",
                message=f"cache miss for key session:{_hex(rng, 20)} after {rng.randrange(90)} ms",
            )  # fmt: skip


# The framework's frame that calls into the application and reports what it raises.
_DISPATCH_SOURCE = """
def dispatch(handler, request_id, user_id, params, levels):
    try:
        return handler(request_id, user_id, params, levels)
    except Exception as exc:
        capture_exception(exc)
"""


def _load(filename: str, module: str, source: str, namespace: dict | None = None) -> dict:
    """Compile generated source as if it were a file of the application."""
    # Registered with linecache so the SDK attaches real context lines, as in a real app.
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    namespace = {"__name__": module, **(namespace or {})}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own code
    return namespace


def capture_neutral_templates(large: bool) -> list[bytes]:
    """One serialized envelope per error site, as the SDK would send it before compression."""
    transport = KeepingTransport()
    sentry_sdk.init(
        dsn="http://0123456789abcdef0123456789abcdef@127.0.0.1:9/1",
        transport=transport,
        release="shop@3.1.0",
        environment="production",
        server_name="web-3",
        default_integrations=False,
        include_local_variables=True,
        max_request_body_size="always",
        in_app_include=["shop"],
    )
    dispatch = _load(
        "/srv/shop/app/middleware.py", "shop.middleware", _DISPATCH_SOURCE,
        {"capture_exception": sentry_sdk.capture_exception},
    )["dispatch"]  # fmt: skip
    for site in range(SITES):
        rng = random.Random(site * 2 + large)
        namespace = _load(
            f"/srv/shop/app/checkout_{site}.py", f"shop.checkout_{site}", _module_source(site)
        )
        with sentry_sdk.isolation_scope() as scope:
            scope.set_tag("customer_tier", rng.choice(["free", "pro", "enterprise"]))
            scope.set_tag("region", rng.choice(["eu-west", "us-east", "ap-south"]))
            scope.set_tag("feature_flag", f"checkout-v{rng.randrange(1, 4)}")
            scope.set_user(
                {"id": str(rng.randrange(10**6)), "email": f"user{site}@example.com",
                 "ip_address": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"}
            )  # fmt: skip
            _breadcrumbs(rng, 60 if large else 4)
            # An iterator, so each frame's locals hold its own level, not the rest of the list.
            levels = iter(_levels(rng, 25)) if large else None
            dispatch(namespace[f"view_{site}"], _hex(rng, 16), rng.randrange(10**6),
                     _params(rng, site), levels)  # fmt: skip
    sentry_sdk.flush()
    sentry_sdk.get_client().close()
    return transport.envelopes
