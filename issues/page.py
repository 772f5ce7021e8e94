"""The issue page's context, shared by the issue's own view and the views of its events."""

from typing import Any

from events.display import event_context
from events.models import Event
from issues.assignment import TEAM_CHOICE, assignable_users
from issues.environments import environment_counts
from issues.forms import MUTE_PRESETS, PERIODS, MuteForm
from issues.merge import groupings_of
from issues.models import Issue
from issues.selectors import (
    event_navigation,
    issue_charts,
    issue_timeline,
    issue_top_tags,
    stored_event_count,
)


def issue_page_context(issue: Issue, event: Event | None) -> dict[str, Any]:
    """Everything the issue page shows around the event being viewed."""
    hour_chart, day_chart = issue_charts(issue)
    top_tags = issue_top_tags(issue)
    context: dict[str, Any] = {
        "project": issue.project,
        "issue": issue,
        "event": event,
        "hour_chart": hour_chart,
        "day_chart": day_chart,
        "top_tags": [(k, v) for k, v in top_tags if k != "release"],
        "releases": dict(top_tags).get("release", []),
        "timeline": issue_timeline(issue),
        "members": assignable_users(issue.project),
        "team_choice": TEAM_CHOICE,
        "groupings": groupings_of(issue),
        "environment_counts": environment_counts(issue),
        "events_stored": stored_event_count(issue),
        "mute_form": MuteForm(initial={"until": "forever", "nr_of_periods": 1, "period": "day"}),
        "mute_presets": MUTE_PRESETS,
        "periods": PERIODS,
    }
    if event is not None:
        context.update(event_context(event))
        context["nav"] = event_navigation(issue, event)
    return context
