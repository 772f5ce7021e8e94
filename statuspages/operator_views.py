"""The operators' side: set up status pages and run their incidents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from monitors.models import Monitor
from projects.access import is_team_admin, team_for
from statuspages.access import can_operate, page_for_member
from statuspages.forms import (
    CategoryForm,
    IncidentForm,
    RegionForm,
    ServiceForm,
    StatusPageForm,
    UpdateForm,
)
from statuspages.incidents import add_update, open_incident
from statuspages.models import Incident, Service, StatusPage


def _team_monitors(page: StatusPage):
    return Monitor.objects.filter(project__team=page.team).order_by("project__name", "name")


@login_required
def page_list(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for(request.user, team_id)
    can_admin = is_team_admin(request.user, team)
    form = StatusPageForm()
    if request.method == "POST":
        if not can_admin:
            return HttpResponse("Only team admins can create status pages.", status=403)
        form = StatusPageForm(request.POST)
        if form.is_valid():
            page = form.save(commit=False)
            page.team = team
            page.save()
            messages.success(request, "Status page created.")
            return redirect("status-page-manage", page.pk)
    pages = StatusPage.objects.filter(team=team).order_by("title")
    return render(
        request,
        "statuspages/operator/list.html",
        {"team": team, "pages": pages, "form": form, "can_admin": can_admin},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def page_manage(request: HttpRequest, page_id: int) -> HttpResponse:
    page = page_for_member(request.user, page_id)
    can_admin = is_team_admin(request.user, page.team)
    form = StatusPageForm(instance=page)
    if request.method == "POST":
        if not can_admin:
            return HttpResponse("Only team admins can change the page.", status=403)
        form = StatusPageForm(request.POST, instance=page)
        if form.is_valid():
            form.save()
            messages.success(request, "Status page saved.")
            return redirect("status-page-manage", page.pk)
    incidents = (
        Incident.objects.filter(page=page).prefetch_related("services").order_by("-starts_at")[:50]
    )
    return render(
        request,
        "statuspages/operator/manage.html",
        {
            "page": page,
            "form": form,
            "can_admin": can_admin,
            "can_operate": can_operate(request.user, page),
            "incidents": incidents,
            "services": page.services.select_related("category").prefetch_related(
                "regions", "monitors"
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def services(request: HttpRequest, page_id: int) -> HttpResponse:
    page = page_for_member(request.user, page_id)
    if not is_team_admin(request.user, page.team):
        return HttpResponse("Only team admins can change services.", status=403)
    monitors = _team_monitors(page)
    forms = {
        "category": CategoryForm(prefix="category"),
        "region": RegionForm(prefix="region"),
        "service": ServiceForm(prefix="service", page=page, monitors=monitors),
    }
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "delete_service":
            get_object_or_404(Service, page=page, pk=request.POST.get("service")).delete()
            return redirect("status-services", page.pk)
        if action == "add_category":
            forms["category"] = CategoryForm(request.POST, prefix="category")
        elif action == "add_region":
            forms["region"] = RegionForm(request.POST, prefix="region")
        elif action == "add_service":
            forms["service"] = ServiceForm(
                request.POST, prefix="service", page=page, monitors=monitors
            )
        form = forms.get(action.removeprefix("add_") if action else "")
        if form is not None and form.is_valid():
            item = form.save(commit=False)
            item.page = page
            item.save()
            form.save_m2m()
            messages.success(request, "Saved.")
            return redirect("status-services", page.pk)
    return render(
        request,
        "statuspages/operator/services.html",
        {
            "page": page,
            "forms": forms,
            "services": page.services.select_related("category").prefetch_related(
                "regions", "monitors"
            ),
            "categories": page.categories.all(),
            "regions": page.regions.all(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def incident_new(request: HttpRequest, page_id: int) -> HttpResponse:
    page = page_for_member(request.user, page_id)
    if not can_operate(request.user, page):
        return HttpResponse("Only operators can open incidents.", status=403)
    form = IncidentForm(request.POST or None, page=page)
    if request.method == "POST" and form.is_valid():
        incident = form.save(commit=False)
        incident.page = page
        open_incident(
            incident,
            form.cleaned_data["text"],
            request.user,
            form.cleaned_data["services"],
            form.cleaned_data["regions"],
        )
        messages.success(request, "Incident opened.")
        return redirect("status-incident-manage", page.pk, incident.pk)
    return render(
        request,
        "statuspages/operator/incident_new.html",
        {"page": page, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def incident_manage(request: HttpRequest, page_id: int, incident_id: int) -> HttpResponse:
    page = page_for_member(request.user, page_id)
    incident = get_object_or_404(Incident, page=page, pk=incident_id)
    operator = can_operate(request.user, page)
    form = UpdateForm(initial={"status": incident.status})
    if request.method == "POST":
        if not operator:
            return HttpResponse("Only operators can update incidents.", status=403)
        if request.POST.get("action") == "publish":
            incident.is_published = True
            incident.save(update_fields=["is_published"])
            return redirect("status-incident-manage", page.pk, incident.pk)
        form = UpdateForm(request.POST)
        if form.is_valid():
            add_update(
                incident,
                form.cleaned_data["status"],
                form.cleaned_data["text"],
                request.user,
                timezone.now(),
            )
            messages.success(request, "Update posted.")
            return redirect("status-incident-manage", page.pk, incident.pk)
    return render(
        request,
        "statuspages/operator/incident.html",
        {
            "page": page,
            "incident": incident,
            "updates": incident.updates.select_related("author"),
            "form": form,
            "can_operate": operator,
        },
        status=400 if request.method == "POST" else 200,
    )
