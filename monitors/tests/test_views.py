"""The monitors pages: list with severity, sparkline and uptime SVG, detail with history and
incidents, create / edit / pause by team admins, the state JSON, escaping and access."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from monitors.models import Incident, Monitor, MonitorResult
from monitors.status import monitor_states
from projects.tests.factories import PASSWORD, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return make_project()


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_admin_creates_edits_pauses_and_everyone_sees_it(project):
    admin = client_for(make_user("boss", project.team, role="admin"))
    member = client_for(make_user("member", project.team))
    response = admin.post(
        reverse("monitor-new", args=[project.pk]),
        {
            "name": "<script>alert(1)</script> shop", "kind": "http",
            "url": "https://shop.example.com/health", "method": "get", "ip_version": "any",
            "timeout_seconds": 5, "expected_status": "200-299", "cert_warning_days": 14,
            "frequency_seconds": 60, "recheck_delay_seconds": 20, "failures_before_alert": 2,
            "recoveries_before_ok": 1, "agents_required": 1, "schedule_timezone": "UTC",
            "checkin_margin_minutes": 1, "headers_text": "X-Check: yes",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    monitor = Monitor.objects.get()
    assert monitor.method == "GET" and monitor.request_headers == {"X-Check": "yes"}
    assert monitor.next_run_at is not None  # due at once
    # Members may look, not change.
    page = member.get(reverse("monitor-list", args=[project.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; shop" in page and "<script>alert" not in page
    assert member.get(reverse("monitor-edit", args=[monitor.pk])).status_code == 403
    assert (
        member.post(reverse("monitor-action", args=[monitor.pk]), {"action": "pause"}).status_code
        == 403
    )
    admin.post(reverse("monitor-action", args=[monitor.pk]), {"action": "pause"})
    monitor.refresh_from_db()
    assert monitor.is_paused
    response = admin.post(
        reverse("monitor-edit", args=[monitor.pk]),
        {"name": "shop", "kind": "tcp", "url": "not a target", "method": "GET"},
    )
    assert response.status_code == 200 and "host:port" in response.content.decode()


def test_form_refuses_bad_schedules_and_status_codes(project):
    admin = client_for(make_user("boss", project.team, role="admin"))
    base = {
        "name": "nightly", "kind": "cron", "method": "GET", "ip_version": "any",
        "timeout_seconds": 5, "expected_status": "200-299", "cert_warning_days": 14,
        "frequency_seconds": 60, "recheck_delay_seconds": 20, "failures_before_alert": 1,
        "recoveries_before_ok": 1, "agents_required": 1, "schedule_timezone": "UTC",
        "checkin_margin_minutes": 1, "schedule_type": "crontab", "schedule_value": "61 * * * *",
    }  # fmt: skip
    response = admin.post(reverse("monitor-new", args=[project.pk]), base)
    assert "not a crontab expression" in response.content.decode()
    response = admin.post(
        reverse("monitor-new", args=[project.pk]),
        {**base, "kind": "http", "url": "https://x.example", "expected_status": "2xx"},
    )
    assert "200-299,301" in response.content.decode()
    response = admin.post(
        reverse("monitor-new", args=[project.pk]), {**base, "schedule_value": "0 3 * * *"}
    )
    assert response.status_code == 302
    assert Monitor.objects.get().next_run_at is not None  # the next 03:00


def test_list_and_detail_show_state_sparkline_uptime_and_incidents(project, settings):
    member = client_for(make_user("member", project.team))
    monitor = Monitor.objects.create(
        project=project, name="api", slug="api", kind="http", url="https://api.example.com/",
        severity="critical", is_down=True,
    )  # fmt: skip
    now = monitor.created_at
    Monitor.objects.filter(pk=monitor.pk).update(created_at=now - timedelta(days=40))
    monitor.refresh_from_db()
    for minutes, ms in ((50, 120), (40, 180), (30, 90)):
        MonitorResult.objects.create(
            monitor=monitor, checked_at=now - timedelta(minutes=minutes), severity="ok",
            response_ms=ms, status="up",
        )  # fmt: skip
    Incident.objects.create(
        monitor=monitor, started_at=now - timedelta(hours=30), ended_at=now - timedelta(hours=24),
        cause="HTTP 502 <b>bad gateway</b>",
    )  # fmt: skip
    page = member.get(reverse("monitor-list", args=[project.pk])).content.decode()
    assert "<polyline" in page and "Critical" in page
    assert "HTTP 502 &lt;b&gt;bad gateway&lt;/b&gt;" in page
    detail = member.get(reverse("monitor-detail", args=[monitor.pk])).content.decode()
    assert detail.count('<rect class="up-') == 30
    assert page.count('<rect class="up-') == 30
    assert "6:00:00" in detail  # the incident's duration
    state = member.get(reverse("monitor-state", args=[monitor.pk])).json()
    assert state["severity"] == "critical" and len(state["daily_uptime"]) == 30
    assert state["uptime"]["24h"] == 100.0
    assert state["uptime"]["7d"] == pytest.approx(100 * (1 - 6 / (7 * 24)), abs=0.01)


def test_uptime_counts_ongoing_incidents_and_ignores_time_before_creation(project):
    monitor = Monitor.objects.create(project=project, name="x", slug="x", kind="http")
    now = monitor.created_at + timedelta(hours=2)
    Incident.objects.create(monitor=monitor, started_at=now - timedelta(hours=1))
    state = monitor_states([monitor], now=now)[monitor.pk]
    assert state.uptime["24h"] == pytest.approx(50.0)


def test_other_teams_monitors_are_404(project):
    monitor = Monitor.objects.create(project=project, name="x", slug="x", kind="http")
    outsider = make_user("outsider", make_project("Team B", "Other").team)
    client = client_for(outsider)
    assert client.get(reverse("monitor-detail", args=[monitor.pk])).status_code == 404
    assert client.get(reverse("monitor-state", args=[monitor.pk])).status_code == 404
    assert client.get(reverse("monitor-list", args=[project.pk])).status_code == 404


def test_list_page_queries_do_not_grow_with_monitors(project, django_assert_max_num_queries):
    member = client_for(make_user("member", project.team))
    url = reverse("monitor-list", args=[project.pk])

    def add(count: int) -> None:
        for _ in range(count):
            n = Monitor.objects.count()
            monitor = Monitor.objects.create(
                project=project, name=f"m{n}", slug=f"m{n}", kind="http"
            )
            MonitorResult.objects.create(
                monitor=monitor, checked_at=monitor.created_at, severity="ok", response_ms=5
            )
            Incident.objects.create(monitor=monitor, started_at=monitor.created_at)

    add(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert member.get(url).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert member.get(url).status_code == 200


def test_retention_prunes_old_results_not_incidents(project, settings):
    from monitors.retention import prune

    settings.MONITOR_RESULT_RETENTION_DAYS = 31
    monitor = Monitor.objects.create(project=project, name="x", slug="x", kind="http")
    now = monitor.created_at
    old = now - timedelta(days=40)
    MonitorResult.objects.create(monitor=monitor, checked_at=old, severity="ok")
    MonitorResult.objects.create(monitor=monitor, checked_at=now, severity="ok")
    Incident.objects.create(monitor=monitor, started_at=old, ended_at=old + timedelta(hours=1))
    assert prune(now) == 1
    assert MonitorResult.objects.get().checked_at == now
    assert Incident.objects.count() == 1


def test_editing_keeps_a_running_checks_lease(project):
    admin = client_for(make_user("boss", project.team, role="admin"))
    monitor = Monitor.objects.create(
        project=project, name="api", slug="api", kind="http", url="https://api.example.com/",
        selected_by="worker-1", severity="critical",
    )  # fmt: skip
    form = {
        "name": "api v2", "kind": "http", "url": "https://api.example.com/v2", "method": "GET",
        "ip_version": "any", "timeout_seconds": 5, "expected_status": "200",
        "cert_warning_days": 14, "frequency_seconds": 60, "recheck_delay_seconds": 20,
        "failures_before_alert": 2, "recoveries_before_ok": 1, "agents_required": 1,
        "schedule_timezone": "UTC", "checkin_margin_minutes": 1,
    }  # fmt: skip
    assert admin.post(reverse("monitor-edit", args=[monitor.pk]), form).status_code == 302
    monitor.refresh_from_db()
    assert (monitor.name, monitor.url) == ("api v2", "https://api.example.com/v2")
    assert monitor.selected_by == "worker-1" and monitor.severity == "critical"
