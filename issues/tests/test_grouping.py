"""Tests for issues.grouping's version v1: real SDK payloads, table tests built from them,
property tests. (v2's own rules: test_grouping_v2.py.)"""

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.normalize import NormalizedEvent, normalize_event
from issues.grouping import (
    MAX_TITLE_LENGTH,
    VERSIONS,
    Grouping,
    event_culprit,
    event_title,
    normalize_filename,
    normalize_function,
    normalize_text,
)
from issues.grouping import compute_grouping as compute_by_version
from tests.shared import SDK_CAPTURES_DIR, THIRD_PARTY_DIR, event_file_params

# The version these tests hold to its rules (a version never changes).
GROUPING_CONFIG = "v1"


def compute_grouping(event: NormalizedEvent) -> Grouping:
    return compute_by_version(event, GROUPING_CONFIG)


RECEIVED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def load(relative: str) -> dict:
    return json.loads((SDK_CAPTURES_DIR / relative).read_text())


def load_third_party(name: str) -> dict:
    """One third-party event; only tests marked `third_party` may call this."""
    assert THIRD_PARTY_DIR is not None, "mark the test third_party: it needs the shared folder"
    (path,) = THIRD_PARTY_DIR.rglob(f"*{name}")
    return json.loads(path.read_text())


def normalize(raw: object) -> NormalizedEvent:
    return normalize_event(raw, received_at=RECEIVED_AT)


def group(raw: object) -> Grouping:
    return compute_grouping(normalize(raw))


def hash_of(raw: object) -> str:
    return group(raw).hash


def frames_of(raw: dict, index: int = -1) -> list[dict]:
    return raw["exception"]["values"][index]["stacktrace"]["frames"]


# --- every fixture -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", event_file_params())
def test_every_fixture_groups_stably(path: Path):
    raw = json.loads(path.read_text())
    first, second = normalize(raw), normalize(copy.deepcopy(raw))
    grouping = compute_grouping(first)
    assert re.fullmatch(r"[0-9a-f]{32}", grouping.hash)
    assert grouping.config == GROUPING_CONFIG
    assert grouping.strategy in (
        "fingerprint",
        "exception",
        "threads",
        "stacktrace",
        "message",
        "fallback",
    )
    assert grouping.components
    assert compute_grouping(second) == grouping
    title = event_title(first)
    assert title
    assert len(title) <= MAX_TITLE_LENGTH
    assert "\n" not in title
    assert event_title(second) == title
    assert event_culprit(second) == event_culprit(first)
    orjson.dumps(grouping.to_dict())
    # Grouping a stored document gives the same answer as grouping the fresh event.
    stored = NormalizedEvent.from_dict(orjson.loads(orjson.dumps(first.to_dict())))
    assert compute_grouping(stored) == grouping
    for version in sorted(VERSIONS.keys() - {GROUPING_CONFIG}):
        later = compute_by_version(first, version)
        assert re.fullmatch(r"[0-9a-f]{32}", later.hash) and later.components
        assert compute_by_version(second, version) == later
        assert compute_by_version(stored, version) == later


# --- real SDK payloads -------------------------------------------------------------------------


def test_chained_python_exceptions():
    event = normalize(load("py_exception_chained/0001.event.json"))
    assert event_title(event) == "ValueError: setting 'missing_key' is not configured"
    assert event_culprit(event) == "__main__ in get_setting"
    grouping = compute_grouping(event)
    assert grouping.strategy == "exception"
    assert grouping.components == [
        "exception[0] type: KeyError",
        "exception[0] frame: __main__ get_setting",
        "exception[0] frame: __main__ lookup",
        "exception[1] type: ValueError",
        "exception[1] frame: __main__ <module>",
        "exception[1] frame: __main__ get_setting",
    ]
    implicit = normalize(load("py_exception_chained/0002.event.json"))
    assert len(implicit.exceptions) == 2
    assert event_title(implicit).startswith("AttributeError:")


def test_python_exception_group():
    event = normalize(load("py_exception_chained/0004.event.json"))
    assert event.main_exception["type"] == "ExceptionGroup"
    assert event_title(event) == "ExceptionGroup: multiple failures"
    components = compute_grouping(event).components
    # Children have no frames, so their (normalised) values identify them.
    assert "exception[0] value: bad type" in components
    assert "exception[2] type: ExceptionGroup" in components


def test_frameless_exception_group_parent_is_skipped():
    # Our own event in the shape .NET sends an AggregateException: the frameless group parent
    # is last (newest), its two children point at it with parent_id.
    def child(exc_type: str, exc_id: int) -> dict:
        mechanism = {"type": "chained", "exception_id": exc_id, "parent_id": 0}
        return {"type": exc_type, "value": "failed", "mechanism": mechanism}

    parent_mechanism = {"type": "onerror", "is_exception_group": True, "exception_id": 0}
    raw = {
        "platform": "csharp",
        "exception": {
            "values": [
                child("Shop.PaymentDeclined", 2),
                child("Shop.StockMissing", 1),
                {"type": "System.AggregateException", "mechanism": parent_mechanism},
            ]
        },
    }
    components = group(raw).components
    assert not any("AggregateException" in component for component in components)
    assert "exception[0] type: Shop.PaymentDeclined" in components
    # Only frameless group parents go: with frames, the parent says where it was raised.
    raw["exception"]["values"][2]["stacktrace"] = {
        "frames": [{"function": "Main", "module": "Shop.Program", "in_app": True}]
    }
    assert any("AggregateException" in component for component in group(raw).components)


@pytest.mark.third_party
def test_exception_group_parent_without_frames_is_skipped():
    raw = load_third_party("exception-groups-two-types.json")
    components = group(raw).components
    assert not any("AggregateException" in component for component in components)
    assert "exception[0] type: MyApp.SuchWowException" in components


def test_custom_fingerprint_with_default():
    raw = load("py_custom_fingerprint/0001.event.json")
    assert raw["fingerprint"] == ["{{ default }}", "custom-part"]
    grouping = group(raw)
    assert grouping.strategy == "fingerprint"
    assert "{{ default }} exception[0] type: ConnectionError" in grouping.components
    assert grouping.components[-1] == "fingerprint: custom-part"

    without = copy.deepcopy(raw)
    del without["fingerprint"]
    assert hash_of(without) != grouping.hash

    other_type = copy.deepcopy(raw)
    other_type["exception"]["values"][0]["type"] = "TimeoutError"
    assert hash_of(other_type) != grouping.hash  # the default part still splits by error

    other_value = copy.deepcopy(raw)
    other_value["exception"]["values"][0]["value"] = "upstream 99 unavailable"
    assert hash_of(other_value) == grouping.hash


def test_custom_fingerprint_without_default():
    raw = load("py_custom_fingerprint/0002.event.json")
    grouping = group(raw)
    assert grouping.strategy == "fingerprint"
    assert grouping.components == [
        "fingerprint: database-connection-error",
        "fingerprint: postgres",
    ]
    # Any event with the same fingerprint joins, whatever its content.
    unrelated = load("py_message/0002.event.json")
    unrelated["fingerprint"] = ["database-connection-error", "postgres"]
    assert hash_of(unrelated) == grouping.hash
    message_only = load("py_custom_fingerprint/0003.event.json")
    assert group(message_only).components == ["fingerprint: my-message-group"]


def test_node_scoped_fingerprint_with_default():
    grouping = group(load("node_tags_user_context/0003.event.json"))
    assert grouping.strategy == "fingerprint"
    assert grouping.components[-1] == "fingerprint: scoped-fingerprint"


@pytest.mark.third_party
def test_third_party_custom_fingerprints():
    client = load_third_party("grouping_inputs__custom-fingerprint.json")
    both = load_third_party("custom-fingerprint-client-and-server-rule.json")
    assert hash_of(client) == hash_of(both)  # same client fingerprint
    base = load_third_party("hybrid-fingerprint-base.json")
    same_default = load_third_party("hybrid-fingerprint-same-default-different-extra.json")
    same_extra = load_third_party("hybrid-fingerprint-same-extra-different-default.json")
    assert group(base).strategy == "fingerprint"
    assert hash_of(base) != hash_of(same_default)
    assert hash_of(base) != hash_of(same_extra)
    hybrid = load_third_party("hybrid-fingerprint-hybrid-client-custom-server.json")
    assert any(c.startswith("{{ default }}") for c in group(hybrid).components)


@pytest.mark.parametrize("marker", ["{{ default }}", "{{default}}", "{{  DEFAULT  }}"])
def test_only_default_in_fingerprint_equals_no_fingerprint(marker):
    raw = load("py_exception_simple/0001.event.json")
    with_marker = copy.deepcopy(raw)
    with_marker["fingerprint"] = [marker]
    assert hash_of(with_marker) == hash_of(raw)
    extended = copy.deepcopy(raw)
    extended["fingerprint"] = [marker, "x"]
    spaced = copy.deepcopy(raw)
    spaced["fingerprint"] = ["{{ default }}", "x"]
    assert hash_of(extended) == hash_of(spaced)


def test_fingerprint_variables():
    raw = load("py_django_request/0001.event.json")
    raw["fingerprint"] = [
        "{{ transaction }}",
        "{{ type }}",
        "{{ function }}",
        "{{ level }}",
        "{{ unknown_thing }}",
        "literal",
    ]
    assert group(raw).components == [
        "fingerprint {{ transaction }}: /orders/{order_id}/",
        "fingerprint {{ type }}: ZeroDivisionError",
        "fingerprint {{ function }}: order_detail",
        "fingerprint {{ level }}: error",
        "fingerprint: {{ unknown_thing }}",
        "fingerprint: literal",
    ]
    other_transaction = copy.deepcopy(raw)
    other_transaction["transaction"] = "/carts/{cart_id}/"
    assert hash_of(other_transaction) != hash_of(raw)


@pytest.mark.third_party
def test_fingerprint_message_variable_is_parameterized():
    raw = load_third_party("custom-fingerprint-message-parameterization.json")
    assert group(raw).components[0] == (
        "fingerprint {{ message }}: FailedToFetchError: Charlie didn't bring <int> balls back!"
    )


def test_message_template_groups_different_params():
    raw = load("py_message/0001.event.json")
    grouping = group(raw)
    assert grouping.strategy == "message"
    assert grouping.components == ["message template: Order %s failed with status %d"]
    variant = copy.deepcopy(raw)
    variant["logentry"] = {
        "message": "Order %s failed with status %d",
        "params": ["B-7", 500],
        "formatted": "Order B-7 failed with status 500",
    }
    assert hash_of(variant) == grouping.hash
    assert event_title(normalize(variant)) == "Order B-7 failed with status 500"
    other_template = copy.deepcopy(raw)
    other_template["logentry"]["message"] = "Refund %s failed with status %d"
    assert hash_of(other_template) != grouping.hash


def test_raven_message_with_params():
    raw = load("raven_store/0002.event.json")
    variant = copy.deepcopy(raw)
    variant["sentry.interfaces.Message"]["params"] = ["'Z-9'"]
    assert hash_of(variant) == hash_of(raw)
    assert event_title(normalize(variant)) == "Order 'Z-9' failed"
    assert hash_of(load("raven_store_secret_dsn/0002.event.json")) == hash_of(raw)


def test_logging_error_events():
    with_exception = group(load("py_logging_error/0001.event.json"))
    assert with_exception.strategy == "exception"
    without = load("py_logging_error/0002.event.json")
    grouping = group(without)
    assert grouping.components == ["message template: An error log without exception, extra=%s"]
    variant = copy.deepcopy(without)
    variant["logentry"]["params"] = ["other"]
    variant["logentry"]["formatted"] = "An error log without exception, extra=other"
    assert hash_of(variant) == grouping.hash


def test_node_message_with_template_and_synthetic_exception():
    raw = load("node_message/0004.event.json")
    grouping = group(raw)
    assert grouping.strategy == "exception"
    assert "exception[0] value: Order %s failed with status %s" in grouping.components
    assert not any("type" in component for component in grouping.components)
    variant = copy.deepcopy(raw)
    variant["logentry"]["params"] = ["Q-5", 503]
    variant["exception"]["values"][0]["value"] = "Order Q-5 failed with status 503"
    assert hash_of(variant) == grouping.hash
    assert event_title(normalize(raw)) == "Order A-1001 failed with status 402"


def test_node_plain_messages_differ_by_text():
    disk = load("node_message/0002.event.json")
    plain = load("node_message/0005.event.json")
    assert hash_of(disk) != hash_of(plain)
    assert event_title(normalize(disk)) == "Disk usage above 90%"
    more = copy.deepcopy(disk)
    more["message"] = more["exception"]["values"][0]["value"] = "Disk usage above 95%"
    assert hash_of(more) == hash_of(disk)


def test_recursion_collapses():
    shallow = load("py_many_frames/0001.event.json")
    deep = load("py_many_frames/0002.event.json")
    grouping = group(shallow)
    assert grouping.components == [
        "exception[0] type: RecursionError",
        "exception[0] frame: __main__ <module>",
        "exception[0] frame: __main__ recurse",
    ]
    assert group(deep).hash == grouping.hash
    node = group(load("node_large/0004.event.json"))
    assert node.components == ["exception[0] type: Error", "exception[0] frame: node_large recurse"]


def test_message_events_without_stack_traces():
    grouping = group(load("py_message/0002.event.json"))
    assert grouping.strategy == "message"
    assert grouping.components == ["message: Plain message from capture_message"]
    assert event_culprit(normalize(load("py_message/0002.event.json"))) == ""


def test_threads_strategy_for_attached_stacktrace():
    raw = load("py_threads_attach_stacktrace/0001.event.json")
    grouping = group(raw)
    assert grouping.strategy == "threads"
    assert grouping.components[-1] == "thread frame: __main__ inner_report"
    assert event_title(normalize(raw)) == "message with attached stacktrace"


def test_bare_stacktrace_strategy():
    raw = {"platform": "python", "stacktrace": {"frames": [{"module": "app", "function": "f"}]}}
    assert group(raw).strategy == "stacktrace"
    assert group(raw).components == ["stacktrace frame: app f"]


def test_unicode_events():
    raw = load("py_unicode/0001.event.json")
    event = normalize(raw)
    value = raw["exception"]["values"][0]["value"]
    assert value.startswith("Échec de la commande ✗ 💥 <script>")
    assert event_title(event) == f"ValueError: {value}"
    assert event_culprit(event) == "__main__ in ünïcödé_function"
    node = normalize(load("node_unicode/0003.event.json"))
    assert event_title(node).startswith("ÜnicodeError: ")
    message = normalize(load("py_unicode/0003.event.json"))
    assert compute_grouping(message).strategy == "message"
    assert event_title(message).startswith("Привет мир 👋")


def test_node_exception():
    event = normalize(load("node_exception/0002.event.json"))
    grouping = compute_grouping(event)
    assert grouping.components == [
        "exception[0] type: Error",
        "exception[0] frame: node_exception",
        "exception[0] frame: node_exception handleRequest",
        "exception[0] frame: node_exception processOrder",
        "exception[0] frame: node_exception computeAverage",
    ]
    assert event_culprit(event) == "node_exception in computeAverage"
    chained = compute_grouping(normalize(load("node_exception/0004.event.json")))
    # The built-in JSON.parse frame claims to be in-app but isn't; node: internals aren't either.
    assert not any("JSON.parse" in c or "loader" in c for c in chained.components)


def test_node_sdk_frames_do_not_make_the_culprit():
    event = normalize(load("node_unhandled_rejection/0002.event.json"))
    assert "sentry" not in event_culprit(event)
    assert not any("sentry" in c for c in compute_grouping(event).components)


def test_browser_exceptions_group_across_deployments():
    plain = load("browser_minified/0002.event.json")
    with_debug_id = load("browser_minified_debugid/0002.event.json")
    # Different bundle URL and line numbers, same code: one issue.
    assert frames_of(plain)[0]["filename"] != frames_of(with_debug_id)[0]["filename"]
    assert hash_of(plain) == hash_of(with_debug_id)
    components = group(plain).components
    assert "exception[0] frame: map" not in components  # Array.map built-in is not in-app
    assert event_title(normalize(plain)) == 'TypeError: cents must be a number, got string ("9.99")'


def test_browser_sdk_bundle_frame_is_ignored():
    raw = load("browser_minified/0008.event.json")
    assert "sentry.bundle.min.js" in frames_of(raw)[0]["filename"]
    assert group(raw).components == ["exception[0] type: TypeError", "exception[0] frame: c"]


# --- table tests built from a real event -------------------------------------------------------

BASE = "py_exception_simple/0001.event.json"


def _moved_line(raw: dict) -> None:
    frame = frames_of(raw)[-1]
    frame["lineno"] += 7
    frame["context_line"] = "    result = total / len(items)  # moved"
    frame["pre_context"] = ["# a new comment above"]


def _other_middle_function(raw: dict) -> None:
    frames_of(raw)[-2]["function"] = "process_refund"


def _other_type(raw: dict) -> None:
    raw["exception"]["values"][-1]["type"] = "TypeError"


def _other_value(raw: dict) -> None:
    raw["exception"]["values"][-1]["value"] = "integer division or modulo by zero"


def _sdk_frame_in_app(raw: dict) -> None:
    frames_of(raw).append(
        {
            "module": "sentry_sdk.integrations.threading",
            "abs_path": "/venv/lib/python3.11/site-packages/sentry_sdk/integrations/threading.py",
            "filename": "sentry_sdk/integrations/threading.py",
            "function": "_run",
            "lineno": 99,
            "in_app": True,
        }
    )


def _stdlib_frame_in_app(raw: dict) -> None:
    frames_of(raw).append(
        {
            "module": "json.decoder",
            "abs_path": "/usr/lib/python3.11/json/decoder.py",
            "filename": "json/decoder.py",
            "function": "raw_decode",
            "lineno": 355,
            "in_app": True,
        }
    )


def _stdlib_module_without_path(raw: dict) -> None:
    frames_of(raw).insert(0, {"module": "threading", "function": "run", "in_app": True})


def _library_frame(raw: dict) -> None:
    frames_of(raw).insert(
        0,
        {
            "module": "django.core.handlers.base",
            "abs_path": "/venv/lib/python3.11/site-packages/django/core/handlers/base.py",
            "function": "_get_response",
            "in_app": False,
        },
    )


def _different_vars_and_columns(raw: dict) -> None:
    for frame in frames_of(raw):
        frame["vars"] = {"x": "1"}
        frame["colno"] = 17


def _recursion_added(raw: dict) -> None:
    frames = frames_of(raw)
    frames[-1:-1] = [copy.deepcopy(frames[-2]) for _ in range(5)]


@pytest.mark.parametrize(
    ("mutate", "same"),
    [
        (_moved_line, True),
        (_other_value, True),
        (_sdk_frame_in_app, True),
        (_stdlib_frame_in_app, True),
        (_stdlib_module_without_path, True),
        (_library_frame, True),
        (_different_vars_and_columns, True),
        (_recursion_added, True),
        (_other_middle_function, False),
        (_other_type, False),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_python_variants(mutate, same):
    raw = load(BASE)
    variant = copy.deepcopy(raw)
    mutate(variant)
    assert (hash_of(variant) == hash_of(raw)) is same


def test_node_internal_frame_marked_in_app_is_ignored():
    raw = load("node_exception/0002.event.json")
    variant = copy.deepcopy(raw)
    frames_of(variant).insert(
        0,
        {
            "filename": "node:internal/timers",
            "module": "timers",
            "function": "listOnTimeout",
            "in_app": True,
        },
    )
    frames_of(variant).insert(
        0,
        {
            "filename": "/app/node_modules/@sentry/core/build/cjs/exports.js",
            "module": "@sentry.core.build.cjs:exports",
            "function": "captureException",
            "in_app": True,
        },
    )
    assert hash_of(variant) == hash_of(raw)


def test_javascript_function_name_noise():
    raw = load("node_exception/0002.event.json")
    variant = copy.deepcopy(raw)
    for frame in frames_of(variant):
        if frame.get("function") == "computeAverage":
            frame["function"] = "Object.computeAverage"
    assert hash_of(variant) == hash_of(raw)


def test_different_chain_path_differs():
    raw = load("py_exception_chained/0001.event.json")
    variant = copy.deepcopy(raw)
    frames_of(variant, 0)[-1]["function"] = "lookup_remote"
    assert hash_of(variant) != hash_of(raw)


@pytest.mark.parametrize(
    "value",
    [
        "Order 9f1c7e2a-1b2c-4d5e-8f90-1234567890ab not found (id=42, at 2026-11-23T06:36:08Z)",
        "Order 00000000-0000-4000-8000-000000000000 not found (id=7, at 2025-01-01T00:00:00Z)",
    ],
)
def test_values_without_frames_are_normalized(value):
    base = {"exception": {"values": [{"type": "LookupError", "value": value}]}}
    reference = {
        "exception": {
            "values": [
                {
                    "type": "LookupError",
                    "value": "Order 11111111-2222-4333-8444-555555555555 not found "
                    "(id=1, at 2020-02-02T02:02:02Z)",
                }
            ]
        }
    }
    assert hash_of(base) == hash_of(reference)
    assert group(base).components[-1] == (
        "exception[0] value: Order <uuid> not found (id=<int>, at <datetime>)"
    )


def test_values_without_frames_still_split_by_type_and_text():
    one = {"exception": [{"type": "KeyError", "value": "'sku'"}]}
    two = {"exception": [{"type": "KeyError", "value": "'price'"}]}
    three = {"exception": [{"type": "IndexError", "value": "'sku'"}]}
    assert len({hash_of(one), hash_of(two), hash_of(three)}) == 3


def test_message_masking():
    one = {"message": "Worker 10.0.0.12 timed out after 30.5s (job 0xdeadbeef)"}
    two = {"message": "Worker 10.0.0.99 timed out after 12.0s (job 0xcafe)"}
    assert hash_of(one) == hash_of(two)
    assert group(one).components == ["message: Worker <ip> timed out after <float>s (job <hex>)"]
    multi_line = {"message": "First line 1\nsecond line with details"}
    assert group(multi_line).components == ["message: First line <int>"]


def test_fallback():
    grouping = group({"platform": "python", "level": "info"})
    assert grouping.strategy == "fallback"
    assert event_title(normalize({})) == "<unlabeled event>"
    assert group({"level": "info"}).hash != group({"level": "error"}).hash


# --- hostile input -----------------------------------------------------------------------------

HOSTILE_INPUTS = {
    "values-string": {"exception": {"values": "ValueError: boom"}},
    "timestamp-garbage": {"timestamp": "last tuesday", "message": "hi"},
    "frames-null": {"exception": {"values": [{"type": "E", "stacktrace": {"frames": None}}]}},
    "tags-number": {"tags": 12345, "message": "tagged"},
    "deep-extra": {"extra": {"x": "placeholder"}, "message": "deep"},
    "list-event": [1, 2, 3],
    "string-event": "not an event",
    "null-event": None,
    "wrong-everything": {
        "event_id": 5,
        "level": [],
        "platform": {},
        "logentry": 7,
        "message": ["x"],
        "exception": 3,
        "threads": "t",
        "breadcrumbs": 9,
        "request": "r",
        "user": 1,
        "contexts": [],
        "sdk": "s",
        "fingerprint": {"a": 1},
        "extra": "e",
        "modules": 2,
    },
}


@pytest.mark.parametrize("name", HOSTILE_INPUTS)
def test_hostile_inputs(name):
    raw = copy.deepcopy(HOSTILE_INPUTS[name])
    if name == "deep-extra":
        deep: dict = {}
        current = deep
        for _ in range(10_000):
            current["x"] = {}
            current = current["x"]
        raw["extra"]["x"] = deep
    first = normalize(raw)
    second = normalize(raw)
    assert first.errors
    assert compute_grouping(first).hash == compute_grouping(second).hash
    assert event_title(first) == event_title(second)
    orjson.dumps(first.to_dict())


def test_hostile_fixture_mutations_record_errors():
    raw = load(BASE)
    raw["exception"]["values"][0]["stacktrace"]["frames"][1] = "frame?"
    raw["timestamp"] = {"when": "now"}
    raw["tags"] = 3.5
    event = normalize(raw)
    assert {error["name"] for error in event.errors} >= {
        "timestamp",
        "tags",
        "exception.values.0.stacktrace.frames.1",
    }
    # Still groups on what is left: type plus the three remaining in-app frames.
    assert len(compute_grouping(event).components) == 4


# --- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("main.3f9a2c1b.js", "main.js"),
        ("/static/js/chunk-vendors.a1b2c3d4.chunk.js?v=3", "chunk-vendors.chunk.js"),
        ("jquery-3.6.0.min.js", "jquery.min.js"),
        ("webpack:///./src/App.jsx", "app.jsx"),
        ("C:\\app\\Views\\Home.cs", "home.cs"),
        ("/srv/App/Models.py", "models.py"),
        ("http://cdn.example.com/app.js", None),
        ("https://example.com/a.js", None),
        ("blob:http://example.com/7f7a", None),
        ("<anonymous>", None),
        ("[native code]", None),
        ("react-dom.production.min.js", "react-dom.production.min.js"),
    ],
)
def test_normalize_filename(name, expected):
    assert normalize_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "platform", "expected"),
    [
        ("Object.computeAverage", "node", "computeAverage"),
        ("Module._compile", "node", "_compile"),
        ("Function.executeUserEntryPoint [as runMain]", "node", "executeUserEntryPoint"),
        ("async fetchUser", "javascript", "fetchUser"),
        ("Object.?", "node", None),
        ("<anonymous>", "javascript", None),
        ("?", "javascript", None),
        ("handler at 0x1f", "native", "handler"),
        ("lambda$main$0", "java", "lambda$main$"),
        ("Foo$$Lambda$12/0x0000000800c02a00.apply", "java", "Foo$$Lambda$.apply"),
        ("<lambda_9f8e7d6c>", "native", "<lambda>"),
        ("<module>", "python", "<module>"),
        ("compute_average", "python", "compute_average"),
    ],
)
def test_normalize_function(name, platform, expected):
    assert normalize_function(name, platform) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user 42 not found", "user <int> not found"),
        ("took 1.5s", "took <float>s"),
        ("at 0xdeadbeef", "at <hex>"),
        ("id 3f2504e0-4f89-11d3-9a0c-0305e82c3301", "id <uuid>"),
        ("on 2026-11-23", "on <date>"),
        ("at 2026-11-23 06:36:08.123", "at <datetime>"),
        ("at 06:36:08", "at <time>"),
        ("from 192.168.1.10", "from <ip>"),
        ("from fe80::1ff:fe23:4567:890a", "from <ip>"),
        ("commit 9fceb02d0ae598e95dc970b74767f19372d61af8", "commit <hex>"),
        ("token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "token <token>"),
        ("mail bob@example.com", "mail <email>"),
        ("utf8 and int64 stay", "utf8 and int64 stay"),
        ("first\nsecond 2", "first"),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def test_title_variants():
    assert event_title(normalize({"exception": [{"type": "KeyError"}]})) == "KeyError"
    long_value = {"exception": [{"type": "E", "value": "x" * 5000 + "\nmore"}]}
    title = event_title(normalize(long_value))
    assert len(title) == MAX_TITLE_LENGTH
    assert title.endswith("\u2026")
    synthetic = {"exception": [{"value": "thrown string", "mechanism": {"synthetic": True}}]}
    assert event_title(normalize(synthetic)) == "thrown string"


def test_culprit_prefers_transaction():
    event = normalize(load("py_django_request/0001.event.json"))
    assert event_culprit(event) == "/orders/{order_id}/"
    raw = load("py_django_request/0001.event.json")
    del raw["transaction"]
    assert event_culprit(normalize(raw)) == "__main__ in order_detail"


# --- property tests ----------------------------------------------------------------------------

EVENT_KEYS = [
    "event_id",
    "timestamp",
    "platform",
    "level",
    "logger",
    "transaction",
    "release",
    "environment",
    "server_name",
    "dist",
    "message",
    "logentry",
    "exception",
    "values",
    "type",
    "value",
    "module",
    "mechanism",
    "handled",
    "synthetic",
    "is_exception_group",
    "thread_id",
    "stacktrace",
    "frames",
    "filename",
    "abs_path",
    "function",
    "lineno",
    "colno",
    "in_app",
    "vars",
    "pre_context",
    "context_line",
    "threads",
    "id",
    "crashed",
    "current",
    "breadcrumbs",
    "request",
    "url",
    "headers",
    "query_string",
    "cookies",
    "data",
    "user",
    "tags",
    "contexts",
    "sdk",
    "name",
    "version",
    "fingerprint",
    "extra",
    "modules",
    "params",
    "formatted",
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["{{ default }}", "error", "warn", "python", "node", "1795415787"])
)
json_keys = st.sampled_from(EVENT_KEYS) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(json_keys, children, max_size=6)
    ),
    max_leaves=40,
)

MUTATION_BASES = [
    "py_exception_chained/0001.event.json",
    "py_exception_chained/0004.event.json",
    "py_message/0001.event.json",
    "py_django_request/0001.event.json",
    "py_threads_attach_stacktrace/0001.event.json",
    "node_exception/0004.event.json",
    "node_message/0004.event.json",
    "browser_minified/0002.event.json",
    "raven_store/0002.event.json",
    "py_custom_fingerprint/0001.event.json",
]
BASE_EVENTS = {name: load(name) for name in MUTATION_BASES}


def _paths(value: object) -> list[tuple]:
    """Every path (tuple of keys / indexes) inside a JSON value, found iteratively."""
    found: list[tuple] = []
    stack: list[tuple[object, tuple]] = [(value, ())]
    while stack:
        current, path = stack.pop()
        if path:
            found.append(path)
        if isinstance(current, dict):
            stack.extend((child, (*path, key)) for key, child in current.items())
        elif isinstance(current, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(current))
    return sorted(found, key=repr)


BASE_PATHS = {name: _paths(event) for name, event in BASE_EVENTS.items()}


def _replace(event: object, path: tuple, new_value: object) -> None:
    """Set `path` to `new_value` if the path still exists (earlier edits may have removed it)."""
    current = event
    for step in path[:-1]:
        try:
            current = current[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(current, dict) or (isinstance(current, list) and isinstance(last, int)):
        try:
            current[last] = new_value
        except IndexError:
            return


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> object:
    name = draw(st.sampled_from(MUTATION_BASES))
    event = copy.deepcopy(BASE_EVENTS[name])
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        path = draw(st.sampled_from(BASE_PATHS[name]))
        _replace(event, path, draw(json_values))
    return event


def check_invariants(raw: object) -> None:
    event = normalize_event(raw, received_at=RECEIVED_AT)
    doc = orjson.loads(orjson.dumps(event.to_dict()))
    assert re.fullmatch(r"[0-9a-f]{32}", doc["event_id"])
    first = compute_grouping(event)
    again = compute_grouping(normalize_event(copy.deepcopy(raw), received_at=RECEIVED_AT))
    assert first.hash == again.hash
    assert first.components == again.components
    assert event_title(event)
    event_culprit(event)
    stored = NormalizedEvent.from_dict(doc)
    assert compute_grouping(stored) == first
    # Every later version holds to the same invariants.
    for version in sorted(VERSIONS.keys() - {GROUPING_CONFIG}):
        grouping = compute_by_version(event, version)
        assert re.fullmatch(r"[0-9a-f]{32}", grouping.hash)
        assert compute_by_version(stored, version) == grouping
        again = normalize_event(copy.deepcopy(raw), received_at=RECEIVED_AT)
        assert compute_by_version(again, version) == grouping


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(json_values)
def test_arbitrary_json_never_breaks_normalization_or_grouping(raw):
    check_invariants(raw)


@PROPERTY_SETTINGS
@given(st.dictionaries(json_keys, json_values, max_size=12))
def test_arbitrary_event_objects_never_break(raw):
    check_invariants(raw)


@PROPERTY_SETTINGS
@given(mutated_fixtures())
def test_mutated_real_events_never_break(raw):
    check_invariants(raw)
