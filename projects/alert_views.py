"""Alerts in the UI (models from the alerts app): a project's switches and webhooks, for team
admins, and each user's own alert emails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts.email_config import email_is_configured
from alerts.models import ProjectAlertSettings, Webhook
from projects.access import is_team_admin, project_for, visible_projects
from projects.forms import AlertSubscriptionsForm, AlertSwitchesForm, WebhookForm


@login_required
def my_alerts(request: HttpRequest) -> HttpResponse:
    """Which projects' alert emails the user gets; any member can opt out of any of them."""
    projects = list(visible_projects(request.user).order_by("team__name", "name", "pk"))
    data = request.POST if request.method == "POST" else None
    form = AlertSubscriptionsForm(request.user, projects, data=data)
    if data is not None and form.is_valid():
        form.save()
        messages.success(request, "Your alert settings are saved.")
        return redirect("my-alerts")
    return render(
        request,
        "projects/my_alerts.html",
        {"form": form, "email_configured": email_is_configured()},
    )


@login_required
@require_POST
def alert_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    if not is_team_admin(request.user, project.team):
        return HttpResponse("Only team admins can change alerts.", status=403)
    action = request.POST.get("action")
    if action == "switches":
        current = ProjectAlertSettings.for_project(project.pk)
        form = AlertSwitchesForm(request.POST, instance=current)
        if form.is_valid():
            form.save()
            messages.success(request, "Alert settings saved.")
    elif action == "add_webhook":
        form = WebhookForm(request.POST, instance=Webhook(project=project))
        if form.is_valid():
            form.save()
            messages.success(request, "Webhook added.")
        else:
            messages.error(request, "Webhook not added: " + form.errors.as_text())
    elif action == "delete_webhook":
        Webhook.objects.filter(project=project, pk=request.POST.get("webhook") or 0).delete()
        messages.success(request, "Webhook removed.")
    return redirect("project-settings", project.pk)
