"""Symbolication during digestion, with real SDK captures and their real terser source maps.

`browser_minified_debugid` events carry a debug ID (`debug_meta.images`); `browser_minified`
events only a release and the file's URL. Both are the same app, minified by terser.
"""

import json
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digestion.digest import digest_pending
from events.models import Event, RawEvent
from events.storage import event_document
from issues.models import Issue
from projects.tests.factories import make_project, python_event
from sourcemaps.cache import parsed_maps
from sourcemaps.lookup import file_index, url_candidates
from sourcemaps.models import SourceFile
from sourcemaps.store import store_artifact_bundle, store_release_file
from sourcemaps.tests.test_store import DEBUG_ID, bundle_zip, real_bundle
from tests.shared import SDK_CAPTURES_DIR

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

DEBUGID_DIR = SDK_CAPTURES_DIR / "browser_minified_debugid"
PLAIN_DIR = SDK_CAPTURES_DIR / "browser_minified"
RELEASE = "myapp-web@1.0.0"


def captured(directory, number: str = "0002") -> dict:
    event = json.loads((directory / f"{number}.event.json").read_text())
    event["event_id"] = uuid.uuid4().hex
    return event


def spool(project_id: int, event: dict) -> None:
    RawEvent.objects.create(
        project_id=project_id,
        event_id=event["event_id"],
        received_at=datetime.now(UTC),
        payload=orjson.dumps(event),
    )


def stored(project) -> list[dict]:
    return [event_document(e) for e in Event.objects.filter(project=project).order_by("id")]


def main_frames(document: dict) -> list[dict]:
    return document["exceptions"][-1]["stacktrace"]["frames"]


def upload_plain_release_files(project, dist: str = "") -> None:
    artifacts = PLAIN_DIR / "artifacts"
    for name in ("app.min.js", "app.min.js.map"):
        data = (artifacts / name).read_bytes()
        store_release_file(project, data, f"~/static/{name}", RELEASE, dist=dist)


@pytest.fixture(autouse=True)
def fresh_caches():
    parsed_maps().clear()
    file_index().clear()


def assert_original(document: dict) -> None:
    frames = main_frames(document)
    innermost = frames[-1]
    assert innermost["filename"] == "app.js"
    assert innermost["function"] == "formatPrice"
    assert (innermost["lineno"], innermost["colno"]) == (10, 11)
    assert "throw new TypeError('cents must be a number" in innermost["context_line"]
    assert innermost["pre_context"][-1] == "  if (typeof cents !== 'number') {"
    assert innermost["post_context"][0] == "  }"
    assert [f["function"] for f in frames if f["filename"] == "app.js"] == [
        "?",  # top-level code: no enclosing function
        "reportCaughtError",
        "onCheckoutClick",
        "renderCart",
        "<anonymous>",
        "formatPrice",
    ]
    # The minified frames stay beside them, frame for frame.
    raw = document["exceptions"][-1]["raw_stacktrace"]["frames"]
    assert len(raw) == len(frames)
    assert raw[-1]["function"] == "n" and raw[-1]["filename"].endswith("/app.min.js")
    assert raw[-1]["colno"] == 118


def test_symbolicated_by_debug_id():
    project = make_project()
    store_artifact_bundle(project, real_bundle())  # no release: the debug ID alone finds it
    spool(project.pk, captured(DEBUGID_DIR))
    assert digest_pending(project.pk) == 1
    document = stored(project)[0]
    assert_original(document)
    assert main_frames(document)[-1]["data"] == {"sourcemap": "~/static/debugid/app.min.js.map"}
    assert [e for e in document["errors"] if e["type"].startswith("js_")] == []


def test_symbolicated_by_release_and_url():
    project = make_project()
    upload_plain_release_files(project)
    spool(project.pk, captured(PLAIN_DIR))
    assert digest_pending(project.pk) == 1
    assert_original(stored(project)[0])


def test_release_files_of_another_dist_do_not_match():
    project = make_project()
    upload_plain_release_files(project, dist="ios")
    spool(project.pk, captured(PLAIN_DIR))
    digest_pending(project.pk)
    document = stored(project)[0]
    assert main_frames(document)[-1]["function"] == "n"
    assert "raw_stacktrace" not in document["exceptions"][-1]


def test_grouping_uses_the_symbolicated_frames():
    """The Issue's culprit names the original function, not the minified one."""
    project = make_project()
    store_artifact_bundle(project, real_bundle())
    spool(project.pk, captured(DEBUGID_DIR))
    digest_pending(project.pk)
    issue = Issue.objects.get(project=project)
    assert "formatPrice" in issue.culprit


def test_a_burst_of_one_bundle_parses_the_map_once_and_queries_once():
    project = make_project()
    store_artifact_bundle(project, real_bundle())
    parses, queries = parsed_maps().parses, file_index().queries
    for _ in range(30):
        spool(project.pk, captured(DEBUGID_DIR))
    assert digest_pending(project.pk, batch_size=7) == 30  # five batches
    assert parsed_maps().parses - parses == 1
    assert file_index().queries - queries == 1
    assert all(main_frames(d)[-1]["function"] == "formatPrice" for d in stored(project))


def test_events_without_javascript_or_projects_without_maps_cost_no_lookup():
    project = make_project()
    other = make_project(name="Other")
    store_artifact_bundle(other, real_bundle())  # files exist, but not in this project
    for _ in range(5):
        spool(project.pk, captured(DEBUGID_DIR))
        spool(project.pk, python_event())
    with CaptureQueriesContext(connection) as queries:
        assert digest_pending(project.pk) == 10
    lookups = [q["sql"] for q in queries if "sourcemaps_sourcefile" in q["sql"]]
    assert len(lookups) == 1  # the batch's "any files at all?"; no query per event or frame
    # Browser events still say what is missing (known without a query).
    browser = [d for d in stored(project) if d["platform"] == "javascript"]
    assert len(browser) == 5
    assert all(
        notes(d)
        == [
            "no source map for http://127.0.0.1:47801/static/debugid/app.min.js or debug ID "
            f"{DEBUG_ID} in release myapp-web@1.0.0"
        ]
        for d in browser
    )
    # An all-Python batch does not even ask that.
    spool(project.pk, python_event())
    with CaptureQueriesContext(connection) as queries:
        digest_pending(project.pk)
    assert not [q for q in queries if "sourcemaps" in q["sql"]]


def notes(document: dict) -> list[str]:
    return [e["reason"] for e in document["errors"] if e["type"].startswith("js_")]


def test_missing_map_is_recorded_not_fatal():
    project = make_project()
    store_release_file(project, b"unrelated", "~/static/other.js", RELEASE)
    spool(project.pk, captured(PLAIN_DIR))
    assert digest_pending(project.pk) == 1
    document = stored(project)[0]
    assert main_frames(document)[-1]["function"] == "n"
    assert notes(document) == [
        "no source map for http://127.0.0.1:47801/static/app.min.js in release myapp-web@1.0.0"
    ]


def test_wrong_debug_id_is_recorded():
    project = make_project()
    other_id = str(uuid.uuid4())
    data = (DEBUGID_DIR / "artifacts" / "app.min.js.map").read_bytes()
    store_artifact_bundle(
        project,
        bundle_zip(
            {"~/x.js.map": (data, {"type": "source_map", "headers": {"debug-id": other_id}})}
        ),
    )
    event = captured(DEBUGID_DIR)
    event["release"] = None
    spool(project.pk, event)
    digest_pending(project.pk)
    document = stored(project)[0]
    assert main_frames(document)[-1]["function"] == "n"
    assert notes(document) == [
        "no source map for http://127.0.0.1:47801/static/debugid/app.min.js or debug ID "
        f"{DEBUG_ID} (no release)"
    ]


def put_raw_file(project, name: str, data: bytes, file_type: str, debug_id: str = "") -> None:
    """A file as it may sit in storage from before the upload checks (or altered there)."""
    storage_name = storages["sourcemaps"].save(
        f"{project.pk}/{uuid.uuid4().hex}", ContentFile(data)
    )
    SourceFile.objects.create(
        project=project, release=RELEASE, name=name, file_type=file_type, debug_id=debug_id,
        sha1="0" * 40, size=len(data), storage_name=storage_name,
    )  # fmt: skip


@pytest.mark.parametrize(
    "map_bytes, reason",
    [
        (b"\xff\xfe{not utf-8", "source map ~/static/app.min.js.map is not UTF-8"),
        (b'{"version": 3, "sources": ["a.js"], "mappings": "!!!!"}', "is broken"),
        (b"[]", "is broken"),
    ],
)
def test_broken_map_is_recorded_not_fatal(map_bytes, reason):
    project = make_project()
    minified = (PLAIN_DIR / "artifacts" / "app.min.js").read_bytes()
    put_raw_file(project, "~/static/app.min.js", minified, "minified_source")
    put_raw_file(project, "~/static/app.min.js.map", map_bytes, "source_map")
    for _ in range(3):
        spool(project.pk, captured(PLAIN_DIR))
    assert digest_pending(project.pk) == 3
    for document in stored(project):
        assert main_frames(document)[-1]["function"] == "n"
        assert len(notes(document)) == 1 and reason in notes(document)[0]


def test_map_pointing_outside_its_sources():
    """Source names are only names: `../../etc/passwd` is shown, never read; a mapping to a
    source index the map does not have maps to nothing."""
    project = make_project()
    minified = (PLAIN_DIR / "artifacts" / "app.min.js").read_bytes()
    outside = {
        "version": 3,
        "sources": ["../../../../etc/passwd"],
        "names": [],
        "mappings": "AAAA,CAAC",
    }
    beyond = {"version": 3, "sources": ["a.js"], "names": [], "mappings": "AAAA,EGAC"}
    for index, sourcemap in enumerate([outside, beyond]):
        put_raw_file(project, f"~/static/{index}/app.min.js", minified, "minified_source")
        put_raw_file(
            project,
            f"~/static/{index}/app.min.js.map",
            json.dumps(sourcemap).encode(),
            "source_map",
        )
        event = captured(PLAIN_DIR)
        for frame in event["exception"]["values"][0]["stacktrace"]["frames"]:
            frame["filename"] = frame["filename"].replace("/static/", f"/static/{index}/")
        spool(project.pk, event)
    assert digest_pending(project.pk) == 2
    first, second = stored(project)
    frame = main_frames(first)[-1]
    assert frame["filename"] == "etc/passwd"
    assert frame["abs_path"] == "http://127.0.0.1:47801/etc/passwd"  # a name, never a file read
    assert frame["context_line"] is None and frame["pre_context"] == []
    assert "root:" not in json.dumps(first)
    assert main_frames(second)[-1]["function"] == "n"
    assert notes(second) == [
        "source map ~/static/1/app.min.js.map is broken (bad reference to source #3)"
    ]


def test_huge_map_in_storage_is_not_read():
    project = make_project()
    minified = (PLAIN_DIR / "artifacts" / "app.min.js").read_bytes()
    put_raw_file(project, "~/static/app.min.js", minified, "minified_source")
    put_raw_file(project, "~/static/app.min.js.map", b" " * 5000, "source_map")
    spool(project.pk, captured(PLAIN_DIR))
    from django.test import override_settings

    with override_settings(SOURCEMAP_MAX_FILE_BYTES=4000):
        digest_pending(project.pk)
    document = stored(project)[0]
    assert notes(document) == ["~/static/app.min.js.map is over the size limit (4000 bytes)"]


def test_frame_budget_is_recorded():
    project = make_project()
    store_artifact_bundle(project, real_bundle())
    spool(project.pk, captured(DEBUGID_DIR))
    from django.test import override_settings

    with override_settings(SOURCEMAP_MAX_FRAMES=2):
        digest_pending(project.pk)
    document = stored(project)[0]
    frames = main_frames(document)
    assert [f["filename"] == "app.js" for f in frames] == [
        False,
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert notes(document) == ["4 frames were not symbolicated (SOURCEMAP_MAX_FRAMES is 2)"]


def test_url_candidates():
    assert url_candidates("http://h:1/static/js/app.min.js?v=2#x") == (
        "http://h:1/static/js/app.min.js?v=2",
        "http://h:1/static/js/app.min.js",
        "~/static/js/app.min.js?v=2",
        "~/static/js/app.min.js",
        "~/js/app.min.js",
        "~/app.min.js",
    )
    assert url_candidates("/srv/app/dist/app.min.js")[:3] == (
        "/srv/app/dist/app.min.js",
        "~/srv/app/dist/app.min.js",
        "~/app/dist/app.min.js",
    )


def test_issue_page_shows_original_and_minified_frames_and_notes(client):
    from django.urls import reverse

    from projects.tests.factories import PASSWORD, make_user

    project = make_project()
    store_artifact_bundle(project, real_bundle())
    spool(project.pk, captured(DEBUGID_DIR))
    other = captured(PLAIN_DIR)  # no map uploaded for this one: a note says why
    spool(project.pk, other)
    digest_pending(project.pk)
    user = make_user("viewer", project.team)
    client.login(username=user.username, password=PASSWORD)
    first = Issue.objects.filter(project=project).order_by("id").first()
    page = client.get(reverse("issue-detail", args=[project.pk, first.pk])).content.decode()
    assert "formatPrice" in page and "app.js" in page
    assert "throw new TypeError(&#x27;cents must be a number" in page
    assert (
        "minified: <code>http://127.0.0.1:47801/static/debugid/app.min.js:3:118 in n</code>" in page
    )
    event = Event.objects.get(event_id=other["event_id"])
    page = client.get(
        reverse("event-detail", args=[project.pk, event.issue_id, event.pk])
    ).content.decode()
    assert "Not symbolicated" in page
    assert (
        "no source map for http://127.0.0.1:47801/static/app.min.js in release myapp-web@1.0.0"
        in page
    )


def test_debug_ids_match_whatever_their_spelling():
    project = make_project()
    store_artifact_bundle(project, real_bundle())
    event = captured(DEBUGID_DIR)
    event["debug_meta"]["images"][0]["debug_id"] = DEBUG_ID.upper().replace("-", "")
    event["release"] = None
    spool(project.pk, event)
    digest_pending(project.pk)
    assert main_frames(stored(project)[0])[-1]["function"] == "formatPrice"


def test_parsed_map_cache_is_bounded_by_bytes():
    """Two maps that do not fit together evict each other; one that fits stays parsed."""
    from sourcemaps.cache import ParsedMaps, StoredFile

    project = make_project()
    data = (PLAIN_DIR / "artifacts" / "app.min.js.map").read_bytes()
    files = []
    for index in range(2):
        stored_file = store_release_file(project, data, f"~/{index}/app.min.js.map", RELEASE)
        files.append(StoredFile(stored_file.pk, stored_file.name, stored_file.storage_name,
                                stored_file.size, ()))  # fmt: skip
    small = ParsedMaps(max_bytes=len(data) + 10)
    for _ in range(3):
        for file in files:
            assert small.get(file, None).cache is not None
    assert small.parses == 6
    roomy = ParsedMaps(max_bytes=3 * len(data))
    for _ in range(3):
        for file in files:
            roomy.get(file, None)
    assert roomy.parses == 2


@pytest.mark.parametrize(
    "src, shown",
    [
        ("webpack://shop/./src/cart.js", "src/cart.js"),
        ("../../src/app.js", "src/app.js"),
        ("./app.js", "app.js"),
        ("https://cdn.example.com/x.js", "https://cdn.example.com/x.js"),
        ("../", "?"),
    ],
)
def test_source_names_as_shown(src, shown):
    from sourcemaps.symbolicate import _short_source

    assert _short_source(src) == shown


def test_source_maps_per_event_are_bounded(monkeypatch):
    """Frames from more bundles than the bound keep their minified form, with a note."""
    import sourcemaps.symbolicate

    monkeypatch.setattr(sourcemaps.symbolicate, "_MAX_MAPS_PER_EVENT", 1)
    project = make_project()
    artifacts = PLAIN_DIR / "artifacts"
    event = captured(PLAIN_DIR)
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    for index in (0, 1):
        for name in ("app.min.js", "app.min.js.map"):
            data = (artifacts / name).read_bytes()
            store_release_file(project, data, f"~/static/{index}/{name}", RELEASE)
    # The outer frames come from a second copy of the bundle.
    for frame in frames[:3]:
        frame["filename"] = frame["filename"].replace("/static/", "/static/1/")
    for frame in frames[3:]:
        frame["filename"] = frame["filename"].replace("/static/", "/static/0/")
    spool(project.pk, event)
    digest_pending(project.pk)
    document = stored(project)[0]
    shown = main_frames(document)
    assert shown[-1]["function"] == "formatPrice"  # innermost first: these got the budget
    assert shown[0]["filename"].endswith("/static/1/app.min.js")
    assert notes(document) == [
        "http://127.0.0.1:47801/static/1/app.min.js was not symbolicated: the event needs more "
        "than 1 source maps"
    ]
