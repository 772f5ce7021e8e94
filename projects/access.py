"""Who may see what: a user sees a project through membership of its team; a superuser (the
person who installed the server, `createsuperuser` / `quickstart`) sees and manages everything,
so a project made with `manage.py createproject` or in /admin/ is never out of their reach.

Every UI view fetches its objects through these helpers (and issues.selectors.issue_for), so
an id from another team is indistinguishable from one that does not exist (404), and nothing
leaks by probing.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from projects.models import Project, Team, TeamMembership


def is_superuser(user: AbstractBaseUser) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def visible_projects(user: AbstractBaseUser) -> QuerySet[Project]:
    projects = Project.objects.select_related("team")
    if is_superuser(user):
        return projects.all()
    return projects.filter(team__in=member_teams(user))


def project_for(user: AbstractBaseUser, project_id: int) -> Project:
    return get_object_or_404(visible_projects(user), pk=project_id)


def member_teams(user: AbstractBaseUser) -> QuerySet[Team]:
    """The teams the user is a member of (in any role); superusers get no extra ones here."""
    return Team.objects.filter(memberships__user=user)


def visible_teams(user: AbstractBaseUser) -> QuerySet[Team]:
    """Teams whose page the user may open: their own, open ones (to join), all for superusers."""
    if is_superuser(user):
        return Team.objects.all()
    return Team.objects.filter(Q(pk__in=member_teams(user).values("pk")) | Q(is_open=True))


def team_for(user: AbstractBaseUser, team_id: int) -> Team:
    return get_object_or_404(visible_teams(user), pk=team_id)


def is_team_member(user: AbstractBaseUser, team: Team) -> bool:
    return is_superuser(user) or TeamMembership.objects.filter(team=team, user=user).exists()


def is_team_admin(user: AbstractBaseUser, team: Team) -> bool:
    return (
        is_superuser(user)
        or TeamMembership.objects.filter(
            team=team, user=user, role=TeamMembership.Role.ADMIN
        ).exists()
    )


def administered_teams(user: AbstractBaseUser) -> QuerySet[Team]:
    """Teams the user may manage (members, invitations, new projects)."""
    if is_superuser(user):
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user, memberships__role=TeamMembership.Role.ADMIN)


def admin_team_for(user: AbstractBaseUser, team_id: int) -> Team:
    """A team the user administers; 404 otherwise (members may not manage their team)."""
    return get_object_or_404(administered_teams(user), pk=team_id)
