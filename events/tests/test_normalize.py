"""Tests for events.normalize: real SDK payloads, legacy shapes and hostile input."""

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from events.normalize import (
    MAX_BREADCRUMBS,
    MAX_DEPTH,
    MAX_FRAMES,
    MAX_MESSAGE_LENGTH,
    MAX_TAGS,
    NormalizedEvent,
    format_message,
    normalize_event,
    trim_data,
)
from tests.shared import SDK_CAPTURES_DIR, event_file_params, third_party_events

RECEIVED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

SDK_EVENTS = sorted(SDK_CAPTURES_DIR.rglob("*.event.json"))


def load(relative: str) -> dict:
    return json.loads((SDK_CAPTURES_DIR / relative).read_text())


def normalize(raw: object, **kwargs) -> NormalizedEvent:
    return normalize_event(raw, received_at=RECEIVED_AT, **kwargs)


def error_names(event: NormalizedEvent) -> list[str]:
    return [error["name"] for error in event.errors]


def depth_of(value: object) -> int:
    """Nesting depth of containers, computed iteratively (the value may be deep)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            stack.extend((child, depth + 1) for child in current.values())
            deepest = max(deepest, depth + 1)
        elif isinstance(current, list):
            stack.extend((child, depth + 1) for child in current)
            deepest = max(deepest, depth + 1)
    return deepest


def nested(levels: int) -> dict:
    root: dict = {}
    current = root
    for _ in range(levels):
        current["child"] = {}
        current = current["child"]
    return root


def test_fixture_corpus_is_present():
    assert len(SDK_EVENTS) > 50


@pytest.mark.third_party
def test_third_party_corpus_is_present():
    assert len(third_party_events()) > 100


@pytest.mark.parametrize("path", event_file_params())
def test_every_fixture_normalizes(path: Path):
    raw = json.loads(path.read_text())
    event = normalize(raw)
    assert re.fullmatch(r"[0-9a-f]{32}", event.event_id)
    assert event.timestamp.tzinfo is not None
    assert event.level in ("fatal", "error", "warning", "info", "debug")
    doc = orjson.loads(orjson.dumps(event.to_dict()))
    assert doc["event_id"] == event.event_id
    # The stored document can be turned back into the same event.
    assert NormalizedEvent.from_dict(doc).to_dict() == doc


# --- core attributes ---------------------------------------------------------------------------


def test_python_exception_event_fields():
    raw = load("py_exception_simple/0001.event.json")
    event = normalize(raw)
    assert event.event_id == raw["event_id"]
    assert event.timestamp == datetime.fromisoformat(raw["timestamp"])
    assert event.platform == "python"
    assert event.level == "error"
    assert event.release == "myapp@1.0.0"
    assert event.environment == "production"
    assert event.sdk_name == "sentry.python.django"
    assert event.sdk_version == "2.75.0"
    assert ("feature", "checkout") in event.tags
    assert event.contexts["runtime"]["name"] == "CPython"
    assert event.errors == []
    main = event.main_exception
    assert main["type"] == "ZeroDivisionError"
    assert main["value"] == "division by zero"
    assert main["handled"] is True
    assert main["synthetic"] is False
    frames = main["stacktrace"]["frames"]
    assert [frame["function"] for frame in frames][-1] == "compute_average"
    assert set(frames[0]) == {
        "filename",
        "abs_path",
        "module",
        "function",
        "lineno",
        "colno",
        "in_app",
        "context_line",
        "pre_context",
        "post_context",
        "vars",
        "platform",
        "package",
        "instruction_addr",
    }


def test_chained_exceptions_keep_wire_order():
    event = normalize(load("py_exception_chained/0001.event.json"))
    assert [exc["type"] for exc in event.exceptions] == ["KeyError", "ValueError"]
    assert event.main_exception["type"] == "ValueError"
    group = normalize(load("py_exception_chained/0004.event.json"))
    assert len(group.exceptions) == 3
    assert group.main_exception["mechanism"]["is_exception_group"] is True


def test_event_id_variants():
    dashed = "1D862103-7761-48CF-83E9-423859BAF42E"
    assert normalize({"event_id": dashed}).event_id == "1d862103776148cf83e9423859baf42e"
    header_id = "a" * 32
    assert normalize({"event_id": "b" * 32}, event_id=header_id).event_id == header_id

    bad = normalize({"event_id": "not-an-id"})
    assert re.fullmatch(r"[0-9a-f]{32}", bad.event_id)
    assert {"type": "invalid_data", "name": "event_id", "value": "'not-an-id'"} in bad.errors

    missing = normalize({})
    assert re.fullmatch(r"[0-9a-f]{32}", missing.event_id)
    assert {"type": "missing_attribute", "name": "event_id"} in missing.errors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-23T06:36:08.869809Z", datetime(2026, 11, 23, 6, 36, 8, 869809, tzinfo=UTC)),
        ("2026-11-23T07:36:08+01:00", datetime(2026, 11, 23, 6, 36, 8, tzinfo=UTC)),
        ("2026-11-23T06:36:08", datetime(2026, 11, 23, 6, 36, 8, tzinfo=UTC)),
        (1795415787.5, datetime.fromtimestamp(1795415787.5, tz=UTC)),
        (1795415787, datetime.fromtimestamp(1795415787, tz=UTC)),
        ("1795415787.5", datetime.fromtimestamp(1795415787.5, tz=UTC)),
    ],
)
def test_timestamp_formats(raw, expected):
    event = normalize({"timestamp": raw})
    assert event.timestamp == expected
    assert "timestamp" not in error_names(event)


@pytest.mark.parametrize(
    "raw", ["yesterday", "", "2026-13-45", float("nan"), 1e300, True, [], {"a": 1}, "9" * 500]
)
def test_garbage_timestamp_falls_back_to_received_at(raw):
    event = normalize({"timestamp": raw})
    assert event.timestamp == RECEIVED_AT
    assert "timestamp" in error_names(event)


def test_future_timestamp_is_clamped():
    future = (RECEIVED_AT + timedelta(days=3)).isoformat()
    event = normalize({"timestamp": future})
    assert event.timestamp == RECEIVED_AT
    assert event.errors[-1]["type"] == "future_timestamp"


def test_naive_received_at_is_taken_as_utc():
    event = normalize_event({}, received_at=datetime(2026, 1, 1))
    assert event.received_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert event.timestamp == event.received_at


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("warn", "warning"),
        ("WARNING", "warning"),
        ("critical", "fatal"),
        ("fatal", "fatal"),
        ("info", "info"),
        ("debug", "debug"),
        (40, "error"),  # raven sends Python logging levels as numbers
        (30, "warning"),
        ("50", "fatal"),
        (None, "error"),
    ],
)
def test_levels(raw, expected):
    assert normalize({"level": raw}).level == expected


def test_unknown_level_defaults_to_error_and_is_noted():
    event = normalize({"level": "bananas"})
    assert event.level == "error"
    assert "level" in error_names(event)


def test_platform_default_and_validation():
    assert normalize({}).platform == "other"
    assert normalize({"platform": "Python"}).platform == "python"
    event = normalize({"platform": "<script>"})
    assert event.platform == "other"
    assert "platform" in error_names(event)


# --- messages ----------------------------------------------------------------------------------


def test_logentry_with_params():
    event = normalize(load("py_message/0001.event.json"))
    assert event.message == "Order A-1001 failed with status 402"
    assert event.message_template == "Order %s failed with status %d"


def test_plain_string_message_has_no_template():
    event = normalize(load("py_message/0002.event.json"))
    assert event.message == "Plain message from capture_message"
    assert event.message_template is None


def test_raven_legacy_message_interface_is_formatted():
    event = normalize(load("raven_store/0002.event.json"))
    assert event.message_template == "Order %s failed"
    assert event.message == "Order 'A-1001' failed"
    assert event.level == "warning"


def test_node_logentry_without_formatted_is_formatted_from_params():
    event = normalize(load("node_message/0004.event.json"))
    assert event.message_template == "Order %s failed with status %s"
    assert event.message == "Order A-1001 failed with status 402"
    assert event.main_exception["synthetic"] is True


def test_logentry_wins_over_message():
    event = normalize({"message": "legacy", "logentry": {"message": "new %s", "params": ["x"]}})
    assert event.message == "new x"
    assert event.message_template == "new %s"


def test_message_object_shape():
    event = normalize({"message": {"message": "Hi %s", "formatted": "Hi Bob"}})
    assert (event.message, event.message_template) == ("Hi Bob", "Hi %s")


@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        ("a %s b %d", ["x", 3], "a x b 3"),
        ("100%% of %s", ["y"], "100% of y"),
        ("%(name)s is %(age)d", {"name": "Ann", "age": 3}, "Ann is 3"),
        ("{0} and {1}", ["p", "q"], "p and q"),
        ("{} then {}", ["p", "q"], "p then q"),
        ("Hi {name}", {"name": "Bo"}, "Hi Bo"),
        ("missing %s %s", ["one"], "missing one %s"),
        ("huge %999999999s", ["x"], "huge x"),  # never allocates the padding
        ("no params %s", None, "no params %s"),
    ],
)
def test_format_message(template, params, expected):
    assert format_message(template, params) == expected


def test_huge_message_is_cut_and_noted():
    event = normalize({"message": "M" * 300_000})
    assert len(event.message) == MAX_MESSAGE_LENGTH
    assert event.message.endswith("\u2026")
    assert {"type": "value_too_long", "name": "message", "length": 300_000} in event.errors


# --- exceptions and stack traces ---------------------------------------------------------------


def test_exception_container_shapes():
    exc = {"type": "E", "value": "v"}
    for container in ({"values": [exc]}, [exc], exc):
        event = normalize({"exception": container})
        assert [e["type"] for e in event.exceptions] == ["E"]
    legacy = normalize({"sentry.interfaces.Exception": {"values": [exc]}})
    assert legacy.main_exception["type"] == "E"


def test_exception_values_as_string_is_noted():
    event = normalize({"exception": {"values": "boom"}})
    assert event.exceptions == []
    assert "exception.values" in error_names(event)


def test_exception_entries_of_wrong_type_are_skipped():
    event = normalize({"exception": {"values": [1, None, "x", {"type": "Ok"}, {}]}})
    assert [e["type"] for e in event.exceptions] == ["Ok"]
    assert error_names(event).count("exception.values.0") == 1


def test_mechanism_flags():
    event = normalize(load("node_message/0002.event.json"))
    exc = event.main_exception
    assert exc["synthetic"] is True
    assert exc["handled"] is True
    unhandled = normalize(load("py_exception_unhandled/0001.event.json")).main_exception
    assert unhandled["handled"] is False
    assert unhandled["mechanism"]["type"] == "excepthook"


def test_frames_null_and_wrong_types():
    event = normalize(
        {
            "exception": {
                "values": [
                    {"type": "A", "stacktrace": {"frames": None}},
                    {"type": "B", "stacktrace": {"frames": "nope"}},
                    {"type": "C", "stacktrace": "nope"},
                    {
                        "type": "D",
                        "stacktrace": {
                            "frames": [
                                None,
                                7,
                                {
                                    "function": "f",
                                    "lineno": "12",
                                    "colno": 3.0,
                                    "in_app": "true",
                                    "filename": 5,
                                    "vars": "x",
                                    "pre_context": ["a", None, 3],
                                    "instruction_addr": 4096,
                                },
                                {"function": "g", "lineno": "abc", "in_app": "maybe"},
                            ]
                        },
                    },
                ]
            }
        }
    )
    assert [exc["stacktrace"] for exc in event.exceptions[:3]] == [None, None, None]
    first, second = event.exceptions[3]["stacktrace"]["frames"]
    assert first["lineno"] == 12
    assert first["colno"] == 3
    assert first["in_app"] is True
    assert first["filename"] == "5"  # numbers are coerced to text
    assert first["vars"] is None
    assert first["pre_context"] == ["a", "", "3"]
    assert first["instruction_addr"] == "0x1000"
    assert second["lineno"] is None
    assert second["in_app"] is None
    names = error_names(event)
    for name in (
        "exception.values.1.stacktrace.frames",
        "exception.values.2.stacktrace",
        "exception.values.3.stacktrace.frames.1",
        "exception.values.3.stacktrace.frames.2.vars",
        "exception.values.3.stacktrace.frames.3.lineno",
        "exception.values.3.stacktrace.frames.3.in_app",
    ):
        assert name in names


def test_many_frames_keep_both_ends():
    raw = load("py_many_frames/0002.event.json")
    original = raw["exception"]["values"][0]["stacktrace"]["frames"]
    assert len(original) == 1002
    stacktrace = normalize(raw).main_exception["stacktrace"]
    frames = stacktrace["frames"]
    assert len(frames) == MAX_FRAMES
    assert frames[0]["function"] == "<module>"  # outermost kept
    assert frames[-1]["lineno"] == original[-1]["lineno"]  # the raising frame kept
    assert stacktrace["frames_omitted"] == [MAX_FRAMES // 2, 1002 - MAX_FRAMES // 2]
    assert "exception.values.0.stacktrace.frames" in error_names(normalize(raw))


def test_exception_takes_stacktrace_of_its_thread():
    frames = [{"function": "run", "module": "worker"}]
    raw = {
        "exception": {"values": [{"type": "E", "thread_id": 2}]},
        "threads": {
            "values": [
                {"id": 1, "stacktrace": {"frames": [{"function": "main"}]}},
                {"id": 2, "crashed": True, "stacktrace": {"frames": frames}},
            ]
        },
    }
    event = normalize(raw)
    assert event.main_exception["stacktrace"]["frames"][0]["function"] == "run"
    assert len(event.threads) == 2
    assert event.threads[1]["crashed"] is True


def test_exception_takes_the_only_thread_stacktrace():
    raw = {
        "exception": [{"type": "ApplicationNotResponding"}],
        "threads": [{"id": "main", "stacktrace": {"frames": [{"function": "loop"}]}}],
    }
    event = normalize(raw)
    assert event.main_exception["stacktrace"]["frames"][0]["function"] == "loop"


def test_ambiguous_threads_are_not_attached():
    raw = {
        "exception": [{"type": "E"}],
        "threads": [
            {"id": 1, "stacktrace": {"frames": [{"function": "a"}]}},
            {"id": 2, "stacktrace": {"frames": [{"function": "b"}]}},
        ],
    }
    assert normalize(raw).main_exception["stacktrace"] is None


def test_threads_from_python_attach_stacktrace():
    event = normalize(load("py_threads_attach_stacktrace/0001.event.json"))
    assert event.exceptions == []
    assert event.threads[0]["current"] is True
    assert event.threads[0]["stacktrace"]["frames"][-1]["function"] == "inner_report"


def test_bare_stacktrace():
    event = normalize({"stacktrace": {"frames": [{"function": "f", "filename": "a.py"}]}})
    assert event.stacktrace["frames"][0]["function"] == "f"
    assert list(event.all_frames()) == event.stacktrace["frames"]


def test_all_frames_covers_exceptions_threads_and_stacktrace():
    event = normalize(load("py_exception_chained/0001.event.json"))
    assert len(list(event.all_frames())) == 4


# --- breadcrumbs, request, user, tags, contexts ------------------------------------------------


def test_breadcrumbs_shapes_and_limit():
    crumbs = [{"message": f"crumb {i}", "timestamp": 1795415787 + i} for i in range(300)]
    event = normalize({"breadcrumbs": crumbs})
    assert len(event.breadcrumbs) == MAX_BREADCRUMBS
    assert event.breadcrumbs[-1]["message"] == "crumb 299"  # newest kept
    assert event.breadcrumbs[0]["message"] == "crumb 100"
    assert event.breadcrumbs[0]["timestamp"].startswith("2026-")
    wrapped = normalize({"breadcrumbs": {"values": crumbs[:3]}})
    assert [b["message"] for b in wrapped.breadcrumbs] == ["crumb 0", "crumb 1", "crumb 2"]


def test_node_breadcrumbs_bare_list():
    event = normalize(load("node_exception/0004.event.json"))
    assert event.breadcrumbs[0]["category"] == "console"


def test_request_headers_from_dict_and_pairs():
    event = normalize(load("py_django_request/0001.event.json"))
    request = event.request
    assert request["method"] == "GET"
    assert request["url"] == "http://127.0.0.1:33767/orders/17/"
    assert ["Cookie", "[Filtered]"] in request["headers"]
    assert request["query_string"].startswith("discount=0")
    pairs = normalize({"request": {"headers": [["A", "1"], ["B", 2], ["bad"], [None, "x"]]}})
    assert pairs.request["headers"] == [["A", "1"], ["B", "2"]]
    assert "request.headers" in error_names(pairs)


def test_request_cookies_and_query_string_dict():
    event = normalize(load("node_http_request/0004.event.json"))
    assert ["sessionid", "[Filtered]"] in event.request["cookies"]
    query = normalize({"request": {"query_string": {"a": "1", "b": "x y"}}})
    assert query.request["query_string"] == "a=1&b=x+y"


def test_user_ids_become_text():
    event = normalize({"user": {"id": 42, "email": "a@b.c", "geo": {"city": "Graz"}}})
    assert event.user == {"id": "42", "email": "a@b.c", "geo": {"city": "Graz"}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"a": "1", "b": 2, "c": True}, [("a", "1"), ("b", "2"), ("c", "True")]),
        ([["a", "1"], ("b", "2")], [("a", "1"), ("b", "2")]),
        ([["a", "1"], ["a", "2"]], [("a", "1")]),
    ],
)
def test_tags_shapes(raw, expected):
    assert normalize({"tags": raw}).tags == expected


def test_bad_tags_are_noted():
    assert normalize({"tags": 12}).tags == []
    assert "tags" in error_names(normalize({"tags": 12}))
    event = normalize({"tags": [["ok", "1"], "junk", ["x", {"y": 1}]]})
    assert event.tags == [("ok", "1")]
    assert error_names(event).count("tags") == 2


def test_tags_are_bounded():
    event = normalize({"tags": {f"k{i}": "v" * 500 for i in range(150)}})
    assert len(event.tags) == MAX_TAGS
    assert all(len(value) == 200 for _, value in event.tags)
    long_key = normalize({"tags": {"k" * 300: "v"}})
    assert len(long_key.tags[0][0]) == 200


def test_contexts_must_be_objects():
    event = normalize({"contexts": {"os": {"name": "Linux"}, "bad": "x", "runtime": None}})
    assert event.contexts == {"os": {"name": "Linux", "type": "os"}}
    assert "contexts.bad" in error_names(event)


def test_fingerprint_shapes():
    assert normalize({"fingerprint": ["a", 1]}).fingerprint == ["a", "1"]
    assert normalize({"fingerprint": []}).fingerprint is None
    assert normalize({"fingerprint": "solo"}).fingerprint == ["solo"]
    event = normalize({"fingerprint": 5})
    assert event.fingerprint is None
    assert "fingerprint" in error_names(event)


# --- bounds on free-form data ------------------------------------------------------------------


def test_ten_thousand_levels_of_nesting_in_extra():
    event = normalize({"extra": {"deep": nested(10_000)}})
    assert depth_of(event.extra) <= MAX_DEPTH + 1
    assert "extra" in error_names(event)
    orjson.dumps(event.to_dict())  # orjson itself refuses more than 255 levels


@pytest.mark.parametrize(
    "make",
    [
        lambda deep: {"contexts": {"custom": deep}},
        lambda deep: {"request": {"data": deep, "env": deep}},
        lambda deep: {"user": {"data": deep}},
        lambda deep: {"breadcrumbs": [{"data": deep}]},
        lambda deep: {"exception": {"values": [{"type": "E", "mechanism": {"data": deep}}]}},
        lambda deep: {"stacktrace": {"frames": [{"function": "f", "vars": deep}]}},
        lambda deep: {"modules": deep},
    ],
)
def test_deep_nesting_everywhere(make):
    event = normalize(make(nested(5_000)))
    orjson.dumps(event.to_dict())
    assert event.errors


def test_deep_lists():
    deep: list = []
    current = deep
    for _ in range(20_000):
        current.append([])
        current = current[0]
    event = normalize({"extra": {"x": deep}})
    assert depth_of(event.extra) <= MAX_DEPTH + 1


def test_trim_data_breadth_and_markers():
    trimmed, cut = trim_data({"items": list(range(500)), "obj": {str(i): i for i in range(300)}})
    assert cut is True
    assert len(trimmed["items"]) == 201
    assert trimmed["items"][-1] == "<300 more items>"
    assert trimmed["obj"]["\u2026"] == "<100 more keys>"
    untouched, cut = trim_data({"a": [1, 2.5, None, True, "x"]})
    assert cut is False
    assert untouched == {"a": [1, 2.5, None, True, "x"]}


def test_trim_data_handles_cycles():
    cyclic: dict = {}
    cyclic["self"] = cyclic
    trimmed, cut = trim_data(cyclic)
    assert cut is True
    assert depth_of(trimmed) <= MAX_DEPTH + 1


def test_trim_data_node_budget():
    wide = {str(i): {str(j): j for j in range(100)} for i in range(150)}
    trimmed, cut = trim_data(wide, node_budget=1000)
    assert cut is True
    assert len(orjson.dumps(trimmed)) < len(orjson.dumps(wide))


def test_large_python_locals_are_cut():
    event = normalize(load("py_large/0001.event.json"))
    variables = [frame["vars"] for frame in event.all_frames() if frame["vars"]]
    longest = max(len(value) for v in variables for value in v.values() if isinstance(value, str))
    assert longest <= 4096
    assert len(orjson.dumps(event.to_dict())) < 200_000


def test_unstorable_scalars_are_made_safe():
    raw = {
        "message": "nul\x00byte and lone \ud800 surrogate",
        "extra": {
            "big": 10**30,
            "huge": 10**5000,
            "nan": float("nan"),
            "inf": float("-inf"),
            "bytes": b"\xffraw",
            "set": {1, 2},
            5: "int key",
        },
        "tags": {"t": "\ud83d"},
    }
    event = normalize(raw)
    assert "\x00" not in event.message
    event.message.encode("utf-8")
    assert event.extra["big"] == str(10**30)
    assert event.extra["huge"] == "<very large integer>"
    assert event.extra["nan"] == "nan"
    assert event.extra["5"] == "int key"
    orjson.dumps(event.to_dict())


@pytest.mark.parametrize("raw", [[], [1, 2], "event", 42, None, 3.5, True, b"bytes", object()])
def test_non_object_events(raw):
    event = normalize(raw)
    assert event.errors[0]["name"] == "event"
    assert event.exceptions == []
    orjson.dumps(event.to_dict())


def test_errors_are_capped():
    frames = [{"function": "f", "lineno": "x"} for _ in range(200)]
    raw = {"event_id": "a" * 32, "timestamp": 1795415787, "stacktrace": {"frames": frames}}
    event = normalize(raw)
    assert len(event.errors) == 51
    assert event.errors[-1] == {"type": "too_many_errors", "name": "errors", "count": 150}


def test_input_is_not_modified():
    raw = load("py_exception_chained/0001.event.json")
    before = copy.deepcopy(raw)
    normalize(raw)
    assert raw == before


def test_to_dict_shape():
    doc = normalize(load("node_exception/0004.event.json")).to_dict()
    assert doc["timestamp"] == "2026-11-23T06:36:27.322000+00:00"
    assert doc["received_at"] == RECEIVED_AT.isoformat()
    assert isinstance(doc["tags"], list)
    assert doc["exceptions"][-1]["type"] == "Error"
    assert set(doc) >= {"event_id", "message", "message_template", "errors", "contexts"}


def test_auto_ip_address_becomes_the_senders_address():
    raw = load("node_tags_user_context/0002.event.json")
    assert raw["user"]["ip_address"] == "{{auto}}"
    event = normalize(raw, remote_addr="203.0.113.9")
    assert event.user["ip_address"] == "203.0.113.9"
    assert event.user["username"] == "jane"


def test_auto_ip_address_without_a_known_sender_is_dropped():
    event = normalize(load("node_tags_user_context/0002.event.json"))
    assert "ip_address" not in event.user


def test_explicit_ip_address_is_kept():
    event = normalize({"user": {"ip_address": "198.51.100.4"}}, remote_addr="203.0.113.9")
    assert event.user["ip_address"] == "198.51.100.4"
