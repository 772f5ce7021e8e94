"""Issue list (tabs, search, sort, keyset pages, bulk actions) and issue detail with actions."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.redirects import safe_next
from events.display import event_context
from events.models import Event
from issues import charts
from issues.actions import ACTIONS, run_action
from issues.activity import activity_label
from issues.forms import BULK_DONE, MUTE_PRESETS, PERIODS, BulkForm, MuteForm
from issues.models import Issue, IssueActivity, IssueTagCount
from issues.search import apply_search, filter_state, parse_search
from issues.selectors import issue_for
from projects.access import project_for

PAGE_SIZE = 50
TABS = [("open", "Open"), ("muted", "Muted"), ("resolved", "Resolved"), ("all", "All")]
SORTS = {"last_seen": "Last seen", "first_seen": "First seen", "event_count": "Events"}
TOP_TAG_VALUES = 5


def _cursor_value(issue: Issue, sort: str) -> str:
    value = getattr(issue, sort)
    return f"{value.isoformat() if isinstance(value, datetime) else value}|{issue.pk}"


def _after_cursor(issues: QuerySet[Issue], sort: str, cursor: str) -> QuerySet[Issue]:
    """Keyset paging: rows strictly after (value, id) in descending order; bad cursors ignored."""
    try:
        raw_value, raw_id = cursor.rsplit("|", 1)
        value: Any = datetime.fromisoformat(raw_value) if sort != "event_count" else int(raw_value)
        pk = int(raw_id)
    except ValueError:
        return issues
    return issues.filter(Q(**{f"{sort}__lt": value}) | Q(**{sort: value, "pk__lt": pk}))


@login_required
def issue_list(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    tab = request.GET.get("tab", "open")
    tab = tab if tab in dict(TABS) else "open"
    sort = request.GET.get("sort", "last_seen")
    sort = sort if sort in SORTS else "last_seen"
    query = request.GET.get("q", "").strip()
    search = parse_search(query)

    issues = apply_search(Issue.objects.filter(project=project), search, project.pk)
    issues = filter_state(issues, search.state or tab)
    issues = issues.order_by(f"-{sort}", "-pk").only(
        "pk", "title", "culprit", "level", "event_count", "first_seen", "last_seen",
        "is_resolved", "is_muted", "project_id",
    )  # fmt: skip
    cursor = request.GET.get("after", "")
    if cursor:
        issues = _after_cursor(issues, sort, cursor)
    rows = list(issues[: PAGE_SIZE + 1])
    next_cursor = _cursor_value(rows[PAGE_SIZE - 1], sort) if len(rows) > PAGE_SIZE else ""
    rows = rows[:PAGE_SIZE]

    # One grouped query for all sparklines of the page, not one per row.
    starts, counts = charts.bucket_counts(
        Event.objects.filter(issue_id__in=[i.pk for i in rows]), "issue_id", charts.HOUR, 24
    )
    for issue in rows:
        issue.sparkline = charts.make_chart(starts, counts.get(issue.pk, {}), 96, 20)

    return render(
        request,
        "issues/list.html",
        {
            "project": project,
            "issues": rows,
            "tab": tab,
            "tabs": TABS,
            "sort": sort,
            "sorts": SORTS,
            "query": query,
            "next_cursor": next_cursor,
            "is_first_page": not cursor,
        },
    )


@login_required
@require_POST
def bulk_action(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    posted = [int(v) for v in request.POST.getlist("issue") if v.isdigit()]
    # Only ids of this project count; anything else is dropped before the form sees it.
    own_ids = list(
        Issue.objects.filter(project=project, pk__in=posted).values_list("pk", flat=True)
    )
    form = BulkForm(request.POST, issue_ids=own_ids)
    back = safe_next(request, request.POST.get("next"), reverse("issue-list", args=[project.pk]))
    if not form.is_valid():
        messages.error(request, "Select at least one issue and an action.")
        return redirect(back)
    action = form.cleaned_data["action"]
    selected = Issue.objects.filter(project=project, pk__in=form.cleaned_data["issue"])
    if action == "delete" and not form.cleaned_data["confirmed"]:
        # Deleting cannot be undone: a page that lists what goes asks first (no JavaScript).
        return render(
            request,
            "issues/bulk_delete_confirm.html",
            {"project": project, "issues": selected.order_by("-last_seen", "-pk"), "back": back},
        )
    done, refused = 0, []
    for issue in selected:
        try:
            run_action(issue, action, request.user)
            done += 1
        except ValueError as exc:
            refused.append(f"{issue.title}: {exc}")
    messages.success(request, f"{BULK_DONE[action]} {done} issue{pluralize(done)}.")
    for message in refused:
        messages.warning(request, message)
    return redirect(back)


def _activity(issue: Issue) -> list[IssueActivity]:
    activities = list(
        IssueActivity.objects.filter(issue=issue)
        .select_related("user")
        .order_by("-created_at")[:50]
    )
    for activity in activities:
        activity.label = activity_label(activity)
    return activities


def _top_tags(issue: Issue) -> list[tuple[str, list[IssueTagCount]]]:
    """Top values per tag key, from the per-issue tag counters (one indexed query)."""
    grouped: dict[str, list[IssueTagCount]] = {}
    rows = (
        IssueTagCount.objects.filter(issue=issue).select_related("value").order_by("key", "-count")
    )
    for row in rows[:2000]:
        values = grouped.setdefault(row.key, [])
        if len(values) < TOP_TAG_VALUES:
            values.append(row)
    for values in grouped.values():
        total = sum(v.count for v in values) or 1
        for value in values:
            value.percent = round(100 * value.count / max(issue.event_count, total))
    return sorted(grouped.items())


def issue_page_context(issue: Issue, event: Event | None) -> dict[str, Any]:
    """Everything the issue page shows around the event being viewed."""
    events = Event.objects.filter(issue=issue)
    hour_starts, hour_counts = charts.bucket_counts(events, "issue_id", charts.HOUR, 48)
    day_starts, day_counts = charts.bucket_counts(events, "issue_id", charts.DAY, 30)
    top_tags = _top_tags(issue)
    context: dict[str, Any] = {
        "project": issue.project,
        "issue": issue,
        "event": event,
        "hour_chart": charts.make_chart(hour_starts, hour_counts.get(issue.pk, {})),
        "day_chart": charts.make_chart(day_starts, day_counts.get(issue.pk, {})),
        "top_tags": [(k, v) for k, v in top_tags if k != "release"],
        "releases": dict(top_tags).get("release", []),
        "activity": _activity(issue),
        "mute_form": MuteForm(initial={"until": "forever", "nr_of_periods": 1, "period": "day"}),
        "mute_presets": MUTE_PRESETS,
        "periods": PERIODS,
    }
    if event is not None:
        context.update(event_context(event))
        context["nav"] = event_navigation(issue, event)
    return context


def event_navigation(issue: Issue, event: Event) -> dict[str, int | None]:
    """Ids of the first / previous / next / last event, in the order the server received them."""
    events = Event.objects.filter(issue=issue)
    at = event.received_at
    earlier = events.filter(Q(received_at__lt=at) | Q(received_at=at, pk__lt=event.pk))
    later = events.filter(Q(received_at__gt=at) | Q(received_at=at, pk__gt=event.pk))

    def pick(queryset: QuerySet[Event], *order: str) -> int | None:
        return queryset.order_by(*order).values_list("pk", flat=True).first()

    return {
        "first": pick(earlier, "received_at", "pk"),
        "prev": pick(earlier, "-received_at", "-pk"),
        "next": pick(later, "received_at", "pk"),
        "last": pick(later, "-received_at", "-pk"),
    }


@login_required
def issue_detail(request: HttpRequest, project_id: int, issue_id: int) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    latest = Event.objects.filter(issue=issue).order_by("-received_at", "-pk").first()
    return render(request, "issues/detail.html", issue_page_context(issue, latest))


@login_required
@require_POST
def issue_action(request: HttpRequest, project_id: int, issue_id: int, action: str) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    detail = reverse("issue-detail", args=[project_id, issue_id])
    if action not in ACTIONS:
        messages.error(request, "Unknown action.")
        return redirect(detail)
    conditions = None
    if action == "mute":
        form = MuteForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose how long to mute: " + form.errors.as_text())
            return redirect(detail)
        conditions = form.conditions()
    try:
        run_action(issue, action, request.user, conditions)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(detail)
    if action == "delete":
        messages.success(request, "Issue deleted.")
        return redirect("issue-list", project_id)
    messages.success(request, f"Done: {action.replace('_', ' ')}.")
    return redirect(detail)
