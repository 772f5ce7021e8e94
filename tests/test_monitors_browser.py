"""The monitors pages in real headless Chromium against the live stack: a team admin creates an
HTTP monitor with the form, the monitors worker checks it (the shared stack refuses private
targets, so it is critical with that cause), the detail and list pages show it with their SVG,
and the admin pauses it."""

import re
import time
import uuid

import pytest

from monitors.tests.servers import TargetServer
from tests.test_browser import CHROMIUM_ARGS, TIMEOUT_MS, browser, screenshot  # noqa: F401

pytestmark = pytest.mark.live

WAIT = 120


def test_create_watch_and_pause_a_monitor(browser, live_stack):  # noqa: F811 - fixture
    username, password = f"mon-admin-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    live_stack.manage("createuser", username, password, "--team", "Default", "--role", "admin")
    project_id, _ = live_stack.create_project(f"monitored-{uuid.uuid4().hex[:6]}")
    target = TargetServer()
    context = browser.new_context(base_url=live_stack.base_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        page.goto(f"/projects/{project_id}/issues/")
        page.get_by_role("link", name="Monitors").click()
        page.get_by_role("link", name="New monitor").first.click()
        page.fill("#id_name", "Front <page>")
        page.select_option("#id_kind", "http")
        page.fill("#id_url", target.url("/ok"))
        page.fill("#id_failures_before_alert", "1")
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector("h1:has-text('Front <page>')")
        deadline = time.monotonic() + WAIT
        while "MONITOR_ALLOW_PRIVATE" not in page.inner_text("main"):
            assert time.monotonic() < deadline, live_stack.log("worker.log")
            time.sleep(1)
            page.reload()
        assert page.inner_text("h1 .sev") == "Critical"
        assert page.locator("svg.uptime rect").count() == 30
        assert target.hits == {}  # refused before connecting
        screenshot(page, "monitor-detail")
        page.get_by_role("button", name="Pause").click()
        page.wait_for_selector("button:has-text('Resume')")
        page.goto(f"/projects/{project_id}/monitors/")
        row = page.locator("tr.monitor-row")
        assert "paused" in row.inner_text() and "Critical" in row.inner_text()
        assert row.locator("svg.uptime rect").count() == 30
        screenshot(page, "monitor-list")
    finally:
        context.close()
        target.stop()
