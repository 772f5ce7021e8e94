"""Triage as a team: assign an Issue, comment on it, merge Issues, unmerge a grouping.

Every view is a plain POST form (no JavaScript needed) that answers with a redirect and a
message; merging first shows a confirmation page that lists the Issues and lets the user pick
the one the others merge into.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from alerts.notify import queue_assignment_email
from core.redirects import safe_next
from issues.assignment import AssignmentRefused, assign
from issues.comments import CommentRefused, add_comment, delete_comment, edit_comment
from issues.merge import MAX_MERGE, MergeRefused, default_target, merge_issues, unmerge_grouping
from issues.selectors import issue_for, issues_of, own_issue_ids
from projects.access import project_for


def _detail(project_id: int, issue_id: int) -> str:
    return reverse("issue-detail", args=[project_id, issue_id])


@login_required
@require_POST
def issue_assign(request: HttpRequest, project_id: int, issue_id: int) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    try:
        change = assign(issue, request.POST.get("assignee", ""), request.user)
    except AssignmentRefused as exc:
        messages.error(request, str(exc))
        return redirect(_detail(project_id, issue_id))
    assignee = change.assignee
    if not change.changed:
        messages.info(request, "Nothing changed.")
    elif assignee is not None:
        messages.success(request, f"Assigned to {assignee.get_username()}.")
        # Optional (the form's checkbox), and never to tell people what they did themselves.
        if request.POST.get("notify") and assignee.pk != request.user.pk:
            queue_assignment_email(issue.pk, assignee.pk, request.user.get_username())
    elif issue.assigned_team_id is not None:
        messages.success(request, "Assigned to the team.")
    else:
        messages.success(request, "Unassigned.")
    return redirect(_detail(project_id, issue_id))


@login_required
@require_POST
def comment_add(request: HttpRequest, project_id: int, issue_id: int) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    try:
        add_comment(issue, request.user, request.POST.get("text", ""))
        messages.success(request, "Comment added.")
    except CommentRefused as exc:
        messages.error(request, str(exc))
    return redirect(_detail(project_id, issue_id) + "#timeline")


@login_required
@require_POST
def comment_change(
    request: HttpRequest, project_id: int, issue_id: int, comment_id: int, change: str
) -> HttpResponse:
    """`change` is "edit" (with the new text) or "delete"; only the author's own comment."""
    if change not in ("edit", "delete"):
        raise Http404("no such change")
    issue = issue_for(request.user, project_id, issue_id)
    try:
        if change == "delete":
            delete_comment(issue, request.user, comment_id)
            messages.success(request, "Comment deleted.")
        else:
            edit_comment(issue, request.user, comment_id, request.POST.get("text", ""))
            messages.success(request, "Comment saved.")
    except CommentRefused as exc:
        messages.error(request, str(exc))
    return redirect(_detail(project_id, issue_id) + "#timeline")


@login_required
@require_POST
def issues_merge(request: HttpRequest, project_id: int) -> HttpResponse:
    """From the list's selection: a confirmation page first, then the merge (posted from it)."""
    project = project_for(request.user, project_id)
    posted = [int(v) for v in request.POST.getlist("issue") if v.isdigit()][: MAX_MERGE + 1]
    ids = own_issue_ids(project, posted)
    back = safe_next(request, request.POST.get("next"), reverse("issue-list", args=[project.pk]))
    if len(ids) < 2:
        messages.error(request, "Select at least two issues to merge.")
        return redirect(back)
    if len(ids) > MAX_MERGE:
        messages.error(request, f"Merge at most {MAX_MERGE} issues at once.")
        return redirect(back)
    target = request.POST.get("target", "")
    if not request.POST.get("confirmed") or not target.isdigit() or int(target) not in ids:
        issues = list(issues_of(project, ids).order_by("-event_count", "pk"))
        return render(
            request,
            "issues/merge_confirm.html",
            {"project": project, "issues": issues, "target": default_target(issues), "back": back},
        )
    try:
        moved = merge_issues(int(target), ids, project.pk, request.user)
    except MergeRefused as exc:
        messages.error(request, str(exc))
        return redirect(back)
    merged = len(ids) - 1
    messages.success(
        request, f"Merged {merged} issue{pluralize(merged)} ({moved} event{pluralize(moved)})."
    )
    return redirect(_detail(project.pk, int(target)))


@login_required
@require_POST
def grouping_unmerge(
    request: HttpRequest, project_id: int, issue_id: int, grouping_id: int
) -> HttpResponse:
    issue = issue_for(request.user, project_id, issue_id)
    try:
        result = unmerge_grouping(issue.pk, grouping_id, issue.project_id, request.user)
    except MergeRefused as exc:
        messages.error(request, str(exc))
        return redirect(_detail(project_id, issue_id))
    messages.success(
        request,
        f"Unmerged {result.events} event{pluralize(result.events)} into a new issue.",
    )
    return redirect(_detail(project_id, result.new_issue_id))
