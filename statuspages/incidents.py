"""Opening, updating and closing incidents: the one place that writes them, for operators and
for the automatic incidents alike."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from statuspages.models import Incident, IncidentUpdate, UpdateStatus


@transaction.atomic
def open_incident(
    incident: Incident,
    text: str,
    author: AbstractBaseUser | None,
    services,
    regions=(),
    when: datetime | None = None,
) -> Incident:
    """Save the incident with its first update (at `when`, by default its start or now)."""
    incident.save()
    incident.services.set(services)
    incident.regions.set(regions)
    IncidentUpdate.objects.create(
        incident=incident,
        status=incident.status,
        text=text,
        author=author,
        created_at=when or timezone.now(),
    )
    return incident


@transaction.atomic
def add_update(
    incident: Incident, status: str, text: str, author: AbstractBaseUser | None, when: datetime
) -> IncidentUpdate:
    """An update moves the incident to its status; "fixed" closes it (its end is now)."""
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, text=text, author=author, created_at=when
    )
    incident.status = status
    fields = ["status"]
    if status == UpdateStatus.FIXED and (incident.ends_at is None or incident.ends_at > when):
        incident.ends_at = when
        fields.append("ends_at")
    incident.save(update_fields=fields)
    return update
