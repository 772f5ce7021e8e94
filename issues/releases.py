"""Release order and bookkeeping.

Two releases compare by semantic version when both versions parse as one (a leading
`package@` is ignored, as SDKs often send `myapp@1.2.3`), and otherwise by when they were
first seen. Semver here: `[v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]`; a pre-release sorts
before its release, pre-release identifiers compare numerically when numeric, and build
metadata is ignored — as in semver.org's precedence rules.
"""

import re
from collections.abc import Iterable
from datetime import datetime
from functools import cmp_to_key

from django.db.models import Count

from issues.models import Deploy, Issue, Release

_SEMVER = re.compile(
    r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def semver_key(version: str) -> tuple | None:
    """A sortable key for a semantic version, or None when `version` is not one."""
    match = _SEMVER.match(version.rsplit("@", 1)[-1].strip())
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    numbers = (int(major), int(minor or 0), int(patch or 0))
    if pre is None:
        return (*numbers, (1,))  # a release sorts after all of its pre-releases
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (*numbers, (0, parts))


def is_older(a: Release, b: Release) -> bool:
    """Whether release `a` comes before release `b`."""
    if a.version == b.version:
        return False
    key_a, key_b = semver_key(a.version), semver_key(b.version)
    if key_a is not None and key_b is not None and key_a != key_b:
        return key_a < key_b
    return (a.first_seen, a.pk or 0) < (b.first_seen, b.pk or 0)


def latest(releases: Iterable[Release]) -> Release | None:
    newest = None
    for release in releases:
        if newest is None or is_older(newest, release):
            newest = release
    return newest


def latest_release(project_id: int) -> Release | None:
    return latest(Release.objects.filter(project_id=project_id))


def record_releases(
    project_id: int, first_seen: dict[str, datetime], also_load: Iterable[str] = ()
) -> tuple[dict[str, Release], set[str]]:
    """Create the releases not yet known (version -> first time seen in this batch).

    Returns all those releases plus the ones named in `also_load`, by version, and the set of
    versions that are new. One query to look up, one to create: per batch, not per event.
    """
    wanted = set(first_seen) | {v for v in also_load if v}
    rows = Release.objects.filter(project_id=project_id, version__in=wanted)
    known = {r.version: r for r in rows}
    new = {v for v in first_seen if v not in known}
    if new:
        Release.objects.bulk_create(
            [Release(project_id=project_id, version=v, first_seen=first_seen[v]) for v in new]
        )
        for release in Release.objects.filter(project_id=project_id, version__in=new):
            known[release.version] = release
    return known, new


def releases_overview(project_id: int) -> list[Release]:
    """The project's releases, newest first, each with `deploys` (newest first) and
    `new_issues` (Issues first seen in it): three queries whatever the number of releases."""
    releases = list(Release.objects.filter(project_id=project_id)[:1000])
    new_issues = dict(
        Issue.objects.filter(project_id=project_id, first_release__in=[r.version for r in releases])
        .values_list("first_release")
        .annotate(n=Count("pk"))
    )
    deploys: dict[int, list[Deploy]] = {}
    for deploy in Deploy.objects.filter(release__in=releases).order_by("-date_finished"):
        deploys.setdefault(deploy.release_id, []).append(deploy)
    for release in releases:
        release.new_issues = new_issues.get(release.version, 0)
        release.deploy_list = deploys.get(release.pk, [])
    # Newest first, in the order of is_older (semantic version, else first seen).
    newest_first = cmp_to_key(lambda a, b: -1 if is_older(b, a) else 1 if is_older(a, b) else 0)
    return sorted(releases, key=newest_first)
