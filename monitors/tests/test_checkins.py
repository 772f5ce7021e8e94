"""Cron check-ins through the real ingest endpoints (captured SDK requests, the HTTP check-in
API), processed by the monitors worker's code under a controlled clock; heartbeats; TCP."""

import gzip
import json
import socket
import threading

import pytest
from django.test import Client

from ingest.auth import key_cache
from ingest.rejections import flush_rejections
from monitors import clock
from monitors.checkins import process_pending
from monitors.models import CheckIn, Monitor, MonitorResult
from monitors.runner import run_due_checks
from monitors.tests.conftest import make_monitor
from monitors.watch import detect_overdue
from projects.models import Project, ProjectKey
from tests.asgi import asgi_post
from tests.shared import SDK_CAPTURES_DIR

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

CAPTURE_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def offset(tmp_path, settings):
    path = tmp_path / "offset"
    settings.MONITOR_CLOCK_OFFSET_FILE = str(path)
    clock.set_offset(path, 0)

    class Offset:
        seconds = 0.0

        def advance(self, seconds: float) -> None:
            self.seconds += seconds
            clock.set_offset(path, self.seconds)

    return Offset()


@pytest.fixture(autouse=True)
def flush_refusals():
    yield
    flush_rejections()  # while the test may still use the database, not from a timer later


@pytest.fixture
def keyed_project(project):
    ProjectKey.objects.create(project=project, public_key=CAPTURE_KEY)
    key_cache.clear()  # the same key belonged to another test's project
    return project


def replay_capture(project: Project, folder: str) -> list[int]:
    statuses = []
    for meta_path in sorted((SDK_CAPTURES_DIR / folder).glob("*.meta.json")):
        meta = json.loads(meta_path.read_text())
        headers = {
            name: value
            for name, value in meta["headers"]
            if name.lower() not in ("host", "content-length")
        }
        body = meta_path.with_name(meta["body_file"]).read_bytes()
        query = f"?{meta['query_string']}" if meta.get("query_string") else ""
        response = asgi_post(f"/api/{project.pk}/envelope/{query}", body, headers)
        statuses.append(response.status_code)
    return statuses


@pytest.mark.parametrize("folder", ["py_checkin", "node_checkin"])
def test_sdk_check_ins_create_and_update_monitors(keyed_project, folder, offset, settings):
    assert set(replay_capture(keyed_project, folder)) == {200}
    assert CheckIn.objects.filter(processed_at__isnull=True).count() >= 5
    process_pending(clock.now())
    monitors = {m.slug: m for m in Monitor.objects.filter(project=keyed_project)}
    hourly = monitors["hourly-report"]
    assert (hourly.schedule_type, hourly.schedule_value) == ("crontab", "0 * * * *")
    assert hourly.schedule_timezone == "Europe/Vienna"
    assert (hourly.checkin_margin_minutes, hourly.max_runtime_minutes) == (5, 30)
    assert (hourly.failures_before_alert, hourly.recoveries_before_ok) == (2, 2)
    assert hourly.severity == "ok" and hourly.next_run_at.minute == 0
    nightly = monitors["nightly-cleanup"]
    assert nightly.schedule_type == "interval" and nightly.schedule_unit == "day"
    assert nightly.severity == "critical" and nightly.is_down
    decorated = [
        m for slug, m in monitors.items() if slug not in ("hourly-report", "nightly-cleanup")
    ]
    assert decorated and all(m.severity == "ok" for m in decorated)
    # Resent envelopes (an SDK retrying) are stored once.
    before = CheckIn.objects.count()
    replay_capture(keyed_project, folder)
    assert CheckIn.objects.count() == before


def post_check_in(project: Project, payload: dict) -> int:
    item = json.dumps(payload).encode()
    body = b"{}\n" + json.dumps({"type": "check_in", "length": len(item)}).encode() + b"\n" + item
    headers = {"X-Sentry-Auth": f"Sentry sentry_key={CAPTURE_KEY}, sentry_version=7"}
    return asgi_post(f"/api/{project.pk}/envelope/", gzip.compress(body),
                     {**headers, "Content-Encoding": "gzip"}).status_code  # fmt: skip


def test_bad_check_ins_are_refused_with_a_clear_status(keyed_project):
    assert post_check_in(keyed_project, {"status": "ok"}) == 400
    assert post_check_in(keyed_project, {"monitor_slug": "x", "status": "done"}) == 400
    assert (
        post_check_in(keyed_project, {"monitor_slug": "x", "status": "ok", "pad": "a" * 70_000})
        == 413
    )
    assert CheckIn.objects.count() == 0


def test_missed_check_in_and_timeout(keyed_project, offset, allow_private, hook):
    config = {"schedule": {"type": "interval", "value": 10, "unit": "minute"},
              "checkin_margin": 2, "max_runtime": 3}  # fmt: skip
    assert (
        post_check_in(
            keyed_project, {"monitor_slug": "sync", "status": "ok", "monitor_config": config}
        )
        == 200
    )
    process_pending(clock.now())
    monitor = Monitor.objects.get(slug="sync")
    assert monitor.severity == "ok"
    offset.advance(11 * 60)  # the next run was due after 12 min (+2 margin): not missed yet
    assert detect_overdue(clock.now()) == 0
    offset.advance(4 * 60)
    assert detect_overdue(clock.now()) == 1
    monitor.refresh_from_db()
    assert monitor.is_down and "no check-in" in monitor.last_cause
    # The job runs again but hangs: in_progress past max_runtime is a failure (still down).
    assert (
        post_check_in(
            keyed_project,
            {"monitor_slug": "sync", "status": "in_progress", "check_in_id": "a" * 32},
        )
        == 200
    )
    process_pending(clock.now())
    offset.advance(4 * 60)
    detect_overdue(clock.now())
    assert MonitorResult.objects.filter(monitor=monitor, status="timeout").count() == 1
    kinds = [a["kind"] for r in hook.wait_for(1) for a in r["json"]["alerts"]]
    assert kinds == ["cron_missed"]
    # It finishes fine next time: one recovery.
    post_check_in(keyed_project, {"monitor_slug": "sync", "status": "ok"})
    process_pending(clock.now())
    monitor.refresh_from_db()
    assert not monitor.is_down and monitor.severity == "ok"
    kinds = [a["kind"] for r in hook.wait_for(2) for a in r["json"]["alerts"]]
    assert kinds == ["cron_missed", "monitor_recovered"]


def test_http_check_in_api(keyed_project, offset):
    client_path = f"/api/{keyed_project.pk}/cron/db-backup/{CAPTURE_KEY}/"
    import asyncio

    import httpx

    from bugsink.asgi import application

    async def call(method: str, url: str, **kwargs):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.request(method, url, **kwargs)

    ok = asyncio.run(call("GET", client_path + "?status=in_progress&check_in_id=" + "b" * 32))
    assert ok.status_code == 202 and ok.content == b""
    config = {"monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}}
    done = asyncio.run(call("POST", client_path + "?status=ok&duration=12.5", json=config))
    assert done.status_code == 202
    wrong_key = asyncio.run(call("GET", client_path.replace(CAPTURE_KEY, "f" * 32) + "?status=ok"))
    assert wrong_key.status_code == 403
    bad = asyncio.run(call("GET", client_path + "?status=maybe"))
    assert bad.status_code == 400
    process_pending(clock.now())
    monitor = Monitor.objects.get(slug="db-backup")
    assert monitor.schedule_value == "0 3 * * *" and monitor.severity == "ok"
    assert MonitorResult.objects.get(monitor=monitor).response_ms == 12500


def test_http_check_ins_have_the_monitor_quota(keyed_project, settings):
    from ingest import quota

    settings.INGEST_CATEGORY_QUOTAS = "monitor=2/hour"
    quota.reset()
    path = f"/api/{keyed_project.pk}/cron/every-minute/{CAPTURE_KEY}/?status=ok"
    import asyncio

    import httpx

    from bugsink.asgi import application

    async def get():
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return [await c.get(path) for _ in range(3)]

    answers = asyncio.run(get())
    quota.reset()
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[2].headers["X-Sentry-Rate-Limits"].endswith(":monitor:project:quota_exceeded")
    assert CheckIn.objects.count() == 2


def test_heartbeat_ping_and_silence(project, offset, allow_private, hook):
    monitor = Monitor.objects.create(
        project=project, name="queue consumer", slug="queue", kind="heartbeat",
        frequency_seconds=300, checkin_margin_minutes=1, failures_before_alert=1,
    )  # fmt: skip
    client = Client()
    assert client.get(f"/ping/{monitor.ping_token}/").status_code == 200
    assert client.post(f"/ping/{'x' * 20}/").status_code == 404
    monitor.refresh_from_db()
    assert monitor.severity == "ok"
    offset.advance(5 * 60 + 30)
    assert detect_overdue(clock.now()) == 0  # within the margin
    offset.advance(60)
    assert detect_overdue(clock.now()) == 1
    monitor.refresh_from_db()
    assert monitor.is_down and "no ping" in monitor.last_cause
    assert client.post(f"/ping/{monitor.ping_token}/").status_code == 200
    monitor.refresh_from_db()
    assert monitor.severity == "ok" and not monitor.is_down
    kinds = [a["kind"] for r in hook.wait_for(2) for a in r["json"]["alerts"]]
    assert kinds == ["monitor_down", "monitor_recovered"]


def test_tcp_port_check(project, allow_private, offset):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accept = threading.Thread(target=lambda: listener.accept()[0].close(), daemon=True)
    accept.start()
    up = make_monitor(
        project, f"127.0.0.1:{port}", clock.now(), kind="tcp", failures_before_alert=1
    )
    listener_closed = socket.create_server(("127.0.0.1", 0))
    closed_port = listener_closed.getsockname()[1]
    listener_closed.close()
    down = make_monitor(
        project, f"127.0.0.1:{closed_port}", clock.now(), kind="tcp", failures_before_alert=1
    )
    assert run_due_checks(clock.now, budget_seconds=30) == 2
    listener.close()
    up.refresh_from_db()
    down.refresh_from_db()
    assert up.severity == "ok"
    assert down.severity == "critical" and "connection failed" in down.last_cause
