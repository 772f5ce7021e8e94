"""Triage as a team, in real headless Chromium against the live stack (gunicorn + Celery).

Real sentry-sdk errors become Issues; a user assigns one and finds it with `assigned:me`,
comments (an XSS payload must stay text, its link clickable), edits and deletes the comment,
merges two Issues from the list and unmerges one back out, and filters the list by environment,
a choice the list remembers. Screenshots land in test-output/screenshots/.
"""

import re
import uuid

import pytest

from tests.sdk import run_sdk
from tests.test_browser import TIMEOUT_MS, account, browser, screenshot  # noqa: F401

pytestmark = pytest.mark.live


@pytest.fixture
def page(browser, live_stack, account):  # noqa: F811 (the fixtures imported above)
    """A signed-in page that records every dialog: it accepts our own confirmation questions
    (data-confirm forms) and dismisses anything else, e.g. an alert() smuggled in by a payload."""
    context = browser.new_context(
        base_url=live_stack.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append((dialog.type, dialog.message))
        if dialog.type == "confirm":
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto("/accounts/login/")
    page.fill("#id_username", account[0])
    page.fill("#id_password", account[1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    yield page
    context.close()


def send_errors(live_stack, dsn: str, project_id: int, body: str) -> None:
    event_ids = run_sdk(dsn, body)
    assert set(event_ids) <= live_stack.wait_for_events(project_id, set(event_ids), timeout=90)


TWO_ERRORS = """
for kind in (ValueError, KeyError):
    try:
        raise kind("checkout failed")
    except Exception:
        events.append(sentry_sdk.capture_exception())
"""


def open_issue(page, project_id: int, title: str) -> None:
    page.goto(f"/projects/{project_id}/issues/?tab=all")
    page.get_by_role("link", name=re.compile(title)).first.click()
    page.wait_for_selector("h1.issue-title")


def test_assign_and_find_by_assignee(live_stack, page, account):  # noqa: F811
    project_id, dsn = live_stack.create_project(f"assign-{uuid.uuid4().hex[:6]}")
    send_errors(live_stack, dsn, project_id, TWO_ERRORS)
    open_issue(page, project_id, "ValueError")
    assert page.inner_text(".assignment .assignee") == "Nobody"
    page.select_option("select[name=assignee]", label=f"{account[0]} (me)")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_selector(".messages")
    assert page.inner_text(".assignment .assignee") == account[0]
    assert f"Assigned to {account[0]} by {account[0]}" in page.inner_text("#timeline")
    screenshot(page, "issue-assigned")

    page.goto(f"/projects/{project_id}/issues/?tab=all")
    page.fill("input[name=q]", "assigned:me")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=assigned"))
    rows = page.locator("tr.issue-row")
    assert rows.count() == 1 and "ValueError" in rows.first.inner_text()
    assert f"Assigned to {account[0]}" in rows.first.inner_text()
    page.fill("input[name=q]", "is:unassigned")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=is"))
    assert page.locator("tr.issue-row").count() == 1
    assert "KeyError" in page.locator("tr.issue-row").first.inner_text()

    open_issue(page, project_id, "ValueError")
    page.select_option("select[name=assignee]", label="Nobody")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_selector(".messages")
    assert page.inner_text(".assignment .assignee") == "Nobody"
    assert f"Unassigned by {account[0]}" in page.inner_text("#timeline")
    assert page.dialogs == []


XSS = '<script>alert("xss")</script><img src=x onerror=alert(2)> details: https://example.com/run?id=7&x=1'


def test_comment_renders_as_text_with_a_safe_link(live_stack, page):
    project_id, dsn = live_stack.create_project(f"comment-{uuid.uuid4().hex[:6]}")
    send_errors(live_stack, dsn, project_id, TWO_ERRORS)
    open_issue(page, project_id, "KeyError")
    page.fill("#comment-text", XSS)
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_selector("li.comment")
    text = page.locator("li.comment .comment-text")
    assert '<script>alert("xss")</script><img src=x onerror=alert(2)>' in text.inner_text()
    link = text.locator("a")
    assert link.count() == 1
    assert link.get_attribute("href") == "https://example.com/run?id=7&x=1"
    assert link.get_attribute("rel") == "nofollow"
    scripts = page.eval_on_selector_all("script", "els => els.map(e => e.src)")
    assert all("/static/" in src for src in scripts), scripts
    assert page.locator("body *[onerror], body img[src=x]").count() == 0
    screenshot(page, "issue-comment-xss")

    page.locator("li.comment details summary").click()
    page.locator("li.comment textarea[name=text]").fill("fixed by https://example.com/pr/1")
    page.locator("li.comment").get_by_role("button", name="Save").click()
    page.wait_for_selector("li.comment .edited")
    assert page.inner_text("li.comment .comment-text") == "fixed by https://example.com/pr/1"

    page.locator("li.comment").get_by_role("button", name="Delete").click()
    page.wait_for_selector(".messages")
    assert page.locator("li.comment").count() == 0
    # The only dialog was our own question before deleting: the payload never ran.
    assert page.dialogs == [("confirm", "Delete this comment?")]


def test_merge_then_unmerge(live_stack, page):
    project_id, dsn = live_stack.create_project(f"merge-{uuid.uuid4().hex[:6]}")
    send_errors(live_stack, dsn, project_id, TWO_ERRORS)
    page.goto(f"/projects/{project_id}/issues/")
    assert page.locator("tr.issue-row").count() == 2
    for box in page.locator('input[name="issue"]').all():
        box.check()
    page.get_by_role("button", name="Merge").click()
    page.wait_for_selector("h1:has-text('Merge 2 issues into one?')")
    screenshot(page, "merge-confirm")
    page.get_by_role("button", name="Merge 2 issues").click()
    page.wait_for_selector("section.groupings")
    assert "Merged 1 issue (1 event)." in page.inner_text(".messages")
    assert page.inner_text("dd.event-count") == "2"
    assert page.locator("section.groupings li").count() == 2
    assert "Merged #" in page.inner_text("#timeline")
    merged_url = page.url
    screenshot(page, "issue-merged")

    # A later event of either merged hash goes to the merged Issue.
    send_errors(live_stack, dsn, project_id, TWO_ERRORS)
    page.goto(f"/projects/{project_id}/issues/")
    assert page.locator("tr.issue-row").count() == 1
    page.goto(merged_url)
    assert page.inner_text("dd.event-count") == "4"

    # Unmerge the grouping listed last: it becomes an Issue of its own again, with its events.
    page.locator("section.groupings li").last.get_by_role("button", name="Unmerge").click()
    page.wait_for_selector(".messages")
    assert "Unmerged 2 events into a new issue." in page.inner_text(".messages")
    assert "Split off from issue #" in page.inner_text("#timeline")
    assert page.inner_text("dd.event-count") == "2"
    assert page.dialogs == [("confirm", "Move this grouping and its events into an issue of "
                                        "their own?")]  # fmt: skip
    page.goto(f"/projects/{project_id}/issues/")
    assert page.locator("tr.issue-row").count() == 2
    page.goto(merged_url)
    assert page.inner_text("dd.event-count") == "2"
    assert page.locator("section.groupings").count() == 0
    screenshot(page, "issue-unmerged")


def test_environment_selector_filters_and_is_remembered(live_stack, page):
    project_id, dsn = live_stack.create_project(f"env-{uuid.uuid4().hex[:6]}")
    send_errors(
        live_stack,
        dsn,
        project_id,
        """
        try:
            raise ValueError("in test")
        except ValueError:
            events.append(sentry_sdk.capture_exception())
        sentry_sdk.flush(timeout=20)
        sentry_sdk.init(dsn=DSN, release=RELEASE, environment="staging",
                        default_integrations=False, integrations=[])
        try:
            raise KeyError("in staging")
        except KeyError:
            events.append(sentry_sdk.capture_exception())
        """,
    )
    page.goto(f"/projects/{project_id}/issues/")
    assert page.locator("tr.issue-row").count() == 2
    options = page.locator("select[name=env] option").all_inner_texts()
    assert options == ["All environments", "staging", "test"]
    page.select_option("select[name=env]", "staging")  # applies on change (bugsink.js)
    page.wait_for_url(re.compile(r"env=staging"))
    rows = page.locator("tr.issue-row")
    assert rows.count() == 1 and "KeyError" in rows.first.inner_text()
    screenshot(page, "issue-list-environment")

    # Remembered: the bare list URL keeps the choice, for this user and project.
    page.goto(f"/projects/{project_id}/issues/")
    assert page.locator("tr.issue-row").count() == 1
    assert page.eval_on_selector("select[name=env]", "s => s.value") == "staging"

    rows.first.get_by_role("link").first.click()
    page.wait_for_selector("section.environments")
    assert page.inner_text("section.environments table").split() == ["staging", "1"]

    page.goto(f"/projects/{project_id}/issues/")
    page.select_option("select[name=env]", "")
    page.wait_for_url(re.compile(r"env=&|env=$"))
    assert page.locator("tr.issue-row").count() == 2
    assert page.dialogs == []


def test_merge_and_unmerge_work_without_javascript(browser, live_stack, account):  # noqa: F811
    project_id, dsn = live_stack.create_project(f"nojs-merge-{uuid.uuid4().hex[:6]}")
    send_errors(live_stack, dsn, project_id, TWO_ERRORS)
    context = browser.new_context(base_url=live_stack.base_url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", account[0])
        page.fill("#id_password", account[1])
        page.click("button[type=submit]")
        page.goto(f"/projects/{project_id}/issues/")
        for box in page.locator('input[name="issue"]').all():
            box.check()
        page.get_by_role("button", name="Merge").click()
        page.get_by_role("button", name="Merge 2 issues").click()
        page.wait_for_selector("section.groupings")
        assert page.inner_text("dd.event-count") == "2"
        page.locator("section.groupings li").last.get_by_role("button", name="Unmerge").click()
        page.wait_for_selector(".messages")
        assert "Unmerged 1 event into a new issue." in page.inner_text(".messages")
        page.goto(f"/projects/{project_id}/issues/")
        assert page.locator("tr.issue-row").count() == 2
    finally:
        context.close()
