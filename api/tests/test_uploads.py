"""Chunk upload and assemble over HTTP: the protocol sentry-cli follows, and bad input (a chunk
that does not match its checksum, malformed or unknown checksums, oversized chunks and requests,
a bundle the storage refuses) answered with a 4xx or an assemble error, never a 500."""

import gzip
import hashlib
import io
import zipfile

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.chunks import CHUNK_SIZE
from api.models import UploadChunk
from api.tests.helpers import bearer, token_for
from issues.models import Release
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)
from sourcemaps.models import ArtifactBundle, SourceFile

DEBUG_ID = "2f259f80-58b7-44cb-bd8c-4d8f6bff0a3a"


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def bundle_zip(entries: dict[str, bytes] | None = None, manifest: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = entries or {
            "files/_/_/app.min.js": b"function a(){throw new Error('x')}\n"
            b"//# debugId=" + DEBUG_ID.encode() + b"\n//# sourceMappingURL=app.min.js.map\n",
            "files/_/_/app.min.js.map": orjson.dumps(
                {"version": 3, "sources": ["app.js"], "names": [], "mappings": "AAAA"}
            ),
        }
        archive.writestr(
            "manifest.json",
            orjson.dumps(
                manifest
                or {
                    "files": {
                        path: {
                            "url": "~/" + path.rsplit("/", 1)[-1],
                            "type": "source_map" if path.endswith(".map") else "minified_source",
                            "headers": {"debug-id": DEBUG_ID},
                        }
                        for path in files
                    }
                }
            ),
        )
        for path, content in files.items():
            archive.writestr(path, content)
    return buffer.getvalue()


@pytest.fixture
def uploader(member):
    return bearer(token_for(member, "project:releases"))


def _chunk_url(project) -> str:
    return f"/api/0/organizations/{project.team.slug}/chunk-upload/"


def _assemble_url(project) -> str:
    return f"/api/0/organizations/{project.team.slug}/artifactbundle/assemble/"


def _upload(client, project, auth, parts: list[tuple[str, str, bytes]]):
    files = {}
    for field, name, data in parts:
        files.setdefault(field, []).append(SimpleUploadedFile(name, data))
    return client.post(_chunk_url(project), files, **auth)


def _assemble(client, project, auth, body: dict):
    return client.post(_assemble_url(project), orjson.dumps(body), "application/json", **auth)


def test_options_name_our_limits_and_capabilities(client, project, uploader):
    options = client.get(_chunk_url(project), **uploader).json()
    assert options["url"].endswith(_chunk_url(project))
    assert options["chunkSize"] == CHUNK_SIZE and options["hashAlgorithm"] == "sha1"
    assert {"artifact_bundles", "artifact_bundles_v2", "release_files"} <= set(options["accept"])
    assert options["compression"] == ["gzip"]


def test_assemble_state_machine(client, project, uploader):
    data = bundle_zip()
    # Two chunks: assembly must join them in the order given.
    middle = len(data) // 2
    chunks = [data[:middle], data[middle:]]
    body = {
        "checksum": sha1(data), "chunks": [sha1(c) for c in chunks],
        "projects": [project.slug], "version": "web@1.0.0",
    }  # fmt: skip

    first = _assemble(client, project, uploader, body).json()
    assert first["state"] == "not_found"
    assert first["missingChunks"] == body["chunks"]

    first_part = [("file_gzip", body["chunks"][0], gzip.compress(chunks[0]))]
    assert _upload(client, project, uploader, first_part).status_code == 200
    second = _assemble(client, project, uploader, body).json()
    assert second["state"] == "not_found" and second["missingChunks"] == [body["chunks"][1]]

    second_part = [("file", body["chunks"][1], chunks[1])]
    assert _upload(client, project, uploader, second_part).status_code == 200
    done = _assemble(client, project, uploader, body).json()
    assert done == {"state": "ok", "missingChunks": [], "detail": None}
    bundle = ArtifactBundle.objects.get(project=project)
    assert bundle.release == "web@1.0.0" and bundle.sha1 == sha1(data)
    assert set(SourceFile.objects.filter(bundle=bundle).values_list("debug_id", flat=True)) == {
        DEBUG_ID
    }
    assert Release.objects.filter(project=project, version="web@1.0.0").exists()
    # The chunks are gone once used; the outcome is remembered for the polls that follow.
    assert not UploadChunk.objects.exists()
    assert _assemble(client, project, uploader, body).json()["state"] == "ok"
    assert ArtifactBundle.objects.count() == 1


def test_a_chunk_that_does_not_match_its_checksum_is_refused(client, project, uploader):
    response = _upload(client, project, uploader, [("file", sha1(b"other"), b"content")])
    assert response.status_code == 400
    assert "checksum mismatch" in response.json()["detail"]
    good = b"good chunk"
    mixed = [("file", sha1(good), good), ("file", sha1(b"x"), b"y")]
    assert _upload(client, project, uploader, mixed).status_code == 400
    assert not UploadChunk.objects.exists()  # nothing stored unless every chunk checks out


@pytest.mark.parametrize(
    "parts, status, words",
    [
        ([("file", "not-a-checksum", b"x")], 400, "not a SHA-1"),
        ([("file_gzip", sha1(b"x"), b"not gzip")], 400, "not valid gzip"),
        ([("file_brotli", sha1(b"x"), b"x")], 400, "unknown upload field"),
        # A gzip bomb: a small part that inflates beyond the chunk size.
        ([("file_gzip", sha1(b"\0" * (CHUNK_SIZE + 1)), gzip.compress(b"\0" * (CHUNK_SIZE + 1)))],
         413, "chunk size"),
    ],
)  # fmt: skip
def test_bad_chunks(client, project, uploader, parts, status, words):
    response = _upload(client, project, uploader, parts)
    assert response.status_code == status and words in response.json()["detail"]


def test_an_oversized_request_is_refused_before_it_is_read(client, project, uploader, settings):
    settings.API_UPLOAD_MAX_REQUEST_BYTES = 1000
    data = b"z" * 2000
    response = _upload(client, project, uploader, [("file", sha1(data), data)])
    assert response.status_code == 413 and "at most 1000" in response.json()["detail"]


def test_assemble_refusals(client, project, uploader, settings):
    base = {"checksum": sha1(b"x"), "chunks": [sha1(b"x")], "projects": [project.slug]}
    bad_checksum = _assemble(client, project, uploader, {**base, "checksum": "abc"})
    assert bad_checksum.status_code == 400 and "not a SHA-1" in bad_checksum.json()["detail"]
    bad_chunk = _assemble(client, project, uploader, {**base, "chunks": ["../../etc/passwd"]})
    assert bad_chunk.status_code == 400
    unknown = _assemble(client, project, uploader, {**base, "projects": ["nope"]})
    assert unknown.status_code == 404
    no_project = _assemble(client, project, uploader, {**base, "projects": []})
    assert no_project.status_code == 400
    not_json = client.post(_assemble_url(project), b"{", "application/json", **uploader)
    assert not_json.status_code == 400


def _assemble_uploaded(client, project, auth, data: bytes, checksum: str | None = None) -> dict:
    _upload(client, project, auth, [("file", sha1(data), data)])
    body = {"checksum": checksum or sha1(data), "chunks": [sha1(data)], "projects": [project.slug]}
    response = _assemble(client, project, auth, body)
    assert response.status_code == 200
    return response.json()


def test_chunks_that_make_another_file_are_an_assemble_error(client, project, uploader):
    answer = _assemble_uploaded(client, project, uploader, b"some bytes", checksum=sha1(b"else"))
    assert answer["state"] == "error" and "not " + sha1(b"else") in answer["detail"]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"not a zip at all", "not a valid zip"),
        (bundle_zip({"../evil.js": b"x"}, {"files": {"../evil.js": {"url": "~/e.js"}}}), "unsafe"),
        (bundle_zip({"files/a.js.map": b"\xff\xfe"},
                    {"files": {"files/a.js.map": {"url": "~/a.js.map", "type": "source_map"}}}),
         "not UTF-8"),
    ],
)  # fmt: skip
def test_bundles_the_storage_refuses_are_an_assemble_error(client, project, uploader, data, words):
    answer = _assemble_uploaded(client, project, uploader, data)
    assert answer["state"] == "error" and words in answer["detail"]
    assert not ArtifactBundle.objects.exists()


def test_a_file_larger_than_the_limit_is_an_assemble_error(client, project, uploader, settings):
    settings.API_UPLOAD_MAX_FILE_BYTES = 100
    answer = _assemble_uploaded(client, project, uploader, b"q" * 200)
    assert answer["state"] == "error" and "at most 100" in answer["detail"]


def test_uploads_need_the_releases_scope_and_the_team(client, project, member, outsider):
    reader = bearer(token_for(member, "event:read"))
    assert client.get(_chunk_url(project), **reader).status_code == 403
    stranger = bearer(token_for(outsider, "project:releases"))
    assert client.get(_chunk_url(project), **stranger).status_code == 404
    data = b"chunk"
    assert _upload(client, project, stranger, [("file", sha1(data), data)]).status_code == 404


def test_release_file_upload_refusals(client, project, uploader, settings):
    url = f"/api/0/projects/{project.team.slug}/{project.slug}/releases/web@1/files/"
    no_file = client.post(url, {"name": "~/a.js"}, **uploader)
    assert no_file.status_code == 400 and "no file" in no_file.json()["detail"]
    bad_map = client.post(
        url, {"name": "~/a.js.map", "file": SimpleUploadedFile("a.js.map", b"\xff")}, **uploader
    )
    assert bad_map.status_code == 400 and "UTF-8" in bad_map.json()["detail"]
    ok = client.post(
        url, {"name": "~/a.js", "file": SimpleUploadedFile("a.js", b"var a;")}, **uploader
    )
    assert ok.status_code == 201 and ok.json()["sha1"] == sha1(b"var a;")
    settings.SOURCEMAP_MAX_FILE_BYTES = 10
    big = client.post(
        url, {"name": "~/b.js", "file": SimpleUploadedFile("b.js", b"x" * 100_000)}, **uploader
    )
    assert big.status_code == 413


def test_organization_release_files_list_download_delete(client, project, uploader, member):
    org = f"/api/0/organizations/{project.team.slug}/releases/"
    body = orjson.dumps({"version": "web@2", "projects": [project.slug]})
    assert client.post(org, body, "application/json", **uploader).status_code == 201
    files = f"{org}web@2/files/"
    content = b"console.log(1)\n"
    created = client.post(
        files,
        {"name": "~/a.js", "dist": "7", "header": ["Sourcemap: a.js.map"],
         "file": SimpleUploadedFile("a.js", content)},
        **uploader,
    )  # fmt: skip
    assert created.status_code == 201, created.content
    file_id = created.json()["id"]
    listed = client.get(files, {"checksum": sha1(content)}, **uploader).json()
    assert [(f["name"], f["dist"], f["headers"]) for f in listed] == [
        ("~/a.js", "7", {"Sourcemap": "a.js.map"})
    ]
    assert client.get(files, {"checksum": sha1(b"other")}, **uploader).json() == []
    download = client.get(f"{files}{file_id}/", {"download": "1"}, **uploader)
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert "attachment" in download["Content-Disposition"]
    assert client.delete(f"{files}{file_id}/", **uploader).status_code == 204
    assert client.get(f"{files}{file_id}/", **uploader).status_code == 404
    assert client.get(f"{org}web@9/files/", **uploader).status_code == 404


def test_too_many_projects_or_chunks_are_400(client, project, uploader):
    base = {"checksum": sha1(b"x"), "chunks": [sha1(b"x")], "projects": [project.slug]}
    many_projects = _assemble(client, project, uploader, {**base, "projects": ["p"] * 101})
    assert many_projects.status_code == 400
    many_chunks = _assemble(client, project, uploader, {**base, "chunks": [sha1(b"x")] * 10_001})
    assert many_chunks.status_code == 400
