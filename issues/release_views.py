"""A project's releases: version, first seen, deploys, the Issues first seen in each, and the
source maps and files uploaded for it (sentry-cli)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from issues.releases import releases_overview
from projects.access import project_for
from sourcemaps.models import ArtifactBundle, SourceFile

FILES_SHOWN = 10


@login_required
def release_list(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    releases = releases_overview(project.pk)
    # Uploaded files by release: names of the first few, and how many there are.
    files: dict[str, list[str]] = {}
    rows = SourceFile.objects.filter(project=project).order_by("release", "name")
    for release, name in rows.values_list("release", "name")[:5000]:
        files.setdefault(release, []).append(name)
    for release in releases:
        names = files.get(release.version, [])
        release.files = names[:FILES_SHOWN]
        release.more_files = max(0, len(names) - FILES_SHOWN)
    bundles = ArtifactBundle.objects.filter(project=project, release="").order_by("-created_at")
    return render(
        request,
        "issues/releases.html",
        {
            "project": project,
            "releases": releases,
            "bundles_without_release": bundles[:50],
            "files_without_release": files.get("", [])[:FILES_SHOWN],
        },
    )
