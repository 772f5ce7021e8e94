"""A monitor behind a service goes down for real (the test stops its HTTP server): an incident
opens after the configured minutes; the server comes back: the incident is fixed and closed."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monitors.runner import run_due_checks
from monitors.tests.conftest import make_monitor
from statuspages import fast_cache
from statuspages.automatic import sync_automatic_incidents
from statuspages.models import Incident, StatusPage
from statuspages.tests.factories import make_services

pytestmark = pytest.mark.django_db


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


class RestartableServer:
    """A real HTTP server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = 0
        self.start()

    def start(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _Ok)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def run(clock, capture) -> None:
    with capture(execute=True):
        run_due_checks(clock, budget_seconds=30)


def test_monitor_down_opens_and_recovery_closes_an_incident(
    project,
    allow_private,
    test_clock,
    django_capture_on_commit_callbacks,
    client,
):
    server = RestartableServer()
    monitor = make_monitor(
        project, f"http://127.0.0.1:{server.port}/", test_clock(), failures_before_alert=2
    )
    page = StatusPage.objects.create(team=project.team, title="Shop", slug="shop")
    services = make_services(page)
    services["site"].monitors.add(monitor)
    services["site"].auto_incidents = True
    services["site"].auto_after_minutes = 5
    services["site"].save()

    run(test_clock, django_capture_on_commit_callbacks)
    assert sync_automatic_incidents(test_clock()) == {"opened": 0, "closed": 0}

    server.stop()
    try:
        for seconds in (60, 10, 60):
            test_clock.advance(seconds)
            run(test_clock, django_capture_on_commit_callbacks)
        monitor.refresh_from_db()
        assert monitor.severity == "critical"
        assert sync_automatic_incidents(test_clock())["opened"] == 0  # not down for 5 min yet
        for _ in range(5):
            test_clock.advance(60)
            run(test_clock, django_capture_on_commit_callbacks)
        assert sync_automatic_incidents(test_clock())["opened"] == 1
        incident = Incident.objects.get(page=page)
        assert incident.is_published and incident.impact == "outage"
        assert list(incident.services.all()) == [services["site"]]
        text = client.get("/status/shop/").content.decode()
        assert "Major outage" in text and monitor.name in text
        assert sync_automatic_incidents(test_clock())["opened"] == 0  # one incident, not two
    finally:
        server.start()

    for _ in range(3):
        test_clock.advance(60)
        run(test_clock, django_capture_on_commit_callbacks)
    monitor.refresh_from_db()
    assert monitor.severity == "ok"
    assert sync_automatic_incidents(test_clock())["closed"] == 1
    incident.refresh_from_db()
    assert incident.status == "fixed" and incident.ends_at is not None
    assert [u.status for u in incident.updates.all()] == ["investigating", "fixed"]
    fast_cache.clear()
    assert "All systems operational" in client.get("/status/shop/").content.decode()
    server.stop()


def test_draft_when_the_service_does_not_publish_automatically(
    project,
    allow_private,
    test_clock,
    django_capture_on_commit_callbacks,
):
    monitor = make_monitor(project, "http://127.0.0.1:9/", test_clock(), failures_before_alert=1)
    page = StatusPage.objects.create(team=project.team, title="Shop", slug="shop2")
    service = make_services(page)["api"]
    service.monitors.add(monitor)
    service.auto_incidents, service.auto_after_minutes, service.auto_publish = True, 0, False
    service.save()
    for _ in range(3):
        run(test_clock, django_capture_on_commit_callbacks)
        test_clock.advance(60)
    assert sync_automatic_incidents(test_clock())["opened"] == 1
    assert not Incident.objects.get(page=page).is_published
