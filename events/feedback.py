"""Reads of user feedback (UserFeedback): per Issue, per event, and counts for the issue list.

Feedback names its event by event_id, and may arrive before that event is digested, so it is
found through the event (project, event_id: the unique index of Event) rather than through a
stored Issue id; an Issue's feedback therefore follows its events when Issues are merged. Each
read is one query, whatever the number of events or feedback rows.
"""

from django.db.models import Count, OuterRef, QuerySet, Subquery

from events.models import Event, UserFeedback

ISSUE_FEEDBACK_SHOWN = 50


def _with_event(project_id: int) -> QuerySet[UserFeedback]:
    """The project's feedback, each annotated with its event's `event_pk` and `issue_id`."""
    event = Event.objects.filter(project_id=project_id, event_id=OuterRef("event_id"))
    return UserFeedback.objects.filter(project_id=project_id).annotate(
        event_pk=Subquery(event.values("pk")[:1]),
        issue_id=Subquery(event.values("issue_id")[:1]),
    )


def issue_feedback(project_id: int, issue_id: int) -> list[UserFeedback]:
    """The newest feedback on the Issue's events (each with `event_pk`), newest first."""
    rows = _with_event(project_id).filter(issue_id=issue_id).order_by("-received_at", "-pk")
    return list(rows[:ISSUE_FEEDBACK_SHOWN])


def event_feedback(event: Event) -> list[UserFeedback]:
    rows = UserFeedback.objects.filter(project_id=event.project_id, event_id=event.event_id)
    return list(rows.order_by("-received_at", "-pk")[:ISSUE_FEEDBACK_SHOWN])


def feedback_counts(project_id: int, issue_ids: list[int]) -> dict[int, int]:
    """Issue id -> number of feedback rows on its events, for the Issues given."""
    if not issue_ids:
        return {}
    rows = (
        _with_event(project_id)
        .filter(issue_id__in=issue_ids)
        .values("issue_id")
        .annotate(n=Count("pk"))
        .values_list("issue_id", "n")
    )
    return dict(rows)
