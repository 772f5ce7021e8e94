"""The authentication check (`GET /api/0/`, sentry-cli `info`), organizations and projects."""

from django.db.models import Min
from django.http import HttpRequest
from ninja import Router

from api import serialize
from api.auth import project_for, projects_of, require_scope, team_for, teams_of, token_of

router = Router(tags=["general"])


@router.get("/", summary="Who the token belongs to and its scopes")
def auth_info(request: HttpRequest) -> dict:
    token = token_of(request)
    user = token.user
    return {
        "version": "0",
        "auth": {"scopes": sorted(token.scopes)},
        "user": {
            "id": str(user.pk),
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
            "email": user.email or "",
        },
    }


def _organizations(teams) -> list[dict]:
    teams = teams.annotate(first_project=Min("projects__created_at")).order_by("name")
    return [serialize.organization(t, t.first_project) for t in teams]


@router.get("/organizations/", summary="The token owner's teams, as organizations")
def organizations(request: HttpRequest) -> list[dict]:
    token = require_scope(request, "org:read")
    return _organizations(teams_of(token))


@router.get("/organizations/{org}/", summary="One organization (team)")
def organization(request: HttpRequest, org: str) -> dict:
    token = require_scope(request, "org:read")
    team = team_for(token, org)
    return _organizations(teams_of(token).filter(pk=team.pk))[0]


@router.get("/organizations/{org}/projects/", summary="The organization's projects")
def organization_projects(request: HttpRequest, org: str) -> list[dict]:
    token = require_scope(request, "project:read")
    team = team_for(token, org)
    return [serialize.project(p) for p in projects_of(token, team).order_by("name")]


@router.get("/projects/", summary="Every project the token's owner can see")
def project_list(request: HttpRequest) -> list[dict]:
    token = require_scope(request, "project:read")
    return [serialize.project(p) for p in projects_of(token).order_by("team__name", "name")]


@router.get("/projects/{org}/{project}/", summary="One project")
def project_detail(request: HttpRequest, org: str, project: str) -> dict:
    token = require_scope(request, "project:read")
    return serialize.project(project_for(token, org, project))
