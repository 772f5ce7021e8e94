"""The project's data page: its scrubbing rules and retention caps."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from datapolicy.forms import DataPolicyForm
from datapolicy.models import DataPolicy
from datapolicy.project_export import export_project
from datapolicy.project_removal import request_removal
from datapolicy.scrub import ANYWHERE_WORDS, WHOLE_KEYS, WORD_PAIRS
from datapolicy.tasks import remove_project_task
from projects.access import is_team_admin, project_for


@login_required
def project_data(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    can_admin = is_team_admin(request.user, project.team)
    policy = DataPolicy.objects.filter(project=project).first() or DataPolicy(project=project)
    form = DataPolicyForm(instance=policy)
    if request.method == "POST":
        if not can_admin:
            return HttpResponse("Only team admins can change the data policy.", status=403)
        form = DataPolicyForm(request.POST, instance=policy)
        if form.is_valid():
            form.save()
            messages.success(request, "Data policy saved.")
            return redirect("project-data", project.pk)
    return render(
        request,
        "datapolicy/project_data.html",
        {
            "project": project,
            "form": form,
            "can_admin": can_admin,
            "policy": policy,
            "anywhere_words": sorted(ANYWHERE_WORDS),
            "word_pairs": sorted(" ".join(pair) for pair in WORD_PAIRS),
            "whole_keys": sorted(WHOLE_KEYS),
            "default_max_events": settings.RETENTION_MAX_EVENTS,
            "default_max_age_days": settings.RETENTION_MAX_AGE_DAYS,
            "default_max_attachment_mb": settings.RETENTION_MAX_ATTACHMENT_MB,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def project_export(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    if not is_team_admin(request.user, project.team):
        return HttpResponse("Only team admins can export a project.", status=403)
    response = StreamingHttpResponse(export_project(project), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="project-{project.pk}.json"'
    return response


@login_required
@require_POST
def project_remove(request: HttpRequest, project_id: int) -> HttpResponse:
    """Delete the project in the background, once its name is typed to confirm."""
    project = project_for(request.user, project_id)
    if not is_team_admin(request.user, project.team):
        return HttpResponse("Only team admins can delete a project.", status=403)
    if request.POST.get("confirm_name", "").strip() != project.name:
        messages.error(request, "Type the project's name exactly to delete it.")
        return redirect("project-data", project.pk)
    request_removal(project)
    transaction.on_commit(lambda: remove_project_task.delay(project.pk))
    messages.success(request, f"Project {project.name} is being deleted; its keys are revoked.")
    return redirect("project-list")
