"""The project's data page: its scrubbing rules and retention caps."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from datapolicy.forms import DataPolicyForm
from datapolicy.models import DataPolicy
from datapolicy.scrub import ANYWHERE_WORDS, WHOLE_KEYS, WORD_PAIRS
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
