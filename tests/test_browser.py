"""End-to-end in real headless Chromium against the live stack (gunicorn + Celery worker).

A user logs in, a real sentry-sdk sends an error, and the user triages it: finds it in the
list, opens it, sees the frame and a local variable, resolves, reopens, mutes with a volume
condition, and searches by tag. The XSS-laden SDK captures must render as inert text.
Screenshots land in test-output/screenshots/.
"""

import re
import shutil
import uuid

import pytest

from tests.replay import all_captures, replay
from tests.sdk import run_sdk
from tests.shared import REPO_ROOT

pytestmark = pytest.mark.live

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
CAPTURE_PROJECT_ID = 42  # the DSN the SDK captures were recorded with
CAPTURE_PUBLIC_KEY = "0123456789abcdef0123456789abcdef"
XSS_SCENARIOS = ("py_unicode", "node_unicode")
TIMEOUT_MS = 60_000  # 2 cores shared with other test runs: be patient


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium") and not (REPO_ROOT / CHROMIUM).exists():
        pytest.fail("chromium is missing: source scripts/browser.sh and run ensure_chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def account(live_stack):
    """A user in the team the live stack's projects are created in."""
    username, password = f"e2e-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    live_stack.manage("createuser", username, password, "--team", "Default")
    return username, password


@pytest.fixture
def page(browser, live_stack, account):
    context = browser.new_context(
        base_url=live_stack.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", account[0])
    page.fill("#id_password", account[1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_triage_a_real_sdk_error(live_stack, page):
    project_id, dsn = live_stack.create_project("browser shop")
    tag = f"tag-{uuid.uuid4().hex[:8]}"
    event_ids = run_sdk(
        dsn,
        f"""
        sentry_sdk.set_tag("checkout", {tag!r})

        def compute_total(prices):
            basket_discount = 0
            return sum(prices) / len(prices) - basket_discount

        try:
            compute_total([])
        except ZeroDivisionError:
            events.append(sentry_sdk.capture_exception())
        """,
    )
    assert live_stack.wait_for_events(project_id, set(event_ids), timeout=90) == set(event_ids)

    page.goto(f"/projects/{project_id}/issues/")
    link = page.get_by_role("link", name=re.compile("ZeroDivisionError"))
    link.wait_for()
    screenshot(page, "issue-list")
    link.click()
    page.wait_for_selector("h1.issue-title")
    assert "ZeroDivisionError" in page.inner_text("h1.issue-title")
    frame = page.locator("li.frame", has_text="compute_total").first
    assert frame.is_visible()
    assert frame.locator("table.vars").get_by_text("basket_discount").is_visible()
    screenshot(page, "issue-detail")

    page.get_by_role("button", name="Resolve", exact=True).click()
    page.wait_for_selector(".badge.resolved")
    page.get_by_role("button", name="Reopen").click()
    page.wait_for_selector(".badge.open")

    page.select_option("select[name=until]", "100-day")
    page.locator("form.mute button").click()
    page.wait_for_selector(".badge.muted")
    assert "100 events / 1 day" in page.inner_text(".badge.muted")
    screenshot(page, "issue-muted")

    page.goto(f"/projects/{project_id}/issues/?tab=all")
    page.fill("input[name=q]", f"checkout:{tag}")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=checkout"))
    assert page.get_by_role("link", name=re.compile("ZeroDivisionError")).count() == 1
    page.fill("input[name=q]", "checkout:no-such-value")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("td.empty")
    assert page.dialogs == []


def _capture_project(live_stack) -> int:
    return live_stack.ensure_project("captures", CAPTURE_PROJECT_ID, CAPTURE_PUBLIC_KEY)


def test_xss_fixtures_render_as_text(live_stack, page):
    project_id = _capture_project(live_stack)
    captures = [c for c in all_captures() if c.name.split("/")[0] in XSS_SCENARIOS]
    event_ids = set()
    for capture in captures:
        status, _, _ = replay(capture, "127.0.0.1", live_stack.port)
        assert status == 200, capture.name
        if capture.event_id:
            event_ids.add(capture.event_id)
    stored = live_stack.wait_for_events(project_id, event_ids, timeout=90)
    # Not every capture carries an event (sessions, client reports); the rest must be stored.
    rows = live_stack.sql(
        "SELECT DISTINCT issue_id, id FROM events_event WHERE project_id = %s", (project_id,)
    )
    wanted = {eid for eid in event_ids if eid in stored}
    assert wanted, "no XSS fixture event was stored"
    pages = {f"/projects/{project_id}/issues/?tab=all"}
    for issue_id, event_pk in live_stack.sql(
        "SELECT issue_id, id FROM events_event WHERE project_id = %s AND event_id IN ("
        + ",".join(["%s"] * len(wanted))
        + ")",
        (project_id, *wanted),
    ):
        pages.add(f"/projects/{project_id}/issues/{issue_id}/events/{event_pk}/")
        pages.add(f"/projects/{project_id}/issues/{issue_id}/")
    assert rows
    for path in sorted(pages):
        page.goto(path)
        page.wait_for_load_state("load")
        # Only our own static script exists; nothing the events carried became an element.
        scripts = page.eval_on_selector_all("script", "els => els.map(e => e.src)")
        assert all("/static/" in src for src in scripts), (path, scripts)
        assert page.locator("body *[onerror], body *[onload], body iframe").count() == 0, path
    page.goto(sorted(p for p in pages if "/events/" in p)[0])
    assert page.get_by_text("<script>alert", exact=False).first.is_visible()
    screenshot(page, "xss-event")
    assert page.dialogs == [], page.dialogs


def test_pages_work_without_javascript(browser, live_stack, account):
    project_id, dsn = live_stack.create_project("no js")
    event_ids = run_sdk(dsn, 'events.append(sentry_sdk.capture_message("plain forms work"))')
    assert live_stack.wait_for_events(project_id, set(event_ids), timeout=90) == set(event_ids)
    context = browser.new_context(base_url=live_stack.base_url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", account[0])
        page.fill("#id_password", account[1])
        page.click("button[type=submit]")
        page.goto(f"/projects/{project_id}/issues/")
        page.check('input[name="issue"]')
        page.get_by_role("button", name="Resolve").click()
        page.wait_for_selector(".messages")
        assert page.locator("tr.issue-row").count() == 0  # resolved: gone from the Open tab
        page.goto(f"/projects/{project_id}/issues/?tab=resolved")
        page.get_by_role("link", name="plain forms work").click()
        page.get_by_role("button", name="Reopen").click()
        page.wait_for_selector(".badge.open")

        # Bulk delete asks on a page of its own, which works without JavaScript too.
        page.goto(f"/projects/{project_id}/issues/")
        page.check('input[name="issue"]')
        page.get_by_role("button", name="Delete").click()
        page.wait_for_selector("h1:has-text('Delete 1 issue?')")
        assert "plain forms work" in page.inner_text("ul.confirm-list")
        page.get_by_role("button", name="Delete 1 issue").click()
        page.wait_for_selector(".messages")
        assert "Deleted 1 issue." in page.inner_text(".messages")
        assert page.locator("tr.issue-row").count() == 0
    finally:
        context.close()


PHONE_WIDTH = 375


def test_issue_list_fits_a_phone_screen(live_stack, page):
    """At 375 px nothing sticks out sideways: the page never needs a horizontal scroll."""
    project_id, dsn = live_stack.create_project("phone")
    long_word = "https://shop.example/checkout/" + "segment" * 30
    event_ids = run_sdk(
        dsn,
        f"""
        for n in range(3):
            try:
                raise ValueError({long_word!r} + str(n))
            except ValueError:
                events.append(sentry_sdk.capture_exception())
        """,
    )
    assert live_stack.wait_for_events(project_id, set(event_ids), timeout=90) == set(event_ids)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(f"/projects/{project_id}/issues/")
    page.wait_for_selector("tr.issue-row")
    screenshot(page, "issue-list-phone")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the issue list is {width} px wide on a {PHONE_WIDTH} px screen"


def test_create_team_and_project_in_the_ui(browser, live_stack):
    """A user with no team creates one, then a project in it, and gets its DSN on screen."""
    username, password = f"founder-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    live_stack.manage("createuser", username, password)
    context = browser.new_context(base_url=live_stack.base_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        page.get_by_role("link", name="Create a team").click()
        team_name = f"Team {uuid.uuid4().hex[:6]}"
        page.fill("#id_name", team_name)
        page.get_by_role("button", name="Create team").click()
        page.wait_for_selector(f"h1:has-text('Team {team_name}')")
        page.get_by_role("link", name=f"New project in {team_name}").click()
        page.fill("#id_name", "Checkout")
        page.get_by_role("button", name="Create project").click()
        page.wait_for_selector("code.dsn")
        dsn = page.inner_text("code.dsn")
        assert re.fullmatch(r"http://[0-9a-f]{32}@127\.0\.0\.1:\d+/\d+", dsn), dsn
        assert dsn in page.inner_text(".messages")
        page.goto("/")
        assert page.get_by_role("link", name="Checkout").is_visible()
    finally:
        context.close()


@pytest.fixture(scope="module")
def admin_account(live_stack):
    """An admin of the team the live stack's projects are created in, with an email address."""
    username, password = f"e2e-admin-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    live_stack.manage("createuser", username, password, "--team", "Default", "--role", "admin",
                      "--email", f"{username}@example.com")  # fmt: skip
    return username, password


def assert_label_toggles(page, label, text) -> None:
    """The checkbox sits inside its label, on the text's line, and a click on the text flips it."""
    checkbox = label.locator("input[type=checkbox]")
    assert checkbox.count() == 1
    box, words = checkbox.bounding_box(), text.bounding_box()
    assert box["y"] < words["y"] + words["height"] and words["y"] < box["y"] + box["height"]
    before = checkbox.is_checked()
    text.click()
    assert checkbox.is_checked() is (not before)
    text.click()
    assert checkbox.is_checked() is before


def test_alert_checkboxes_toggle_by_their_labels(browser, live_stack, admin_account):
    project_id, _ = live_stack.create_project(f"labels-{uuid.uuid4().hex[:6]}")
    context = browser.new_context(base_url=live_stack.base_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", admin_account[0])
        page.fill("#id_password", admin_account[1])
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))

        # The project's alert switches (team admins).
        page.goto(f"/projects/{project_id}/settings/")
        assert page.locator(".email-off").is_visible()  # the live stack has no EMAIL_HOST
        for words in ("Alert on a new issue", "Alert when a resolved issue comes back",
                      "Alert when a muted issue unmutes"):  # fmt: skip
            label = page.locator("label", has_text=words)
            assert_label_toggles(page, label, label.get_by_text(words, exact=True))
        screenshot(page, "project-alert-switches")

        # The user's own alert emails: one checkbox per project, saved by the form.
        page.get_by_role("link", name="My alerts").first.click()
        page.wait_for_url(re.compile(r"/accounts/alerts/$"))
        assert page.locator(".email-off").is_visible()
        name = live_stack.sql("SELECT name FROM projects_project WHERE id = %s", (project_id,))
        label = page.locator("label", has=page.get_by_text(name[0][0], exact=True))
        assert_label_toggles(page, label, label.locator(".name"))
        checkbox = label.locator("input[type=checkbox]")
        assert checkbox.is_checked()
        label.locator(".name").click()
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector(".messages")
        assert not checkbox.is_checked()
        screenshot(page, "my-alerts")
        opted_out = live_stack.sql(
            "SELECT COUNT(*) FROM alerts_alertoptout WHERE project_id = %s", (project_id,)
        )
        assert opted_out == [(1,)]
    finally:
        context.close()
