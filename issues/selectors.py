"""Reads the Issue pages make: visibility-checked lookups and the queries behind each page."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from datapolicy.models import EvictedCount
from events.models import Event
from issues import charts
from issues.activity import activity_label
from issues.models import Issue, IssueActivity, IssueComment, IssueTagCount
from issues.search import IssueSearch, apply_search, filter_assigned, filter_state
from projects.access import is_superuser, member_teams
from projects.models import Project

PAGE_SIZE = 50
TOP_TAG_VALUES = 5
TIMELINE_COMMENTS = 200


def issue_for(user: AbstractBaseUser, project_id: int, issue_id: int) -> Issue:
    """The Issue if the user may see its project, else 404 (as for an id that does not exist)."""
    issues = Issue.objects.select_related("project", "project__team", "assignee")
    if not is_superuser(user):
        issues = issues.filter(project__team__in=member_teams(user))
    return get_object_or_404(issues, pk=issue_id, project_id=project_id)


def issue_list_page(
    project: Project, search: IssueSearch, tab: str, sort: str, cursor: str, user_id: int = 0
) -> tuple[list[Issue], str]:
    """One page of the issue list (each with a 24-hour `sparkline`) and the next page's cursor.

    `user_id` is whom `assigned:me` means.
    """
    issues = apply_search(Issue.objects.filter(project=project), search, project.pk)
    issues = filter_assigned(issues, search.assigned, user_id)
    issues = filter_state(issues, search.state or tab)
    issues = issues.select_related("assignee").order_by(f"-{sort}", "-pk").only(
        "pk", "title", "culprit", "level", "event_count", "first_seen", "last_seen",
        "is_resolved", "is_muted", "project_id", "assignee_id", "assignee__username",
        "assigned_team_id",
    )  # fmt: skip
    if cursor:
        issues = _after_cursor(issues, sort, cursor)
    rows = list(issues[: PAGE_SIZE + 1])
    next_cursor = _cursor_value(rows[PAGE_SIZE - 1], sort) if len(rows) > PAGE_SIZE else ""
    rows = rows[:PAGE_SIZE]

    # One grouped query for all sparklines of the page, not one per row.
    ids = [i.pk for i in rows]
    starts, counts = charts.bucket_counts(
        Event.objects.filter(issue_id__in=ids),
        "issue_id",
        charts.HOUR,
        24,
        EvictedCount.objects.filter(issue_id__in=ids),
    )
    for issue in rows:
        issue.sparkline = charts.make_chart(starts, counts.get(issue.pk, {}), 96, 20)
    return rows, next_cursor


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


def own_issue_ids(project: Project, ids: list[int]) -> list[int]:
    """The ids among `ids` that are Issues of `project`."""
    return list(Issue.objects.filter(project=project, pk__in=ids).values_list("pk", flat=True))


def issues_of(project: Project, ids: list[int]) -> QuerySet[Issue]:
    return Issue.objects.filter(project=project, pk__in=ids)


def stored_event_count(issue: Issue) -> int:
    """Events of the Issue still stored (retention evicts some; `event_count` counts all seen)."""
    return Event.objects.filter(issue=issue).count()


def latest_event(issue: Issue) -> Event | None:
    return Event.objects.filter(issue=issue).order_by("-received_at", "-pk").first()


def issue_charts(issue: Issue) -> tuple[charts.Chart, charts.Chart]:
    """The issue page's charts: events per hour (48 hours) and per day (30 days)."""
    events = Event.objects.filter(issue=issue)
    evicted = EvictedCount.objects.filter(issue=issue)
    hour_starts, hour_counts = charts.bucket_counts(events, "issue_id", charts.HOUR, 48, evicted)
    day_starts, day_counts = charts.bucket_counts(events, "issue_id", charts.DAY, 30, evicted)
    return (
        charts.make_chart(hour_starts, hour_counts.get(issue.pk, {})),
        charts.make_chart(day_starts, day_counts.get(issue.pk, {})),
    )


def issue_activity(issue: Issue) -> list[IssueActivity]:
    activities = list(
        IssueActivity.objects.filter(issue=issue)
        .select_related("user")
        .order_by("-created_at")[:50]
    )
    for activity in activities:
        activity.label = activity_label(activity)
    return activities


def issue_timeline(issue: Issue) -> list[IssueActivity | IssueComment]:
    """Activity and comments, newest first (comments have `is_comment`); two queries."""
    comments = list(
        IssueComment.objects.filter(issue=issue)
        .select_related("user")
        .order_by("-created_at")[:TIMELINE_COMMENTS]
    )
    for comment in comments:
        comment.is_comment = True
    entries: list[IssueActivity | IssueComment] = [*issue_activity(issue), *comments]
    return sorted(entries, key=lambda entry: entry.created_at, reverse=True)


def issue_top_tags(issue: Issue) -> list[tuple[str, list[IssueTagCount]]]:
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


def projects_overview(projects: QuerySet[Project]) -> list[Project]:
    """The projects, each with its `open_issues` count and a 24-hour `sparkline` of events."""
    rows = list(
        projects.annotate(
            open_issues=Count("issues", filter=Q(issues__is_resolved=False, issues__is_muted=False))
        ).order_by("team__name", "name")
    )
    ids = [p.pk for p in rows]
    starts, counts = charts.bucket_counts(
        Event.objects.filter(project_id__in=ids),
        "project_id",
        charts.HOUR,
        24,
        EvictedCount.objects.filter(project_id__in=ids),
    )
    for project in rows:
        project.sparkline = charts.make_chart(starts, counts.get(project.pk, {}), 120, 24)
    return rows
