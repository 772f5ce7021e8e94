"""The state actions the UI offers, mapped onto the IssueStateManager (issues/state.py).

The manager owns the rules (what resolving means, when a mute condition is refused, the
activity log); this module only translates a posted action name into the right call.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from events.attachments import delete_for_events
from events.models import Event
from issues.models import Issue
from issues.state import IssueStateManager


def delete_issue(issue: Issue) -> None:
    """Delete the Issue with its events, and their attachments and user feedback."""
    with transaction.atomic():
        event_ids = Event.objects.filter(issue=issue).values("event_id")
        delete_for_events(issue.project_id, event_ids)
        issue.delete()


ACTIONS = ("resolve", "resolve_next", "resolve_latest", "reopen", "mute", "unmute", "delete")


def run_action(
    issue: Issue, action: str, user: AbstractBaseUser, conditions: list[dict] | None = None
) -> None:
    """Apply `action`; raises ValueError (e.g. MuteRefused) with a message for the user."""
    if action == "delete":
        delete_issue(issue)
        return
    manager = IssueStateManager
    if action == "resolve":
        manager.resolve(issue, user=user)
    elif action == "resolve_next":
        manager.resolve_by_next(issue, user=user)
    elif action == "resolve_latest":
        manager.resolve_by_latest(issue, user=user)
    elif action == "reopen":
        manager.reopen(issue, user=user)
    elif action == "mute":
        manager.mute(issue, conditions=conditions or None, user=user)
    elif action == "unmute":
        manager.unmute(issue, user=user)
    else:
        raise ValueError(f"Unknown action {action!r}.")
