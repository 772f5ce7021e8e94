"""Event viewer inside an issue: one event in full, the issue's event list, raw JSON download."""

import orjson
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from events.models import Event
from events.selectors import issue_events_page
from events.storage import event_document
from issues.page import issue_page_context
from issues.selectors import issue_for


@login_required
def event_detail(
    request: HttpRequest, project_id: int, issue_id: int, event_pk: int
) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    event = get_object_or_404(Event, issue=issue, pk=event_pk)
    return render(request, "issues/detail.html", issue_page_context(issue, event))


@login_required
def event_list(request: HttpRequest, project_id: int, issue_id: int) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    before = request.GET.get("before", "")
    rows, next_before = issue_events_page(issue.pk, int(before) if before.isdigit() else None)
    return render(
        request,
        "events/list.html",
        {
            "project": issue.project,
            "issue": issue,
            "events": rows,
            "next_before": next_before,
            "is_first_page": not before,
        },
    )


@login_required
def event_json(request: HttpRequest, project_id: int, issue_id: int, event_pk: int) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    event = get_object_or_404(Event, issue=issue, pk=event_pk)
    body = orjson.dumps(event_document(event), option=orjson.OPT_INDENT_2)
    response = HttpResponse(body, content_type="application/json")
    # A download, never rendered by the browser as a page: the content is untrusted.
    response["Content-Disposition"] = f'attachment; filename="event-{event.event_id}.json"'
    return response
