"""Our objects in the JSON shapes Sentry's Web API uses (the fields sentry-cli and scripts read)."""

from datetime import datetime

from django.conf import settings

from issues.models import Deploy, Issue
from projects.models import Project, Team


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def organization(team: Team, date_created: datetime | None) -> dict:
    return {
        "id": str(team.pk),
        "slug": team.slug,
        "name": team.name,
        "dateCreated": iso(date_created),
        "status": {"id": "active", "name": "active"},
        "isEarlyAdopter": False,
        "require2FA": False,
        "requireEmailVerification": False,
        "features": [],
        "links": {"organizationUrl": settings.BASE_URL, "regionUrl": settings.BASE_URL},
    }


def team_ref(team: Team) -> dict:
    return {"id": str(team.pk), "slug": team.slug, "name": team.name}


def project(p: Project) -> dict:
    return {
        "id": str(p.pk),
        "slug": p.slug,
        "name": p.name,
        "platform": None,
        "dateCreated": iso(p.created_at),
        "status": "active",
        "isMember": True,
        "hasAccess": True,
        "organization": {"id": str(p.team.pk), "slug": p.team.slug, "name": p.team.name},
        "team": team_ref(p.team),
        "teams": [team_ref(p.team)],
    }


def issue_status(issue: Issue) -> str:
    if issue.is_resolved:
        return "resolved"
    if issue.is_muted:
        return "ignored"
    return "unresolved"


def issue(i: Issue, project_obj: Project) -> dict:
    status_details: dict = {}
    if i.is_resolved_by_next_release:
        status_details["inNextRelease"] = True
    elif i.fixed_in_release:
        status_details["inRelease"] = i.fixed_in_release
    if i.is_muted and i.unmute_after:
        status_details["ignoreUntil"] = iso(i.unmute_after)
    return {
        "id": str(i.pk),
        "shortId": f"{project_obj.slug.upper()}-{i.pk}",
        "title": i.title,
        "culprit": i.culprit,
        "permalink": f"{settings.BASE_URL}/projects/{project_obj.pk}/issues/{i.pk}/",
        "level": i.level,
        "status": issue_status(i),
        "statusDetails": status_details,
        "isPublic": False,
        "platform": i.platform or None,
        "project": {"id": str(project_obj.pk), "name": project_obj.name, "slug": project_obj.slug},
        "type": "error",
        "metadata": {"title": i.title},
        "numComments": 0,
        "assignedTo": None,
        "isBookmarked": False,
        "isSubscribed": False,
        "hasSeen": False,
        "count": str(i.event_count),
        "userCount": 0,
        "firstSeen": iso(i.first_seen),
        "lastSeen": iso(i.last_seen),
        "firstRelease": i.first_release or None,
        "lastRelease": i.last_release or None,
    }


def deploy(d: Deploy) -> dict:
    return {
        "id": str(d.pk),
        "environment": d.environment,
        "name": d.name or None,
        "url": d.url or None,
        "dateStarted": iso(d.date_started),
        "dateFinished": iso(d.date_finished),
    }
