"""A project's releases: version, first seen, deploys, and the Issues first seen in each."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from issues.releases import releases_overview
from projects.access import project_for


@login_required
def release_list(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    return render(
        request,
        "issues/releases.html",
        {"project": project, "releases": releases_overview(project.pk)},
    )
