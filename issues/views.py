"""Issue list (tabs, search, sort, keyset pages, bulk actions) and issue detail with actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.redirects import safe_next
from issues.actions import ACTIONS, run_action
from issues.environments import KEY as ENVIRONMENT_KEY
from issues.environments import chosen_environment, project_environments
from issues.forms import BULK_DONE, BulkForm, MuteForm
from issues.page import issue_page_context
from issues.search import parse_search
from issues.selectors import issue_for, issue_list_page, issues_of, latest_event, own_issue_ids
from projects.access import project_for

TABS = [("open", "Open"), ("muted", "Muted"), ("resolved", "Resolved"), ("all", "All")]
SORTS = {"last_seen": "Last seen", "first_seen": "First seen", "event_count": "Events"}


@login_required
def issue_list(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    tab = request.GET.get("tab", "open")
    tab = tab if tab in dict(TABS) else "open"
    sort = request.GET.get("sort", "last_seen")
    sort = sort if sort in SORTS else "last_seen"
    query = request.GET.get("q", "").strip()
    search = parse_search(query)
    # The environment selector: the choice is remembered per user and project.
    environment = chosen_environment(request.user, project, request.GET.get("env"))
    if environment:
        search.tags.append((ENVIRONMENT_KEY, environment))

    cursor = request.GET.get("after", "")
    rows, next_cursor = issue_list_page(project, search, tab, sort, cursor, request.user.pk)

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
            "environment": environment,
            "environments": project_environments(project),
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
    own_ids = own_issue_ids(project, posted)
    form = BulkForm(request.POST, issue_ids=own_ids)
    back = safe_next(request, request.POST.get("next"), reverse("issue-list", args=[project.pk]))
    if not form.is_valid():
        messages.error(request, "Select at least one issue and an action.")
        return redirect(back)
    action = form.cleaned_data["action"]
    selected = issues_of(project, form.cleaned_data["issue"])
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


@login_required
def issue_detail(request: HttpRequest, project_id: int, issue_id: int) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    return render(request, "issues/detail.html", issue_page_context(issue, latest_event(issue)))


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
