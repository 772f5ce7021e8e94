"""The monitors UI: a project's monitors, a monitor's detail and history, create / edit /
pause / delete (team admins), the state as JSON, and the heartbeat ping URL."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from projects.access import is_team_admin, project_for, visible_projects

from . import clock
from .charts import sparkline, uptime_bars
from .forms import MonitorForm
from .models import PROBED_KINDS, Incident, Monitor, MonitorKind, MonitorResult
from .schedules import next_expected
from .status import monitor_states
from .watch import heartbeat

HISTORY_PAGE = 100
SPARK_RESULTS = 60


def _monitor_for(request: HttpRequest, monitor_id: int) -> Monitor:
    projects = visible_projects(request.user)
    return get_object_or_404(
        Monitor.objects.select_related("project", "project__team"),
        pk=monitor_id,
        project__in=projects,
    )


@login_required
def monitor_list(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    monitors = list(Monitor.objects.filter(project=project).order_by("name", "pk"))
    states = monitor_states(monitors)
    since = clock.now() - timedelta(hours=1)
    recent: dict[int, list[int | None]] = {m.pk: [] for m in monitors}
    rows = (
        MonitorResult.objects.filter(monitor__in=monitors, checked_at__gte=since)
        .order_by("checked_at", "id")
        .values_list("monitor_id", "response_ms")
    )
    for monitor_id, response_ms in rows:
        recent[monitor_id].append(response_ms)
    for monitor in monitors:
        monitor.state = states[monitor.pk]
        monitor.spark = sparkline(recent[monitor.pk][-SPARK_RESULTS:])
        monitor.bars = uptime_bars(monitor.state.daily, width=120)
    incidents = (
        Incident.objects.filter(monitor__project=project)
        .select_related("monitor")
        .order_by("-started_at")[:20]
    )
    return render(
        request,
        "monitors/list.html",
        {
            "project": project,
            "monitors": monitors,
            "incidents": _with_durations(incidents),
            "can_admin": is_team_admin(request.user, project.team),
        },
    )


@login_required
def monitor_detail(request: HttpRequest, monitor_id: int) -> HttpResponse:
    monitor = _monitor_for(request, monitor_id)
    state = monitor_states([monitor])[monitor.pk]
    results = MonitorResult.objects.filter(monitor=monitor).select_related("agent")
    before = request.GET.get("before", "")
    if before.isdigit():
        results = results.filter(pk__lt=int(before))
    page = list(results.order_by("-id")[:HISTORY_PAGE])
    incidents = monitor.incidents.order_by("-started_at")[:50]
    return render(
        request,
        "monitors/detail.html",
        {
            "project": monitor.project,
            "monitor": monitor,
            "state": state,
            "bars": uptime_bars(state.daily),
            "spark": sparkline([r.response_ms for r in reversed(page[:SPARK_RESULTS])], 300, 48),
            "results": page,
            "next_before": page[-1].pk if len(page) == HISTORY_PAGE else None,
            "incidents": _with_durations(incidents),
            "ping_url": request.build_absolute_uri(
                reverse("monitor-ping", args=[monitor.ping_token])
            ),
            "can_admin": is_team_admin(request.user, monitor.project.team),
        },
    )


def _with_durations(incidents) -> list[Incident]:
    now = clock.now()
    found = list(incidents)
    for incident in found:
        elapsed = (incident.ended_at or now) - incident.started_at
        incident.duration = timedelta(seconds=round(elapsed.total_seconds()))
    return found


@login_required
def monitor_state(request: HttpRequest, monitor_id: int) -> JsonResponse:
    monitor = _monitor_for(request, monitor_id)
    return JsonResponse(monitor_states([monitor])[monitor.pk].to_dict())


@login_required
def monitor_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    if not is_team_admin(request.user, project.team):
        return HttpResponse("Only team admins can add monitors.", status=403)
    form = MonitorForm(request.POST or None, instance=Monitor(project=project))
    if request.method == "POST" and form.is_valid():
        monitor = form.save(commit=False)
        _first_run(monitor)
        monitor.save()
        messages.success(request, f"Monitor {monitor.name} created.")
        return redirect("monitor-detail", monitor.pk)
    return render(request, "monitors/form.html", {"project": project, "form": form})


@login_required
def monitor_edit(request: HttpRequest, monitor_id: int) -> HttpResponse:
    monitor = _monitor_for(request, monitor_id)
    if not is_team_admin(request.user, monitor.project.team):
        return HttpResponse("Only team admins can change monitors.", status=403)
    form = MonitorForm(request.POST or None, instance=monitor)
    if request.method == "POST" and form.is_valid():
        monitor = form.save(commit=False)
        if monitor.next_run_at is None:
            _first_run(monitor)
        # Only what the form owns: a check running now keeps its lease and its state.
        monitor.save(update_fields=[*MonitorForm.Meta.fields, "request_headers", "next_run_at"])
        messages.success(request, "Monitor saved.")
        return redirect("monitor-detail", monitor.pk)
    return render(
        request,
        "monitors/form.html",
        {"project": monitor.project, "form": form, "monitor": monitor},
    )


@login_required
@require_POST
def monitor_action(request: HttpRequest, monitor_id: int) -> HttpResponse:
    monitor = _monitor_for(request, monitor_id)
    if not is_team_admin(request.user, monitor.project.team):
        return HttpResponse("Only team admins can change monitors.", status=403)
    action = request.POST.get("action")
    if action in ("pause", "resume"):
        monitor.is_paused = action == "pause"
        if not monitor.is_paused:
            _first_run(monitor)  # due now (or from now), not at a slot from before the pause
        monitor.save(update_fields=["is_paused", "next_run_at"])
        messages.success(request, f"Monitor {'paused' if monitor.is_paused else 'resumed'}.")
    elif action == "delete":
        project_id = monitor.project_id
        monitor.delete()
        messages.success(request, "Monitor deleted.")
        return redirect("monitor-list", project_id)
    return redirect("monitor-detail", monitor.pk)


def _first_run(monitor: Monitor) -> None:
    now = clock.now()
    if monitor.kind in PROBED_KINDS:
        monitor.next_run_at = now
    elif monitor.kind == MonitorKind.HEARTBEAT:
        monitor.next_run_at = now + timedelta(seconds=monitor.frequency_seconds)
    elif monitor.kind == MonitorKind.CRON and monitor.schedule_type:
        monitor.next_run_at = next_expected(
            monitor.schedule_type,
            monitor.schedule_value,
            monitor.schedule_unit,
            monitor.schedule_timezone,
            now,
        )


@csrf_exempt
def ping(request: HttpRequest, token: str) -> HttpResponse:
    """A heartbeat monitor's ping URL (GET, POST or HEAD; the secret is the token)."""
    monitor_id = (
        Monitor.objects.filter(ping_token=token, kind=MonitorKind.HEARTBEAT)
        .values_list("pk", flat=True)
        .first()
    )
    if monitor_id is None or not heartbeat(monitor_id, clock.now()):
        return HttpResponse("no such heartbeat monitor\n", status=404, content_type="text/plain")
    return HttpResponse("OK\n", content_type="text/plain")
