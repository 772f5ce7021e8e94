"""Who gets a project's alert emails."""

from django.contrib.auth import get_user_model

from alerts.models import AlertOptOut
from projects.models import Project


def alert_recipients(project: Project) -> list[str]:
    """Email addresses of active members of the project's team who did not opt out."""
    opted_out = AlertOptOut.objects.filter(project=project).values("user_id")
    users = (
        get_user_model()
        .objects.filter(team_memberships__team_id=project.team_id, is_active=True)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .order_by("pk")
    )
    seen: set[str] = set()
    addresses = []
    for email in users.values_list("email", flat=True):
        if email.lower() not in seen:  # two accounts sharing an address get one email
            seen.add(email.lower())
            addresses.append(email)
    return addresses
