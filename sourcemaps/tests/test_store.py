"""Storing artifact bundles and release files, and refusing hostile ones."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import storages
from django.test import override_settings

from projects.tests.factories import make_project
from sourcemaps.models import ArtifactBundle, SourceFile
from sourcemaps.store import (
    UploadRefused,
    delete_release_file,
    release_file,
    release_files,
    store_artifact_bundle,
    store_release_file,
)
from tests.shared import SDK_CAPTURES_DIR

ARTIFACTS = SDK_CAPTURES_DIR / "browser_minified_debugid" / "artifacts"
DEBUG_ID = "38b19463-428e-51eb-bbe0-c502056dc8e7"

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return make_project()


def bundle_zip(files: dict[str, tuple[bytes, dict]], extra: dict | None = None) -> bytes:
    """A zip laid out as sentry-cli lays out an artifact bundle."""
    buf = io.BytesIO()
    manifest = {"files": {}, "debug_id": DEBUG_ID, "attributes": {"org": "t", "project": "web"}}
    manifest.update(extra or {})
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for index, (url, (content, meta)) in enumerate(files.items()):
            path = f"files/_/_/{index}"
            z.writestr(path, content)
            manifest["files"][path] = {"url": url, **meta}
        z.writestr("manifest.json", json.dumps(manifest))
    return buf.getvalue()


def real_bundle() -> bytes:
    return bundle_zip(
        {
            "~/static/debugid/app.min.js": (
                (ARTIFACTS / "app.min.js").read_bytes(),
                {
                    "type": "minified_source",
                    "headers": {"debug-id": DEBUG_ID, "Sourcemap": "app.min.js.map"},
                },
            ),
            "~/static/debugid/app.min.js.map": (
                (ARTIFACTS / "app.min.js.map").read_bytes(),
                {"type": "source_map", "headers": {"debug-id": DEBUG_ID}},
            ),
        }
    )


def test_bundle_is_stored_and_indexed_by_debug_id(project):
    bundle = store_artifact_bundle(project, real_bundle(), release="web@1.0.0")
    files = {f.file_type: f for f in SourceFile.objects.filter(bundle=bundle)}
    assert set(files) == {"minified_source", "source_map"}
    assert files["source_map"].debug_id == DEBUG_ID
    assert files["source_map"].release == "web@1.0.0"
    assert files["source_map"].read_bytes() == (ARTIFACTS / "app.min.js.map").read_bytes()
    assert files["minified_source"].header("sourcemap") == "app.min.js.map"
    # The same bytes again are the same bundle.
    assert store_artifact_bundle(project, real_bundle(), release="web@1.0.0").pk == bundle.pk
    assert ArtifactBundle.objects.count() == 1


def test_release_files_round_trip(project):
    data = (ARTIFACTS / "app.min.js.map").read_bytes()
    stored = store_release_file(project, data, "~/app.min.js.map", "1.2.0", headers={"X": "y"})
    assert stored.file_type == "source_map" and stored.size == len(data)
    assert [f.pk for f in release_files(project, "1.2.0")] == [stored.pk]
    assert release_file(project, "1.2.0", stored.pk).read_bytes() == data
    # Same name again replaces it.
    again = store_release_file(project, data, "~/app.min.js.map", "1.2.0")
    assert [f.pk for f in release_files(project, "1.2.0")] == [again.pk]
    assert delete_release_file(project, "1.2.0", again.pk)
    assert not delete_release_file(project, "1.2.0", again.pk)
    assert list(release_files(project, "1.2.0")) == []


@pytest.mark.parametrize(
    "name",
    ["../evil.js", "files/../../evil.js", "/etc/passwd", "C:\\\\evil.js", "a\\\\..\\\\..\\\\b"],
)
def test_path_traversal_is_refused(project, name):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, b"x")
        z.writestr("manifest.json", json.dumps({"files": {name: {"url": "~/a.js"}}}))
    with pytest.raises(UploadRefused, match="unsafe path"):
        store_artifact_bundle(project, buf.getvalue())
    assert not SourceFile.objects.exists()


def test_zip_bomb_is_refused_without_unpacking_it(project):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(3):
            z.writestr(f"files/_/_/{i}", b"\0" * (2 * 1024 * 1024))
        z.writestr("manifest.json", "{}")
    assert len(buf.getvalue()) < 100_000
    with override_settings(SOURCEMAP_BUNDLE_MAX_BYTES=5 * 1024 * 1024):
        with pytest.raises(UploadRefused, match="unpacks to"):
            store_artifact_bundle(project, buf.getvalue())
    with override_settings(SOURCEMAP_BUNDLE_MAX_FILES=2):
        with pytest.raises(UploadRefused, match="holds 4 files"):
            store_artifact_bundle(project, buf.getvalue())


def test_lying_declared_size_is_bounded(project):
    """A member whose header understates its size is still cut at the limit while reading."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("files/_/_/0", b"a" * (3 * 1024 * 1024))
        z.writestr("manifest.json", "{}")
    data = bytearray(buf.getvalue())
    # Patch the uncompressed size (central directory) of the first member down to 10 bytes.
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x01\x02"))
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with override_settings(SOURCEMAP_MAX_FILE_BYTES=1024 * 1024):
        with pytest.raises(UploadRefused):
            store_artifact_bundle(project, bytes(data))


def test_huge_map_is_refused(project):
    data = b'{"version":3,"sources":[],"mappings":"' + b"A" * 5000 + b'"}'
    with override_settings(SOURCEMAP_MAX_FILE_BYTES=4096):
        with pytest.raises(UploadRefused, match="SOURCEMAP_MAX_FILE_BYTES"):
            store_release_file(project, data, "~/big.js.map", "1.0")
        with pytest.raises(UploadRefused, match="SOURCEMAP_MAX_FILE_BYTES"):
            store_artifact_bundle(
                project, bundle_zip({"~/big.js.map": (data, {"type": "source_map"})})
            )


def test_non_utf8_map_is_refused(project):
    data = '{"version":3,"sources":["café.js"],"mappings":""}'.encode("latin-1")
    with pytest.raises(UploadRefused, match="not UTF-8"):
        store_release_file(project, data, "~/app.js.map", "1.0")
    with pytest.raises(UploadRefused, match="not UTF-8"):
        store_artifact_bundle(project, bundle_zip({"~/app.js.map": (data, {"type": "source_map"})}))
    assert not SourceFile.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"not a zip", "not a valid zip"),
        (bundle_zip({}, {"files": []}), "no `files` object"),
        (
            bundle_zip(
                {"~/a.js": (b"x", {"type": "minified_source", "headers": {"debug-id": "nope"}})}
            ),
            "not a debug ID",
        ),
        (bundle_zip({"~/a.js.map": (b"[1]", {"type": "source_map"})}), "not a source map"),
    ],
)
def test_broken_bundles_are_refused(project, data, message):
    with pytest.raises(UploadRefused, match=message):
        store_artifact_bundle(project, data)
    assert not SourceFile.objects.exists()
    assert not ArtifactBundle.objects.exists()


def stored_names(project) -> list[str]:
    storage = storages["sourcemaps"]
    return storage.listdir(str(project.pk))[1] if storage.exists(str(project.pk)) else []


def test_refused_bundle_leaves_no_files_in_storage(project):
    good = (b"x", {"type": "minified_source"})
    bad = (b"\xff\xfe", {"type": "source_map"})
    before = stored_names(project)
    with pytest.raises(UploadRefused):
        store_artifact_bundle(project, bundle_zip({"~/a.js": good, "~/a.js.map": bad}))
    assert stored_names(project) == before


@pytest.mark.django_db(transaction=True)
def test_deleting_a_project_removes_its_stored_files():
    project = make_project(name="Doomed")
    before = set(stored_names(project))  # left by tests whose transactions rolled back
    store_artifact_bundle(project, real_bundle())
    store_release_file(project, b"x", "~/a.js", "1.0")
    assert len(set(stored_names(project)) - before) == 3
    project.delete()
    assert set(stored_names(project)) - before == set()
