"""Event viewer inside an issue: one event in full, the issue's event list, raw JSON download."""

import orjson
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from events.models import Event
from events.storage import event_document
from issues.selectors import issue_for
from issues.views import issue_page_context

EVENTS_PER_PAGE = 50


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
    events = Event.objects.filter(issue=issue).order_by("-received_at", "-pk").defer("data")
    before = request.GET.get("before", "")
    if before.isdigit():
        events = _older_than(events, int(before))
    rows = list(events[: EVENTS_PER_PAGE + 1])
    next_before = rows[EVENTS_PER_PAGE - 1].pk if len(rows) > EVENTS_PER_PAGE else None
    return render(
        request,
        "events/list.html",
        {
            "project": issue.project,
            "issue": issue,
            "events": rows[:EVENTS_PER_PAGE],
            "next_before": next_before,
            "is_first_page": not before,
        },
    )


def _older_than(events: QuerySet[Event], pk: int) -> QuerySet[Event]:
    """Keyset paging in the order of the (issue, received_at) index, after the event `pk`.

    The `received_at <= anchor` term lets the database scan that index from the anchor on; the
    OR only sorts out events received in the same instant.
    """
    anchor = Subquery(events.filter(pk=pk).values("received_at")[:1])
    return events.filter(received_at__lte=anchor).filter(
        Q(received_at__lt=anchor) | Q(received_at=anchor, pk__lt=pk)
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
