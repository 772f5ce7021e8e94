"""Tests for events.tags: the SDK's tags plus automatic ones."""

import json
from datetime import UTC, datetime

import pytest

from events.normalize import NormalizedEvent, normalize_event
from events.tags import MAX_KEY_LENGTH, MAX_VALUE_LENGTH, browser_from_user_agent, extract_tags
from tests.shared import SDK_CAPTURES_DIR

RECEIVED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SDK_EVENTS = sorted(SDK_CAPTURES_DIR.rglob("*.event.json"))


def load(relative: str) -> dict:
    return json.loads((SDK_CAPTURES_DIR / relative).read_text())


def normalize(raw: object) -> NormalizedEvent:
    return normalize_event(raw, received_at=RECEIVED_AT)


def tags_of(raw: object) -> dict[str, str]:
    pairs = extract_tags(normalize(raw))
    assert len({key for key, _ in pairs}) == len(pairs), "keys must be unique"
    return dict(pairs)


@pytest.mark.parametrize("path", SDK_EVENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sdk_event_has_bounded_unique_tags(path):
    pairs = extract_tags(normalize(json.loads(path.read_text())))
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys))
    for key, value in pairs:
        assert 0 < len(key) <= MAX_KEY_LENGTH
        assert 0 < len(value) <= MAX_VALUE_LENGTH
        assert "\n" not in value
    assert dict(pairs)["level"]


def test_browser_event_tags():
    tags = tags_of(load("browser_minified/0002.event.json"))
    assert tags["page"] == "checkout"  # the SDK's own tag
    assert tags["level"] == "error"
    assert tags["environment"] == "production"
    assert tags["release"] == "myapp-web@1.0.0"
    assert tags["handled"] == "yes"
    assert tags["mechanism"] == "generic"
    # No browser context in the payload: parsed from the request's User-Agent.
    assert tags["browser"] == "Chrome 156.0"
    assert tags["browser.name"] == "Chrome"
    assert tags["url"] == "http://127.0.0.1:47801/browser_minified.html"
    assert tags["user"] == "id:42"
    assert tags["sdk.name"] == "sentry.javascript.browser"


def test_own_tags_come_first():
    pairs = extract_tags(normalize(load("browser_minified/0002.event.json")))
    assert pairs[0] == ("page", "checkout")


def test_node_contexts_become_tags():
    tags = tags_of(load("node_exception/0004.event.json"))
    assert tags["os"] == "Debian 12.11"  # the SDK sent "12.11\n"
    assert tags["os.name"] == "Debian"
    assert tags["runtime"] == "node v20.20.2"
    assert tags["runtime.name"] == "node"
    assert tags["server_name"] == "corpus-host"
    assert "device" not in tags  # only an architecture, no model


def test_python_request_tags():
    tags = tags_of(load("py_django_request/0001.event.json"))
    assert tags["url"] == "http://127.0.0.1:33767/orders/17/"
    assert tags["transaction"] == "/orders/{order_id}/"
    assert tags["handled"] == "no"
    assert tags["mechanism"] == "django"
    assert tags["runtime"] == "CPython 3.11.7"


def test_url_tag_drops_query_and_fragment():
    tags = tags_of(load("node_http_request/0004.event.json"))
    assert tags["url"] == "http://127.0.0.1:33893/orders/17"
    assert tags["transaction"] == "GET /orders/17"


def test_user_tag_fallbacks():
    assert tags_of({"user": {"id": 42, "email": "a@b.c"}})["user"] == "id:42"
    assert tags_of({"user": {"email": "a@b.c", "username": "ann"}})["user"] == "email:a@b.c"
    assert tags_of({"user": {"username": "ann"}})["user"] == "username:ann"
    assert tags_of({"user": {"ip_address": "10.0.0.1"}})["user"] == "ip:10.0.0.1"
    assert "user" not in tags_of({"user": {"ip_address": "{{auto}}"}})
    assert "user" not in tags_of({"user": {}})


def test_logger_and_python_logging():
    tags = tags_of(load("py_logging_error/0001.event.json"))
    assert tags["logger"]
    assert tags["mechanism"] == "logging"


def test_contexts_tags_shorten_versions():
    raw = {
        "contexts": {
            "browser": {"name": "Chrome", "version": "156.0.8078.79"},
            "client_os": {"type": "os", "name": "Linux", "version": "6.1.55-generic"},
            "device": {"model": "Pixel 9", "family": "Pixel"},
            "runtime": {"name": "CPython", "version": "3.11.7"},
        }
    }
    tags = tags_of(raw)
    assert tags["browser"] == "Chrome 156.0"
    assert tags["browser.name"] == "Chrome"
    assert tags["os"] == "Linux 6.1"  # found by context type, not key
    assert tags["device"] == "Pixel 9"
    assert tags["runtime"] == "CPython 3.11.7"


def test_name_without_version():
    assert tags_of({"contexts": {"os": {"name": "Windows"}}})["os"] == "Windows"


def test_event_tag_wins_over_automatic_tag():
    tags = tags_of({"level": "warning", "tags": {"level": "custom", "release": "mine"}})
    assert tags["level"] == "custom"
    assert tags["release"] == "mine"


def test_limits_and_empty_values():
    raw = {
        "tags": [["k" * 40, "v"], ["long", "x" * 500], ["empty", "   "], ["multi", "a\nb"]],
        "environment": "",
    }
    tags = tags_of(raw)
    assert "k" * 31 + "\u2026" in tags
    assert len(tags["long"]) == MAX_VALUE_LENGTH
    assert "empty" not in tags
    assert tags["multi"] == "a b"
    assert "environment" not in tags


def test_handled_from_chain():
    raw = {
        "exception": [
            {"type": "A", "mechanism": {"handled": False}},
            {"type": "B", "mechanism": {"handled": True, "type": "generic"}},
        ]
    }
    tags = tags_of(raw)
    assert tags["handled"] == "no"  # one unhandled exception in the chain is enough
    assert tags["mechanism"] == "generic"
    assert "handled" not in tags_of({"exception": [{"type": "A"}]})


def test_unicode_tags_survive():
    tags = tags_of(load("py_unicode/0001.event.json"))
    assert tags["emoji_tag"] == "🔥🚀"
    assert tags["rtl_tag"] == "مرحبا بالعالم"
    assert tags["xss_tag"] == "<script>alert(1)</script>"


def test_long_sdk_tag_is_cut():
    tags = tags_of(load("py_large/0001.event.json"))
    assert len(tags["long_tag"]) == MAX_VALUE_LENGTH


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/156.0.0.0 Safari/537.36",
            ("Chrome", "Chrome 156.0"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            ("Edge", "Edge 120.0"),
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            ("Firefox", "Firefox 121.0"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.2 Safari/605.1.15",
            ("Safari", "Safari 17.2"),
        ),
        ("curl/8.5.0", None),
    ],
)
def test_browser_from_user_agent(user_agent, expected):
    assert browser_from_user_agent(user_agent) == expected


def test_user_agent_is_only_used_for_browser_platforms():
    raw = load("py_django_request/0001.event.json")
    raw["request"]["headers"]["User-Agent"] = "Mozilla/5.0 Firefox/121.0"
    assert "browser" not in tags_of(raw)


def test_hostile_event_still_gets_tags():
    tags = tags_of([1, 2, 3])
    assert tags == {"level": "error"}


def test_automatic_tag_keys_are_clean_constants():
    # extract_tags skips cleaning these keys; that is only right while cleaning is a no-op.
    from events.tags import _automatic_tags, _clean

    event = normalize_event({}, received_at=datetime.now(UTC))
    for key, _ in _automatic_tags(event):
        assert _clean(key, MAX_KEY_LENGTH) == key
