"""Environments as a first-class filter: the choices (from the tag index), the one each user
last chose per project, and an Issue's event count per environment.

Environments are the automatic `environment` tag, so the list filters through the same tag index
(`IssueTagCount`) as `environment:prod` in the search box, and an Issue's per-environment counts
are its tag counts for that key: no query ever scans events.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from events.models import TagValue
from issues.models import EnvironmentChoice, Issue, IssueTagCount
from projects.models import Project

KEY = "environment"
MAX_ENVIRONMENTS = 200  # a selector longer than this is no help; the search box still works


def project_environments(project: Project) -> list[str]:
    """The project's environment names, sorted (one indexed query)."""
    values = TagValue.objects.filter(project=project, key=KEY).order_by("value")
    return list(values.values_list("value", flat=True)[:MAX_ENVIRONMENTS])


def chosen_environment(user: AbstractBaseUser, project: Project, requested: str | None) -> str:
    """The environment to filter by ("" = all): `requested` when given (and then remembered for
    the user and project), else the one the user chose last time."""
    found = EnvironmentChoice.objects.filter(user_id=user.pk, project=project).first()
    if requested is None:
        return found.environment if found is not None else ""
    requested = requested.strip()[:200]
    if found is None:
        try:
            with transaction.atomic():
                EnvironmentChoice.objects.create(
                    user_id=user.pk, project=project, environment=requested
                )
        except IntegrityError:  # the same user's other tab chose at the same moment
            pass
    elif found.environment != requested:
        found.environment = requested
        found.save(update_fields=["environment"])
    return requested


def environment_counts(issue: Issue) -> list[tuple[str, int]]:
    """(environment, events) of the Issue, most events first; events without one as ""."""
    rows = (
        IssueTagCount.objects.filter(issue=issue, key=KEY)
        .order_by("-count", "value__value")
        .values_list("value__value", "count")[:MAX_ENVIRONMENTS]
    )
    counts = list(rows)
    without = issue.event_count - sum(n for _, n in counts)
    if without > 0 and len(counts) < MAX_ENVIRONMENTS:
        counts.append(("", without))
    return counts
