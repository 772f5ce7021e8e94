"""Legacy release files: sentry-cli 2.x `releases files VERSION upload|list|delete` (and its
non-chunked upload), on a project's release or on the organization's (every project of the
team that has the release).

    GET    .../releases/{version}/files/              list (optionally ?checksum=...)
    POST   .../releases/{version}/files/              multipart: file, name, dist, header
    GET    .../releases/{version}/files/{file_id}/    metadata, or the bytes with ?download=1
    DELETE .../releases/{version}/files/{file_id}/
"""

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Status
from ninja.errors import HttpError

from api.auth import project_for, projects_of, require_scope, team_for
from api.endpoints.uploads import check_request_size
from api.releases import create, releases_of
from api.serialize import iso
from projects.models import Project
from sourcemaps import store

router = Router(tags=["release files"])
READ, WRITE = ("project:read", "project:releases"), ("project:releases",)
ORG = "/organizations/{org}/releases/{version}/files/"
PROJECT = "/projects/{org}/{project}/releases/{version}/files/"


def _artifact(file) -> dict:
    return {
        "id": str(file.pk),
        "name": file.name,
        "dist": file.dist or None,
        "sha1": file.sha1,
        "size": file.size,
        "headers": file.headers or {},
        "dateCreated": iso(file.created_at),
    }


def _projects(request: HttpRequest, org: str, project: str | None, version: str) -> list[Project]:
    """The projects whose release `version` the request is about; 404 when there is none."""
    token = request.auth
    if project is not None:
        return [project_for(token, org, project)]
    found = [r.project for r in releases_of(projects_of(token, team_for(token, org)), version)]
    if not found:
        raise HttpError(404, f"release {version[:100]!r} not found")
    return found


def _list(request: HttpRequest, projects: list[Project], version: str) -> HttpResponse:
    checksums = set(request.GET.getlist("checksum"))
    files = [
        _artifact(f)
        for p in projects
        for f in store.release_files(p, version)
        if not checksums or f.sha1 in checksums
    ]
    response = JsonResponse(files, safe=False)
    cursor = request.GET.get("cursor", "")
    response["Link"] = (
        f'<{request.build_absolute_uri()}>; rel="previous"; results="false"; cursor="{cursor}", '
        f'<{request.build_absolute_uri()}>; rel="next"; results="false"; cursor="{cursor}"'
    )
    return response


def _upload(request: HttpRequest, projects: list[Project], version: str) -> HttpResponse:
    # The file plus the multipart framing and fields around it.
    check_request_size(request, settings.SOURCEMAP_MAX_FILE_BYTES + 64 * 1024)
    upload = request.FILES.get("file")
    name = request.POST.get("name") or (upload.name if upload else "")
    if upload is None:
        raise HttpError(400, "no file (multipart field `file`)")
    headers = {}
    for header in request.POST.getlist("header")[:50]:
        key, sep, value = header.partition(":")
        if not sep or not key.strip():
            raise HttpError(400, f"header {header[:100]!r} is not `Name: value`")
        headers[key.strip()] = value.strip()
    data = upload.read(settings.SOURCEMAP_MAX_FILE_BYTES + 1)
    create(projects, version, {})  # sentry-cli uploads into releases it did not create first
    try:
        stored = [
            store.store_release_file(
                p, data, name, version, dist=request.POST.get("dist", ""), headers=headers
            )
            for p in projects
        ]
    except store.UploadRefused as e:
        raise HttpError(400, str(e)) from e
    return JsonResponse(_artifact(stored[0]), status=201)


def _one(projects: list[Project], version: str, file_id: int):
    for project in projects:
        found = store.release_file(project, version, file_id)
        if found is not None:
            return project, found
    raise HttpError(404, f"release file {file_id} not found")


def _get(request: HttpRequest, projects: list[Project], version: str, file_id: int):
    _, found = _one(projects, version, file_id)
    if request.GET.get("download") in ("1", "true"):
        # Served as a download, never rendered: the content is the client's.
        response = FileResponse(
            found.open_file(), as_attachment=True, filename=found.name.rsplit("/", 1)[-1] or "file"
        )
        response["Content-Type"] = "application/octet-stream"
        return response
    return JsonResponse(_artifact(found))


def _delete(projects: list[Project], version: str, file_id: int):
    project, found = _one(projects, version, file_id)
    store.delete_release_file(project, version, found.pk)
    return Status(204, None)


@router.get(PROJECT, summary="A release's files (project)")
def project_files(request: HttpRequest, org: str, project: str, version: str):
    require_scope(request, *READ)
    return _list(request, _projects(request, org, project, version), version)


@router.post(PROJECT, summary="Upload a release file (project)")
def project_file_upload(request: HttpRequest, org: str, project: str, version: str):
    require_scope(request, *WRITE)
    return _upload(request, _projects(request, org, project, version), version)


@router.get(PROJECT + "{file_id}/", summary="A release file, or its bytes with ?download=1")
def project_file(request: HttpRequest, org: str, project: str, version: str, file_id: int):
    require_scope(request, *READ)
    return _get(request, _projects(request, org, project, version), version, file_id)


@router.delete(PROJECT + "{file_id}/", response={204: None})
def project_file_delete(request: HttpRequest, org: str, project: str, version: str, file_id: int):
    require_scope(request, *WRITE)
    return _delete(_projects(request, org, project, version), version, file_id)


@router.get(ORG, summary="A release's files (organization)")
def org_files(request: HttpRequest, org: str, version: str):
    require_scope(request, *READ)
    return _list(request, _projects(request, org, None, version), version)


@router.post(ORG, summary="Upload a release file (organization)")
def org_file_upload(request: HttpRequest, org: str, version: str):
    require_scope(request, *WRITE)
    return _upload(request, _projects(request, org, None, version), version)


@router.get(ORG + "{file_id}/", summary="A release file, or its bytes with ?download=1")
def org_file(request: HttpRequest, org: str, version: str, file_id: int):
    require_scope(request, *READ)
    return _get(request, _projects(request, org, None, version), version, file_id)


@router.delete(ORG + "{file_id}/", response={204: None})
def org_file_delete(request: HttpRequest, org: str, version: str, file_id: int):
    require_scope(request, *WRITE)
    return _delete(_projects(request, org, None, version), version, file_id)
