"""Issues of a project: list (the UI's search syntax, cursor pages), detail, status, delete.

Sentry's paths: `/projects/{org}/{project}/issues/` for the list (and bulk changes by `id`),
`/organizations/{org}/issues/{id}/` and the older `/issues/{id}/` for one Issue.
"""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from api import serialize
from api.auth import issue_for, project_for, require_scope
from api.pagination import set_link_header
from issues.models import Issue
from issues.search import parse_search
from issues.selectors import issue_page_after
from issues.state import IssueStateManager, MuteRefused

router = Router(tags=["issues"])

READ, WRITE, ADMIN = ("event:read",), ("event:write",), ("event:admin",)
SORTS = {"date": "last_seen", "new": "first_seen", "freq": "event_count"}


class IssueListQuery(Schema):
    query: str = "is:unresolved"
    cursor: str = ""
    sort: str = "date"
    limit: int = 25


@router.get("/projects/{org}/{project}/issues/", summary="A project's Issues, searched")
def issue_list(
    request: HttpRequest, response: HttpResponse, org: str, project: str,
    params: Query[IssueListQuery],
) -> list[dict]:  # fmt: skip
    token = require_scope(request, *READ)
    target = project_for(token, org, project)
    sort = SORTS.get(params.sort)
    if sort is None:
        raise HttpError(400, f"sort must be one of {', '.join(SORTS)}")
    limit = max(1, min(params.limit, 100))
    # The UI's search language. The default query is Sentry's, `is:unresolved` (our "open");
    # a query without an `is:` term searches Issues in every state.
    search = parse_search(params.query)
    rows, next_cursor = issue_page_after(target, search, "all", sort, params.cursor, limit)
    set_link_header(request, response, next_cursor)
    return [serialize.issue(i, target) for i in rows]


class StatusDetails(Schema):
    inNextRelease: bool | None = None  # noqa: N815 - Sentry's field names
    inRelease: str | None = None  # noqa: N815
    ignoreDuration: int | None = None  # noqa: N815 - minutes
    ignoreCount: int | None = None  # noqa: N815
    ignoreWindow: int | None = None  # noqa: N815 - minutes


class IssueUpdate(Schema):
    status: str | None = None
    statusDetails: StatusDetails = StatusDetails()  # noqa: N815


def _mute_condition(details: StatusDetails) -> list[dict] | None:
    if details.ignoreCount is None:
        return None
    if not details.ignoreWindow:
        raise HttpError(400, "ignoreCount needs ignoreWindow (minutes)")
    window = details.ignoreWindow
    period, periods = "minute", window
    if window % (24 * 60) == 0:
        period, periods = "day", window // (24 * 60)
    elif window % 60 == 0:
        period, periods = "hour", window // 60
    return [{"period": period, "nr_of_periods": periods, "volume": details.ignoreCount}]


def apply_update(issue: Issue, update: IssueUpdate, user) -> None:
    """Sentry's status change, through the same state manager as the UI."""
    status, details = update.status, update.statusDetails
    manager = IssueStateManager
    try:
        if status == "resolvedInNextRelease" or (status == "resolved" and details.inNextRelease):
            manager.resolve_by_next(issue, user=user)
        elif status == "resolved" and details.inRelease == "latest":
            manager.resolve_by_latest(issue, user=user)
        elif status == "resolved":
            manager.resolve(issue, user=user)
        elif status == "unresolved":
            if issue.is_resolved:
                manager.reopen(issue, user=user)
            elif issue.is_muted:
                manager.unmute(issue, user=user)
        elif status == "ignored":
            until = None
            if details.ignoreDuration:
                until = timezone.now() + timedelta(minutes=details.ignoreDuration)
            manager.mute(issue, conditions=_mute_condition(details), unmute_after=until, user=user)
        else:
            raise HttpError(
                400, "status must be resolved, resolvedInNextRelease, unresolved or ignored"
            )
    except MuteRefused as e:
        raise HttpError(400, str(e)) from e


def _own_issues(request: HttpRequest, org: str, project: str) -> list[Issue]:
    target = project_for(request.auth, org, project)
    ids = [int(v) for v in request.GET.getlist("id") if v.isdigit()]
    if not ids:
        raise HttpError(400, "name the Issues to change with ?id=...")
    return list(Issue.objects.filter(project=target, pk__in=ids[:1000]).select_related("project"))


@router.put("/projects/{org}/{project}/issues/", summary="Change the status of Issues by id")
def issue_bulk_update(request: HttpRequest, org: str, project: str, body: IssueUpdate) -> dict:
    require_scope(request, *WRITE)
    issues = _own_issues(request, org, project)
    for issue in issues:
        apply_update(issue, body, request.auth.user)
    return {"status": body.status, "statusDetails": {}, "updated": len(issues)}


@router.delete("/projects/{org}/{project}/issues/", response={204: None})
def issue_bulk_delete(request: HttpRequest, org: str, project: str):
    require_scope(request, *ADMIN)
    for issue in _own_issues(request, org, project):
        issue.delete()
    return Status(204, None)


def _detail(request: HttpRequest, issue_id: int, org: str | None) -> dict:
    token = require_scope(request, *READ)
    issue = issue_for(token, issue_id, org)
    return serialize.issue(issue, issue.project)


def _update(request: HttpRequest, issue_id: int, org: str | None, body: IssueUpdate) -> dict:
    token = require_scope(request, *WRITE)
    issue = issue_for(token, issue_id, org)
    apply_update(issue, body, token.user)
    return serialize.issue(issue, issue.project)


def _delete(request: HttpRequest, issue_id: int, org: str | None):
    token = require_scope(request, *ADMIN)
    issue_for(token, issue_id, org).delete()
    return Status(202, None)


@router.get("/organizations/{org}/issues/{issue_id}/", summary="One Issue")
def org_issue(request: HttpRequest, org: str, issue_id: int) -> dict:
    return _detail(request, issue_id, org)


@router.put("/organizations/{org}/issues/{issue_id}/", summary="Resolve, unresolve or mute")
def org_issue_update(request: HttpRequest, org: str, issue_id: int, body: IssueUpdate) -> dict:
    return _update(request, issue_id, org, body)


@router.delete("/organizations/{org}/issues/{issue_id}/", response={202: None})
def org_issue_delete(request: HttpRequest, org: str, issue_id: int):
    return _delete(request, issue_id, org)


@router.get("/issues/{issue_id}/", summary="One Issue")
def issue(request: HttpRequest, issue_id: int) -> dict:
    return _detail(request, issue_id, None)


@router.put("/issues/{issue_id}/", summary="Resolve, unresolve or mute")
def issue_update(request: HttpRequest, issue_id: int, body: IssueUpdate) -> dict:
    return _update(request, issue_id, None, body)


@router.delete("/issues/{issue_id}/", response={202: None})
def issue_delete(request: HttpRequest, issue_id: int):
    return _delete(request, issue_id, None)
