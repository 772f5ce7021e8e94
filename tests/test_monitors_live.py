"""Monitors end to end on a live stack (gunicorn + the Celery workers with beat), with the
monitors' clock moved by the test through MONITOR_CLOCK_OFFSET_FILE:

- cron jobs of the real sentry-sdk (`@monitor`) and @sentry/node (`withMonitor`): ok, failing,
  and one that never checks in again, with their states and alerts (webhook);
- the HTTP check-in API (`curl`-style GET);
- a worker killed in the middle of a check: its lease expires and another worker runs it.
"""

import time
import urllib.request

import pytest

from alerts.tests.servers import WebhookReceiver
from monitors.clock import set_offset
from monitors.tests.servers import TargetServer
from tests.conftest import stack_kind
from tests.live import LiveStack
from tests.node_sdk import run_node_script
from tests.sdk import run_sdk

pytestmark = pytest.mark.live

WAIT = 120
LEASE_SECONDS = 60
# Not the shared live stack's Redis db: starting this stack flushes its own db.
MONITORS_REDIS_URL = "redis://127.0.0.1:6379/12"

SETUP = """
from alerts.models import Webhook
Webhook.objects.create(project_id={project_id}, kind="generic", url={url!r})
"""

PY_JOBS = """
from sentry_sdk.crons import capture_checkin, monitor

DAILY = {"schedule": {"type": "interval", "value": 1, "unit": "day"}, "checkin_margin": 1}

@monitor(monitor_slug="py-ok", monitor_config=DAILY)
def nightly_report():
    return 42

@monitor(monitor_slug="py-error", monitor_config=DAILY)
def cleanup():
    raise RuntimeError("disk full")

nightly_report()
try:
    cleanup()
except RuntimeError:
    pass
capture_checkin(
    monitor_slug="py-never", status="ok",
    monitor_config={"schedule": {"type": "crontab", "value": "*/5 * * * *"}, "checkin_margin": 1},
)
"""


class Offset:
    def __init__(self, path) -> None:
        self.path = path
        self.seconds = 0.0
        set_offset(path, 0)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        set_offset(self.path, self.seconds)


@pytest.fixture(scope="module")
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def offset(tmp_path_factory):
    return Offset(tmp_path_factory.mktemp("clock") / "offset")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, offset):
    env = {
        "MONITOR_CLOCK_OFFSET_FILE": str(offset.path),
        "MONITOR_TICK_SECONDS": "1",
        "MONITOR_LEASE_SECONDS": str(LEASE_SECONDS),
        "MONITOR_ALLOW_PRIVATE": "true",
        "ALERT_COALESCE_SECONDS": "0",
        "ALERT_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    if stack_kind() == "postgres":
        env["CELERY_BROKER_URL"] = MONITORS_REDIS_URL
    live = LiveStack(stack_kind(), tmp_path_factory.mktemp("monitors"), extra_env=env)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def project(stack, webhook):
    project_id, dsn = stack.create_project("monitors-e2e")
    stack.manage("shell", "-c", SETUP.format(project_id=project_id, url=webhook.url))
    return project_id, dsn


def states(stack: LiveStack, project_id: int) -> dict[str, tuple[str, bool]]:
    rows = stack.sql(
        "SELECT slug, severity, is_down FROM monitors_monitor WHERE project_id = %s", (project_id,)
    )
    return {slug: (severity, bool(is_down)) for slug, severity, is_down in rows}


def wait_for_states(stack, project_id, expected: dict[str, tuple[str, bool]]) -> dict:
    deadline = time.monotonic() + WAIT
    while True:
        found = states(stack, project_id)
        if all(found.get(slug) == state for slug, state in expected.items()):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"states {found}, expected {expected}\n{stack.log('worker.log')}")
        time.sleep(0.5)


def alerts_for(webhook: WebhookReceiver, name: str) -> list[str]:
    with webhook.lock:
        requests = list(webhook.requests)
    return [
        alert["kind"]
        for request in requests
        for alert in request["json"]["alerts"]
        if alert.get("monitor", {}).get("name") == name
    ]


def wait_for_alerts(webhook, name: str, expected: list[str]) -> None:
    deadline = time.monotonic() + WAIT
    while alerts_for(webhook, name) != expected:
        assert time.monotonic() < deadline, (name, alerts_for(webhook, name), webhook.requests)
        time.sleep(0.5)


def check_jobs(stack, project, webhook, offset, prefix: str) -> None:
    project_id, _ = project
    wait_for_states(
        stack,
        project_id,
        {
            f"{prefix}-ok": ("ok", False),
            f"{prefix}-error": ("critical", True),
            f"{prefix}-never": ("ok", False),
        },
    )
    wait_for_alerts(webhook, f"{prefix}-error", ["cron_failed"])
    # Eleven minutes later the job of the five-minute schedule has missed its slot; the daily
    # ones have not.
    offset.advance(11 * 60)
    wait_for_states(stack, project_id, {f"{prefix}-never": ("critical", True)})
    wait_for_alerts(webhook, f"{prefix}-never", ["cron_missed"])
    assert states(stack, project_id)[f"{prefix}-ok"] == ("ok", False)
    assert alerts_for(webhook, f"{prefix}-ok") == []
    assert alerts_for(webhook, f"{prefix}-error") == ["cron_failed"]


CREATE_SILENT = """
from datetime import timedelta
from django.utils import timezone
from monitors.models import Monitor
Monitor.objects.create(
    project_id={project_id}, name="py-silent", slug="py-silent", kind="cron",
    schedule_type="crontab", schedule_value="*/5 * * * *", failures_before_alert=1,
    next_run_at=timezone.now() + timedelta(seconds={offset!r} + 300),
)
"""


def test_python_sdk_cron_jobs(stack, project, webhook, offset):
    # A job set up in the UI whose cron never runs at all: it has never checked in.
    stack.manage("shell", "-c", CREATE_SILENT.format(project_id=project[0], offset=offset.seconds))
    run_sdk(project[1], PY_JOBS)
    check_jobs(stack, project, webhook, offset, "py")
    assert states(stack, project[0])["py-silent"] == ("critical", True)
    wait_for_alerts(webhook, "py-silent", ["cron_missed"])
    [(duration,)] = stack.sql(
        "SELECT r.response_ms FROM monitors_monitorresult r JOIN monitors_monitor m"
        " ON m.id = r.monitor_id WHERE m.slug = 'py-ok'"
    )
    assert duration is not None


def test_node_sdk_cron_jobs(stack, project, webhook, offset):
    run_node_script("cron_jobs.js", project[1])
    check_jobs(stack, project, webhook, offset, "node")


def test_http_check_in_api(stack, project, webhook):
    project_id, dsn = project
    key = dsn.split("//", 1)[1].split("@", 1)[0]
    url = f"{stack.base_url}/api/{project_id}/cron/backup-job/{key}/?status=error"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 202
    wait_for_states(stack, project_id, {"backup-job": ("critical", True)})
    wait_for_alerts(webhook, "backup-job", ["cron_failed"])
    with urllib.request.urlopen(url.replace("status=error", "status=ok"), timeout=30) as response:
        assert response.status == 202
    wait_for_states(stack, project_id, {"backup-job": ("ok", False)})
    wait_for_alerts(webhook, "backup-job", ["cron_failed", "monitor_recovered"])


CREATE_HANGING = """
from datetime import timedelta
from django.utils import timezone
from monitors.models import Monitor
Monitor.objects.create(
    project_id={project_id}, name="hangs once", slug="hangs-once", kind="http", url={url!r},
    timeout_seconds=50, failures_before_alert=1,
    next_run_at=timezone.now() + timedelta(seconds={offset!r}),
)
"""


def test_lease_of_a_killed_worker_expires(stack, project, offset):
    project_id, _ = project
    target = TargetServer()
    try:
        stack.manage(
            "shell", "-c",
            CREATE_HANGING.format(project_id=project_id, url=target.url("/hang-once"),
                                  offset=offset.seconds),
        )  # fmt: skip
        deadline = time.monotonic() + WAIT
        while target.hits.get("/hang-once") != 1:
            assert time.monotonic() < deadline, stack.log("worker.log")
            time.sleep(0.2)
        [(first_worker,)] = stack.sql(
            "SELECT selected_by FROM monitors_monitor WHERE slug = 'hangs-once'"
        )
        assert first_worker  # the lease of the worker stuck in the check
        stack.kill_worker()
        target.release.set()
        stack.start_worker()
        time.sleep(3)  # several ticks: the lease is still valid, nobody takes the check
        assert target.hits["/hang-once"] == 1
        offset.advance(LEASE_SECONDS + 1)
        wait_for_states(stack, project_id, {"hangs-once": ("ok", False)})
        assert target.hits["/hang-once"] == 2
        rows = stack.sql(
            "SELECT r.severity FROM monitors_monitorresult r JOIN monitors_monitor m"
            " ON m.id = r.monitor_id WHERE m.slug = 'hangs-once'"
        )
        assert rows == [("ok",)]  # the killed worker recorded nothing
        [(lease,)] = stack.sql("SELECT selected_by FROM monitors_monitor WHERE slug = 'hangs-once'")
        assert lease == ""
    finally:
        target.stop()
