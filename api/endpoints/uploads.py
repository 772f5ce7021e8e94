"""Chunk upload and assemble, for sentry-cli `sourcemaps upload` and
`releases files ... upload-sourcemaps`.

GET  /api/0/organizations/{org}/chunk-upload/         the upload options
POST /api/0/organizations/{org}/chunk-upload/         chunks (multipart file / file_gzip)
POST /api/0/organizations/{org}/artifactbundle/assemble/
POST /api/0/organizations/{org}/releases/{version}/assemble/   (release-file bundles)
"""

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from api import bundles, chunks
from api.assemble import assemble, check_checksums, target_key
from api.auth import projects_of, require_scope, team_for
from api.releases import create, releases_of

MAX_PROJECTS = 100  # projects named in one request
MAX_CHUNKS = 10_000  # far above what API_UPLOAD_MAX_FILE_BYTES allows; bounds the body
router = Router(tags=["uploads"])
UPLOAD = ("project:releases",)


@router.get("/organizations/{org}/chunk-upload/", summary="Chunk upload options")
def chunk_upload_options(request: HttpRequest, org: str) -> dict:
    token = require_scope(request, *UPLOAD)
    return chunks.upload_options(team_for(token, org))


def check_request_size(request: HttpRequest, limit: int) -> None:
    """Refuse a body too large before Django reads it (413), or one of unknown size (411)."""
    length = request.META.get("CONTENT_LENGTH") or ""
    if not length.isdigit():
        raise HttpError(411, "a Content-Length is required")
    if int(length) > limit:
        raise HttpError(413, f"the request is {length} bytes; at most {limit} allowed")


@router.post("/organizations/{org}/chunk-upload/", summary="Upload chunks", response={200: dict})
def chunk_upload(request: HttpRequest, org: str) -> dict:
    token = require_scope(request, *UPLOAD)
    team = team_for(token, org)
    check_request_size(request, settings.API_UPLOAD_MAX_REQUEST_BYTES)
    uploads = [(field, f) for field in request.FILES for f in request.FILES.getlist(field)]
    try:
        received = chunks.store_chunks(team, uploads)
    except chunks.ChunkRefused as e:
        raise HttpError(e.status, str(e)) from e
    return {"received": received}


class AssembleBundle(Schema):
    checksum: str = Field(max_length=64)
    chunks: list[str] = Field([], max_length=MAX_CHUNKS)
    projects: list[str] = Field([], max_length=MAX_PROJECTS)
    version: str | None = Field(None, max_length=250)
    dist: str | None = Field(None, max_length=64)


class AssembleReleaseFiles(Schema):
    checksum: str = Field(max_length=64)
    chunks: list[str] = Field([], max_length=MAX_CHUNKS)


@router.post("/organizations/{org}/artifactbundle/assemble/", summary="Assemble a bundle")
def assemble_artifact_bundle(request: HttpRequest, org: str, body: AssembleBundle) -> dict:
    token = require_scope(request, *UPLOAD)
    team = team_for(token, org)
    checksum, chunk_list = check_checksums(body.checksum, body.chunks)
    if not body.projects:
        raise HttpError(400, "an artifact bundle needs at least one project (projects: [...])")
    slugs = list(dict.fromkeys(body.projects))
    found = {p.slug: p for p in projects_of(token, team).filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise HttpError(404, f"unknown project(s) in {team.slug}: {', '.join(unknown)}")
    release, dist = body.version or "", body.dist or ""

    def store(data: bytes) -> None:
        for slug in slugs:
            bundles.store_artifact_bundle(found[slug], data, release, dist)
        if release:  # the release the bundle was uploaded for now exists in its projects
            create([found[s] for s in slugs], release, {})

    target = target_key("artifact_bundle", sorted(slugs), release, dist)
    return assemble(team, checksum, chunk_list, target, store)


@router.post("/organizations/{org}/releases/{version}/assemble/", summary="Assemble release files")
def assemble_release_files(
    request: HttpRequest, org: str, version: str, body: AssembleReleaseFiles
) -> dict:
    token = require_scope(request, *UPLOAD)
    team = team_for(token, org)
    checksum, chunk_list = check_checksums(body.checksum, body.chunks)
    rows = list(releases_of(projects_of(token, team), version))
    if not rows:
        raise HttpError(404, f"release {version[:100]!r} not found")

    def store(data: bytes) -> None:
        # A release-file bundle is the same zip as an artifact bundle, tied to the release.
        for row in rows:
            bundles.store_artifact_bundle(row.project, data, version, "")

    target = target_key("release_bundle", sorted(r.project_id for r in rows), version)
    return assemble(team, checksum, chunk_list, target, store)
