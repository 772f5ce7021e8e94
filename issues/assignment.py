"""Who works on an Issue: one member of the project's team, or the team as a whole.

Assigning and un-assigning are recorded in the Issue's activity log. The details keep the
assignee's username as it was, so the log still reads right after a rename or a deletion.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from issues.models import Issue
from issues.state import record_activity
from projects.models import Project

TEAM_CHOICE = "team"  # the form value that means "the whole team"


class AssignmentRefused(ValueError):
    """The chosen assignee may not work on this project; the message says so."""


@dataclass(frozen=True)
class AssignmentChange:
    """What an assignment did: `assignee` is the newly assigned user, if one was."""

    changed: bool
    assignee: AbstractBaseUser | None = None


def assignable_users(project: Project) -> list[AbstractBaseUser]:
    """Active members of the project's team, by username (one query)."""
    return list(
        get_user_model()
        .objects.filter(team_memberships__team_id=project.team_id, is_active=True)
        .order_by("username")
        .distinct()
    )


def assign(issue: Issue, choice: str, by: AbstractBaseUser | None) -> AssignmentChange:
    """Assign to a member (their user id as text), to the team (`TEAM_CHOICE`), or to nobody ("").

    Raises AssignmentRefused for a user who is not an active member of the project's team.
    """
    assignee, team_id = None, None
    if choice == TEAM_CHOICE:
        team_id = issue.project.team_id
    elif choice:
        members = {str(u.pk): u for u in assignable_users(issue.project)}
        assignee = members.get(choice)
        if assignee is None:
            raise AssignmentRefused("Only a member of the project's team can be assigned.")
    assignee_id = assignee.pk if assignee is not None else None
    if (issue.assignee_id, issue.assigned_team_id) == (assignee_id, team_id):
        return AssignmentChange(changed=False)
    with transaction.atomic():
        Issue.objects.filter(pk=issue.pk).update(assignee_id=assignee_id, assigned_team_id=team_id)
        issue.assignee, issue.assigned_team_id = assignee, team_id
        if assignee is not None:
            record_activity(issue.pk, "assigned", {"to": assignee.get_username()}, user=by)
        elif team_id is not None:
            details = {"to_team": issue.project.team.name}
            record_activity(issue.pk, "assigned", details, user=by)
        else:
            record_activity(issue.pk, "unassigned", {}, user=by)
    return AssignmentChange(changed=True, assignee=assignee)
