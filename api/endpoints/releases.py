"""Releases and deploys (sentry-cli `releases new|finalize|list|info`, `deploys new|list`).

Sentry has both organization endpoints (a release naming several projects) and project ones;
sentry-cli uses the project ones when one project is given. Both map onto our per-project
Release rows (api/releases.py).
"""

from datetime import datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from api import releases as service
from api import serialize
from api.auth import project_for, projects_of, require_scope, team_for
from issues.models import Deploy
from projects.models import Project, Team

MAX_PROJECTS = 100  # projects named in one request
router = Router(tags=["releases"])

READ = ("project:read", "project:releases")
WRITE = ("project:releases",)


class NewRelease(Schema):
    version: str = Field(min_length=1, max_length=250)
    projects: list[str] = Field([], max_length=MAX_PROJECTS)
    url: str | None = Field(None, max_length=500)
    dateStarted: datetime | None = None  # noqa: N815 - Sentry's field names
    dateReleased: datetime | None = None  # noqa: N815
    ref: str | None = None


class UpdatedRelease(Schema):
    version: str | None = Field(None, max_length=250)
    projects: list[str] | None = Field(None, max_length=MAX_PROJECTS)
    url: str | None = Field(None, max_length=500)
    dateStarted: datetime | None = None  # noqa: N815
    dateReleased: datetime | None = None  # noqa: N815
    ref: str | None = None
    status: str | None = None


class NewDeploy(Schema):
    environment: str = Field(min_length=1, max_length=64)
    name: str | None = Field(None, max_length=250)
    url: str | None = Field(None, max_length=500)
    dateStarted: datetime | None = None  # noqa: N815
    dateFinished: datetime | None = None  # noqa: N815
    projects: list[str] | None = Field(None, max_length=MAX_PROJECTS)


def _check_version(version: str) -> str:
    # Sentry's rules: no slashes, no whitespace at the ends or control characters, not `.`/`..`
    # and not `latest` (a keyword in its search).
    if (
        not version
        or version != version.strip()
        or "/" in version
        or "\\" in version
        or version in (".", "..", "latest")
        or any(ord(c) < 32 for c in version)
    ):
        raise HttpError(400, f"invalid release version {version[:100]!r}")
    return version


def _fields(body: NewRelease | UpdatedRelease) -> dict:
    return {
        "date_released": body.dateReleased,
        "date_started": body.dateStarted,
        "url": body.url,
    }


def _named_projects(request: HttpRequest, team: Team, slugs: list[str]) -> list[Project]:
    token = request.auth
    found = {p.slug: p for p in projects_of(token, team).filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise HttpError(400, f"unknown project(s) in {team.slug}: {', '.join(missing)}")
    return [found[s] for s in dict.fromkeys(slugs)]


def _created(request: HttpRequest, rows, made: bool) -> HttpResponse:
    # 201 for a new release, 208 for one that existed already, as Sentry answers.
    return JsonResponse(service.describe(rows)[0], status=201 if made else 208)


@router.get("/organizations/{org}/releases/", summary="The organization's releases")
def org_releases(request: HttpRequest, org: str) -> list[dict]:
    token = require_scope(request, *READ)
    team = team_for(token, org)
    return service.describe(list(service.releases_of(projects_of(token, team))))


@router.post("/organizations/{org}/releases/", summary="Create (or update) a release")
def org_release_create(request: HttpRequest, org: str, body: NewRelease) -> HttpResponse:
    token = require_scope(request, *WRITE)
    team = team_for(token, org)
    if not body.projects:
        raise HttpError(400, "a release needs at least one project (projects: [...])")
    projects = _named_projects(request, team, body.projects)
    rows, made = service.create(projects, _check_version(body.version), _fields(body))
    return _created(request, rows, made)


@router.get("/organizations/{org}/releases/{version}/", summary="One release")
def org_release(request: HttpRequest, org: str, version: str) -> dict:
    token = require_scope(request, *READ)
    rows = _org_rows(token, org, version)
    return service.describe(rows)[0]


@router.put("/organizations/{org}/releases/{version}/", summary="Update or finalize a release")
def org_release_update(request: HttpRequest, org: str, version: str, body: UpdatedRelease) -> dict:
    token = require_scope(request, *WRITE)
    rows = _org_rows(token, org, version)
    if body.projects:
        team = rows[0].project.team
        wanted = {p.pk for p in _named_projects(request, team, body.projects)}
        rows = [r for r in rows if r.project_id in wanted] or rows
    for row in rows:
        service.update(row, _fields(body))
    return service.describe(rows)[0]


@router.delete("/organizations/{org}/releases/{version}/", response={204: None})
def org_release_delete(request: HttpRequest, org: str, version: str):
    token = require_scope(request, "project:admin", "project:releases")
    for row in _org_rows(token, org, version):
        row.delete()
    return Status(204, None)


def _org_rows(token, org: str, version: str) -> list:
    team = team_for(token, org)
    rows = list(service.releases_of(projects_of(token, team), version))
    if not rows:
        raise HttpError(404, f"release {version[:100]!r} not found")
    return rows


def _project_rows(token, org: str, project: str, version: str) -> list:
    rows = list(service.releases_of([project_for(token, org, project)], version))
    if not rows:
        raise HttpError(404, f"release {version[:100]!r} not found")
    return rows


@router.get("/projects/{org}/{project}/releases/", summary="The project's releases")
def project_releases(request: HttpRequest, org: str, project: str) -> list[dict]:
    token = require_scope(request, *READ)
    return service.describe(list(service.releases_of([project_for(token, org, project)])))


@router.post("/projects/{org}/{project}/releases/", summary="Create a release in one project")
def project_release_create(
    request: HttpRequest, org: str, project: str, body: NewRelease
) -> HttpResponse:
    token = require_scope(request, *WRITE)
    target = project_for(token, org, project)
    rows, made = service.create([target], _check_version(body.version), _fields(body))
    return _created(request, rows, made)


@router.get("/projects/{org}/{project}/releases/{version}/", summary="One release of a project")
def project_release(request: HttpRequest, org: str, project: str, version: str) -> dict:
    token = require_scope(request, *READ)
    return service.describe(_project_rows(token, org, project, version))[0]


@router.put("/projects/{org}/{project}/releases/{version}/", summary="Update or finalize")
def project_release_update(
    request: HttpRequest, org: str, project: str, version: str, body: UpdatedRelease
) -> dict:
    token = require_scope(request, *WRITE)
    rows = _project_rows(token, org, project, version)
    service.update(rows[0], _fields(body))
    return service.describe(rows)[0]


@router.delete("/projects/{org}/{project}/releases/{version}/", response={204: None})
def project_release_delete(request: HttpRequest, org: str, project: str, version: str):
    token = require_scope(request, "project:admin", "project:releases")
    for row in _project_rows(token, org, project, version):
        row.delete()
    return Status(204, None)


@router.get("/organizations/{org}/releases/{version}/deploys/", summary="A release's deploys")
def deploy_list(request: HttpRequest, org: str, version: str) -> list[dict]:
    token = require_scope(request, *READ)
    rows = _org_rows(token, org, version)
    seen = set()
    result = []
    # One deploy reported for several projects is a row per project: listed once.
    for deploy in Deploy.objects.filter(release__in=rows).order_by("-date_finished", "-pk"):
        key = (deploy.environment, deploy.name, deploy.date_finished)
        if key not in seen:
            seen.add(key)
            result.append(serialize.deploy(deploy))
    return result


@router.post("/organizations/{org}/releases/{version}/deploys/", response={201: dict})
def deploy_create(request: HttpRequest, org: str, version: str, body: NewDeploy):
    token = require_scope(request, *WRITE)
    rows = _org_rows(token, org, version)
    if body.projects:
        team = rows[0].project.team
        wanted = {p.pk for p in _named_projects(request, team, body.projects)}
        rows = [r for r in rows if r.project_id in wanted]
        if not rows:
            raise HttpError(400, f"release {version[:100]!r} is in none of those projects")
    fields = {
        "environment": body.environment,
        "name": body.name or "",
        "url": body.url or "",
        "date_started": body.dateStarted,
        # One moment for every project's row: they are one deploy (listed once).
        "date_finished": body.dateFinished or timezone.now(),
    }
    deploys = [Deploy.objects.create(release=row, **fields) for row in rows]
    return Status(201, serialize.deploy(deploys[0]))
