"""How a Web API request is authenticated and what it may reach.

Every endpoint authenticates with `Authorization: Bearer <token>` (BearerToken), checks the
scope it needs (`require_scope`, 403 when the token lacks it), and finds its team (the
organization of the URL) and project among those the token's owner may see, exactly as the UI
does (projects/access.py): anything else answers 404, like an organization or project that does
not exist. A token never reaches further than its owner.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from api.models import ApiToken
from api.tokens import authenticate
from issues.models import Issue
from projects.access import administered_teams, is_superuser, member_teams, visible_projects
from projects.models import Project, Team


class BearerToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiToken:
        token = authenticate(request.headers.get("Authorization", ""))
        # Views read the user from here, as the UI's views read request.user.
        request.user = token.user
        return token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:  # pragma: no cover
        raise NotImplementedError  # __call__ above reads the header itself


def token_of(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined]


def require_scope(request: HttpRequest, *scopes: str) -> ApiToken:
    """The request's token, if it grants one of `scopes`; 403 otherwise."""
    token = token_of(request)
    if not any(scope in token.granted for scope in scopes):
        raise HttpError(403, f"this token lacks the scope {' or '.join(scopes)}")
    return token


def teams_of(token: ApiToken) -> QuerySet[Team]:
    """The teams (organizations) the token's owner belongs to; every team for a superuser."""
    if is_superuser(token.user):
        return Team.objects.all()
    return member_teams(token.user)


def team_for(token: ApiToken, org_slug: str) -> Team:
    team = teams_of(token).filter(slug=org_slug).first()
    if team is None:
        raise HttpError(404, f"organization {org_slug!r} not found")
    return team


def projects_of(token: ApiToken, team: Team | None = None) -> QuerySet[Project]:
    projects = visible_projects(token.user)
    return projects if team is None else projects.filter(team=team)


def project_for(token: ApiToken, org_slug: str, project_slug: str) -> Project:
    project = projects_of(token).filter(team__slug=org_slug, slug=project_slug).first()
    if project is None:
        raise HttpError(404, f"project {org_slug}/{project_slug} not found")
    return project


def require_team_admin(token: ApiToken, team: Team) -> None:
    """Project administration is for team admins, in the API as in the UI."""
    if not administered_teams(token.user).filter(pk=team.pk).exists():
        raise HttpError(403, "only admins of the team may do this")


def issue_for(token: ApiToken, issue_id: int, org_slug: str | None = None) -> Issue:
    """An Issue of a project the token's owner may see (and of team `org_slug` if given)."""
    issues = Issue.objects.select_related("project", "project__team").filter(
        project__in=visible_projects(token.user)
    )
    if org_slug is not None:
        issues = issues.filter(project__team__slug=org_slug)
    issue = issues.filter(pk=issue_id).first()
    if issue is None:
        raise HttpError(404, f"issue {issue_id} not found")
    return issue
