"""Reads the event pages make: an Issue's events, newest first, a page at a time."""

from datetime import datetime

from django.db.models import Q, QuerySet, Subquery

from events.models import Event

EVENTS_PER_PAGE = 50


def issue_events_page(issue_id: int, before: int | None) -> tuple[list[Event], int | None]:
    """A page of the Issue's events (without their documents), older than event `before` if
    given, and the pk to continue after (None on the last page)."""
    events = Event.objects.filter(issue_id=issue_id).order_by("-received_at", "-pk").defer("data")
    if before is not None:
        events = _older_than(events, before)
    rows = list(events[: EVENTS_PER_PAGE + 1])
    next_before = rows[EVENTS_PER_PAGE - 1].pk if len(rows) > EVENTS_PER_PAGE else None
    return rows[:EVENTS_PER_PAGE], next_before


def _older_than(events: QuerySet[Event], pk: int) -> QuerySet[Event]:
    """Keyset paging in the order of the (issue, received_at) index, after the event `pk`.

    The `received_at <= anchor` term lets the database scan that index from the anchor on; the
    OR only sorts out events received in the same instant.
    """
    anchor = Subquery(events.filter(pk=pk).values("received_at")[:1])
    return events.filter(received_at__lte=anchor).filter(
        Q(received_at__lt=anchor) | Q(received_at=anchor, pk__lt=pk)
    )


def project_events_page(project_id: int, cursor: str, limit: int) -> tuple[list[Event], str | None]:
    """A page of the project's events (without documents), newest first, after `cursor`
    (`<received_at ISO>|<pk>` of the last row of the page before), and the next cursor."""
    events = Event.objects.filter(project_id=project_id).order_by("-received_at", "-pk")
    if cursor:
        try:
            raw_at, raw_pk = cursor.rsplit("|", 1)
            at, pk = datetime.fromisoformat(raw_at), int(raw_pk)
        except ValueError:
            pass  # a cursor we did not make: the first page
        else:
            events = events.filter(received_at__lte=at).filter(
                Q(received_at__lt=at) | Q(received_at=at, pk__lt=pk)
            )
    rows = list(events.defer("data")[: limit + 1])
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = f"{last.received_at.isoformat()}|{last.pk}" if last is not None else None
    return rows[:limit], next_cursor
