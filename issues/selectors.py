"""Reads the Issue pages make: visibility-checked lookups and the queries behind each page."""

from django.contrib.auth.models import AbstractBaseUser
from django.shortcuts import get_object_or_404

from issues.models import Issue
from projects.access import is_superuser, member_teams


def issue_for(user: AbstractBaseUser, project_id: int, issue_id: int) -> Issue:
    """The Issue if the user may see its project, else 404 (as for an id that does not exist)."""
    issues = Issue.objects.select_related("project", "project__team")
    if not is_superuser(user):
        issues = issues.filter(project__team__in=member_teams(user))
    return get_object_or_404(issues, pk=issue_id, project_id=project_id)
