"""Who may manage a status page: its team's admins set it up; operators run its incidents."""

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404
from django.shortcuts import get_object_or_404

from projects.access import is_team_admin, is_team_member
from statuspages.models import StatusPage


def page_for_member(user: AbstractBaseUser, page_id: int) -> StatusPage:
    page = get_object_or_404(StatusPage.objects.select_related("team"), pk=page_id)
    if not is_team_member(user, page.team):
        raise Http404
    return page


def can_operate(user: AbstractBaseUser, page: StatusPage) -> bool:
    """Team admins and the page's operators open, update and close incidents."""
    return is_team_admin(user, page.team) or page.operators.filter(pk=user.pk).exists()
