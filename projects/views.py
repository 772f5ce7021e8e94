"""Projects the user can see, project settings (keys, DSNs, setup snippets)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alerts.email_config import email_is_configured
from alerts.models import ProjectAlertSettings, Webhook
from core.category_quotas import parse_category_quotas
from events.models import IngestRejection
from issues.selectors import projects_overview
from projects.access import administered_teams, is_team_admin, project_for, visible_projects
from projects.forms import AlertSwitchesForm, ProjectForm, WebhookForm
from projects.models import ProjectKey


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = projects_overview(visible_projects(request.user))
    return render(
        request,
        "projects/list.html",
        {"projects": projects, "can_create": administered_teams(request.user).exists()},
    )


@login_required
def project_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    can_admin = is_team_admin(request.user, project.team)
    form = ProjectForm(instance=project)
    if request.method == "POST":
        if not can_admin:
            return HttpResponse("Only team admins can change project settings.", status=403)
        form = ProjectForm(request.POST, instance=project)
        if form.is_valid():
            form.save()
            messages.success(request, "Project saved.")
            return redirect("project-settings", project.pk)
    keys = list(ProjectKey.objects.filter(project=project).order_by("pk"))
    active = next((k for k in keys if k.is_active), None)
    return render(
        request,
        "projects/settings.html",
        {
            "project": project,
            "form": form,
            "can_admin": can_admin,
            "keys": keys,
            "dsn": active.dsn() if active else "",
            "alert_form": AlertSwitchesForm(instance=ProjectAlertSettings.for_project(project.pk)),
            "webhooks": Webhook.objects.filter(project=project).order_by("pk"),
            "webhook_form": WebhookForm(),
            "email_configured": email_is_configured(),
            "quota_minute": getattr(settings, "INGEST_QUOTA_PER_MINUTE", 0),
            "quota_hour": getattr(settings, "INGEST_QUOTA_PER_HOUR", 0),
            "category_quotas": [
                f"{category}: {limit} / {granularity}"
                for category, by_granularity in parse_category_quotas(
                    settings.INGEST_CATEGORY_QUOTAS
                ).items()
                for granularity, limit in by_granularity.items()
                if limit > 0
            ],
            "refused_7_days": IngestRejection.objects.filter(
                project=project, day__gte=timezone.now().date() - timedelta(days=7)
            ).aggregate(n=Sum("count"))["n"]
            or 0,
        },
    )


@login_required
@require_POST
def key_action(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    if not is_team_admin(request.user, project.team):
        return HttpResponse("Only team admins can manage keys.", status=403)
    action = request.POST.get("action")
    if action == "create":
        ProjectKey.objects.create(project=project, label=request.POST.get("label", "")[:100])
        messages.success(request, "Key created.")
    elif action in ("revoke", "activate"):
        ProjectKey.objects.filter(project=project, pk=request.POST.get("key") or 0).update(
            is_active=action == "activate"
        )
        messages.success(request, f"Key {'re-activated' if action == 'activate' else 'revoked'}.")
    return redirect("project-settings", project.pk)


@login_required
def team_members(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's "Members" link of earlier versions: members are managed on the team page."""
    project = project_for(request.user, project_id)
    return redirect("team-detail", project.team_id)
