"""Events: an Issue's events (cursor pages), its latest / oldest event, one event by id."""

import re

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.errors import HttpError

from api.auth import issue_for, project_for, require_scope
from api.event_json import event_json
from api.pagination import set_link_header
from events.models import Event
from events.selectors import issue_events_page, project_events_page
from issues.models import Issue

router = Router(tags=["events"])
READ = ("event:read",)
EVENT_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def _events(request: HttpRequest, response: HttpResponse, issue: Issue, full: bool) -> list[dict]:
    cursor = request.GET.get("cursor", "")
    rows, next_before = issue_events_page(issue.pk, int(cursor) if cursor.isdigit() else None)
    if full:  # the list query leaves the documents out
        rows = list(
            Event.objects.filter(pk__in=[e.pk for e in rows]).order_by("-received_at", "-pk")
        )
    set_link_header(request, response, str(next_before) if next_before else None)
    return [event_json(e, issue.project, with_document=full) for e in rows]


def _one(issue: Issue, which: str) -> dict:
    events = Event.objects.filter(issue=issue)
    if which == "latest":
        event = events.order_by("-received_at", "-pk").first()
    elif which == "oldest":
        event = events.order_by("received_at", "pk").first()
    else:
        event = events.filter(event_id=_event_id(which)).first()
    if event is None:
        raise HttpError(404, "event not found")
    return event_json(event, issue.project)


def _event_id(value: str) -> str:
    value = value.replace("-", "").lower()
    if not EVENT_ID_RE.match(value):
        raise HttpError(404, "event not found")
    return value


@router.get("/organizations/{org}/issues/{issue_id}/events/", summary="An Issue's events")
def org_issue_events(
    request: HttpRequest, response: HttpResponse, org: str, issue_id: int, full: bool = False
) -> list[dict]:
    token = require_scope(request, *READ)
    return _events(request, response, issue_for(token, issue_id, org), full)


@router.get("/issues/{issue_id}/events/", summary="An Issue's events")
def issue_events(
    request: HttpRequest, response: HttpResponse, issue_id: int, full: bool = False
) -> list[dict]:
    token = require_scope(request, *READ)
    return _events(request, response, issue_for(token, issue_id), full)


@router.get(
    "/organizations/{org}/issues/{issue_id}/events/{event_id}/",
    summary="An Issue's event: latest, oldest, or by id",
)
def org_issue_event(request: HttpRequest, org: str, issue_id: int, event_id: str) -> dict:
    token = require_scope(request, *READ)
    return _one(issue_for(token, issue_id, org), event_id)


@router.get("/issues/{issue_id}/events/{event_id}/", summary="An Issue's event: latest, oldest, id")
def issue_event(request: HttpRequest, issue_id: int, event_id: str) -> dict:
    token = require_scope(request, *READ)
    return _one(issue_for(token, issue_id), event_id)


@router.get("/projects/{org}/{project}/events/{event_id}/", summary="One event by its id")
def project_event(request: HttpRequest, org: str, project: str, event_id: str) -> dict:
    token = require_scope(request, *READ)
    target = project_for(token, org, project)
    event = Event.objects.filter(project=target, event_id=_event_id(event_id)).first()
    if event is None:
        raise HttpError(404, "event not found")
    return event_json(event, target)


@router.get("/projects/{org}/{project}/events/", summary="A project's events, newest first")
def project_events(
    request: HttpRequest, response: HttpResponse, org: str, project: str,
    cursor: str = "", limit: int = 50, full: bool = False,
) -> list[dict]:  # fmt: skip
    token = require_scope(request, *READ)
    target = project_for(token, org, project)
    rows, next_cursor = project_events_page(target.pk, cursor, max(1, min(limit, 100)))
    if full:  # the page query leaves the documents out
        by_pk = Event.objects.in_bulk([e.pk for e in rows])
        rows = [by_pk[e.pk] for e in rows]
    set_link_header(request, response, next_cursor)
    return [event_json(e, target, with_document=full) for e in rows]
