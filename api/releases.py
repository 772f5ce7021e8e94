"""Releases as the Web API sees them: Sentry's release is per organization and names several
projects; ours is a `Release` row per project (issues.models), so an organization release is
the set of rows with one version in the team's projects."""

from collections.abc import Iterable

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from api.serialize import iso
from issues.models import Deploy, Issue, Release
from issues.state import fix_in_new_release
from projects.models import Project


def releases_of(projects: Iterable[Project], version: str | None = None) -> QuerySet[Release]:
    rows = Release.objects.filter(project__in=list(projects)).select_related("project")
    return rows if version is None else rows.filter(version=version)


def create(projects: list[Project], version: str, fields: dict) -> tuple[list[Release], bool]:
    """The version's release in each project, made where missing; whether any was made."""
    now = timezone.now()
    made = False
    rows = []
    for project in projects:
        release, created = Release.objects.get_or_create(
            project=project, version=version, defaults={"first_seen": now}
        )
        made = made or created
        if created:
            fix_in_new_release(project.pk, version)
        update(release, fields)
        rows.append(release)
    return rows, made


def update(release: Release, fields: dict) -> None:
    changed = []
    for name in ("date_released", "date_started", "url"):
        value = fields.get(name)
        if value is not None and getattr(release, name) != value:
            setattr(release, name, value)
            changed.append(name)
    if changed:
        release.save(update_fields=changed)


def describe(rows: list[Release]) -> list[dict]:
    """Sentry's release JSON, one per version, for the given per-project rows."""
    by_version: dict[str, list[Release]] = {}
    for row in rows:
        by_version.setdefault(row.version, []).append(row)
    if not by_version:
        return []
    project_ids = {row.project_id for row in rows}
    new_groups = dict(
        Issue.objects.filter(project_id__in=project_ids, first_release__in=list(by_version))
        .values_list("first_release")
        .annotate(n=Count("pk"))
    )
    deploy_stats = {
        version: (count, last)
        for version, count, last in Deploy.objects.filter(release__in=rows)
        .values_list("release__version")
        .annotate(n=Count("pk"), last=Max("date_finished"))
    }
    result = []
    for version, group in by_version.items():
        first = min(r.first_seen for r in group)
        released = [r.date_released for r in group if r.date_released]
        started = [r.date_started for r in group if r.date_started]
        count, last_deploy = deploy_stats.get(version, (0, None))
        result.append(
            {
                "version": version,
                "shortVersion": version.rsplit("@", 1)[-1][:40],
                "ref": None,
                "url": next((r.url for r in group if r.url), None),
                "status": "open",
                "dateCreated": iso(first),
                "dateReleased": iso(max(released)) if released else None,
                "dateStarted": iso(min(started)) if started else None,
                "firstEvent": iso(first),
                "lastEvent": None,
                "newGroups": new_groups.get(version, 0),
                "commitCount": 0,
                "authors": [],
                "data": {},
                "deployCount": count,
                "lastDeploy": {"dateFinished": iso(last_deploy)} if last_deploy else None,
                "projects": [
                    {"id": str(r.project.pk), "slug": r.project.slug, "name": r.project.name}
                    for r in group
                ],
            }
        )
    result.sort(key=lambda r: r["dateCreated"] or "", reverse=True)
    return result
