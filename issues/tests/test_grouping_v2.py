"""Grouping v2's own rules, on real SDK captures (tests/fixtures/sdk) where an SDK sends the
case, changed only in the one field a rule reads. Sentry's inputs: test_grouping_sentry.py."""

import copy
import json
from datetime import UTC, datetime

from events.normalize import normalize_event
from issues.grouping import Grouping, compute_grouping
from issues.grouping.value_masks import mask_value
from tests.shared import SDK_CAPTURES_DIR

RECEIVED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def load(name: str) -> dict:
    return json.loads((SDK_CAPTURES_DIR / name).read_text())


def group(raw: dict) -> Grouping:
    return compute_grouping(normalize_event(raw, received_at=RECEIVED_AT), "v2")


def test_an_md5_checksum_is_the_hash_and_anything_else_is_hashed():
    raw = load("py_exception_simple/0001.event.json")
    md5 = "11212012123120120415201309082013"
    grouping = group({**raw, "checksum": md5})
    assert (grouping.strategy, grouping.hash) == ("checksum", md5)
    other = group({**raw, "checksum": "not a legit checksum"})
    assert other.strategy == "checksum" and len(other.hash) == 32 and other.hash != md5
    assert group({**load("py_message/0001.event.json"), "checksum": md5}).hash == md5


def test_csp_violations_group_by_directive_and_blocked_host():
    def report(document: str, blocked: str, directive: str = "script-src-elem") -> dict:
        return {
            "platform": "other",
            "logger": "csp",
            "message": f"Blocked 'script' from '{blocked}'",
            "csp": {
                "document_uri": document,
                "effective_directive": directive,
                "violated_directive": f"{directive} 'self'",
                "blocked_uri": blocked,
            },
        }

    first = group(report("https://shop.example/cart", "https://evil.example/a.js?v=1"))
    second = group(report("https://shop.example/", "https://evil.example/b/c.js"))
    assert first.strategy == "csp"
    assert first.hash == second.hash
    assert first.components == ["csp directive: script-src-elem", "csp blocked: evil.example"]
    assert group(report("https://shop.example/", "https://cdn.example/x.js")).hash != first.hash
    assert group(report("https://shop.example/", "inline")).components[1] == (
        "csp blocked: 'unsafe-inline'"
    )
    assert group(report("https://a/", "", "img-src")).components == [
        "csp directive: img-src",
        "csp blocked: 'self'",
    ]


def test_chunk_load_errors_group_together_whatever_the_stack():
    raw = load("browser_minified/0002.event.json")
    first, second = copy.deepcopy(raw), copy.deepcopy(raw)
    first["exception"]["values"][-1].update(type="ChunkLoadError", value="Loading chunk 7 failed.")
    second["exception"]["values"][-1]["value"] = "Loading chunk 815 failed.\n(missing: x.js)"
    del second["exception"]["values"][-1]["stacktrace"]["frames"][1:]
    assert group(first).hash == group(second).hash
    assert group(first).strategy == "built-in fingerprint"
    # A custom fingerprint still wins.
    assert group({**first, "fingerprint": ["mine"]}).strategy == "fingerprint"
    # Not for other platforms.
    python = load("py_exception_simple/0001.event.json")
    python["exception"]["values"][-1]["type"] = "ChunkLoadError"
    assert group(python).strategy == "exception"


def test_exception_groups_keep_the_parent_and_their_own_order():
    raw = load("py_exception_chained/0004.event.json")
    grouping = group(raw)
    types = [c for c in grouping.components if " type: " in c]
    assert types[-1].endswith("type: ExceptionGroup")  # the group itself counts, after its children
    assert any(c.endswith(" in: exception[2]") for c in grouping.components)
    reordered = copy.deepcopy(raw)
    reordered["exception"]["values"].reverse()
    assert group(reordered).hash == grouping.hash


def test_values_count_in_full_with_urls_and_sql_identifiers_masked():
    assert mask_value("GET https://api.example/orders/17?x=1 failed\n  retry 3") == (
        "GET <url> failed\nretry <int>"
    )
    assert mask_value('relation "orders_2024" does not exist') == (
        "relation <identifier> does not exist"
    )
    assert mask_value("Unknown column 'x_7' in 'field list'") == (
        "Unknown column <identifier> in 'field list'"
    )
    assert mask_value('He said "relation" twice') == 'He said "relation" twice'
    raw = load("node_exception/0002.event.json")
    raw["exception"]["values"][-1]["stacktrace"]["frames"] = []
    raw["exception"]["values"][-1]["value"] = "first line\nsecond line 1"
    other = copy.deepcopy(raw)
    other["exception"]["values"][-1]["value"] = "first line\nanother second line"
    assert group(raw).hash != group(other).hash  # v1 kept only the first line


def test_python_site_packages_frames_are_never_in_app():
    raw = load("py_exception_simple/0001.event.json")
    frames = raw["exception"]["values"][-1]["stacktrace"]["frames"]
    baseline = group(raw)
    library = dict(frames[-1], in_app=True)
    library["abs_path"] = "/srv/app/.venv/lib/python3.12/site-packages/lib/core.py"
    library["module"], library["function"] = "lib.core", "helper"
    changed = copy.deepcopy(raw)
    changed["exception"]["values"][-1]["stacktrace"]["frames"].append(library)
    assert group(changed).hash == baseline.hash


def test_node_microtask_frames_never_count():
    raw = load("node_unhandled_rejection/0002.event.json")
    components = group(raw).components
    assert not any("processTicksAndRejections" in c for c in components)
