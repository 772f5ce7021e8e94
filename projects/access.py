"""Who may see what: a user sees a project only through membership of its team.

Every UI view fetches its objects through these helpers, so an id from another team is
indistinguishable from an id that does not exist (404), and nothing leaks by probing.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from issues.models import Issue
from projects.models import Project, Team, TeamMembership


def visible_projects(user: AbstractBaseUser) -> QuerySet[Project]:
    return Project.objects.filter(team__memberships__user=user).select_related("team")


def project_for(user: AbstractBaseUser, project_id: int) -> Project:
    return get_object_or_404(visible_projects(user), pk=project_id)


def issue_for(user: AbstractBaseUser, project_id: int, issue_id: int) -> Issue:
    return get_object_or_404(
        Issue.objects.select_related("project", "project__team").filter(
            project__team__memberships__user=user
        ),
        pk=issue_id,
        project_id=project_id,
    )


def is_team_admin(user: AbstractBaseUser, team: Team) -> bool:
    return TeamMembership.objects.filter(
        team=team, user=user, role=TeamMembership.Role.ADMIN
    ).exists()


def admin_team_for(user: AbstractBaseUser, team_id: int) -> Team:
    """A team the user administers; 404 otherwise (members may not manage their team)."""
    return get_object_or_404(
        Team.objects.filter(memberships__user=user, memberships__role=TeamMembership.Role.ADMIN),
        pk=team_id,
    )
