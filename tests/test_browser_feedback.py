"""User feedback and attachments in real headless Chromium against the live stack.

The crash-report dialog: a customer's page, served by a real HTTP server this test starts on
another origin, runs the real @sentry/browser (tests/fixtures/sentry-browser/), captures an
error and calls `Sentry.showReportDialog`; the user fills the dialog in and sends it, and the
feedback appears on the Issue (as text) and is counted in the issue list.

Attachments: a real sentry-sdk sends an event with an HTML and a text attachment; the event
page lists them, a download is a download (headers checked as Chromium received them), never a
rendered page, and the text preview shows markup as text.
"""

import functools
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import test_browser as house
from tests.sdk import run_sdk
from tests.shared import REPO_ROOT

# The house's browser fixtures (Debian's chromium, a logged-in page) and screenshot helper.
browser, account, page, screenshot = house.browser, house.account, house.page, house.screenshot

pytestmark = pytest.mark.live

SENTRY_BROWSER = REPO_ROOT / "tests" / "fixtures" / "sentry-browser" / "sentry-browser.min.js"
XSS_COMMENT = 'It failed at checkout <img src=x onerror="alert(1)"> & then <b>froze</b>'
CUSTOMER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<script src="sentry-browser.min.js"></script>
<script>Sentry.init({dsn: %(dsn)r, release: "shop@1.0.0"});</script>
</head><body><h1>Shop checkout</h1></body></html>
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


@pytest.fixture
def customer_site(tmp_path):
    """A real HTTP server for the customer's pages, on its own port (another origin)."""
    shutil.copy(SENTRY_BROWSER, tmp_path / SENTRY_BROWSER.name)
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(name: str, html: str) -> str:
        (tmp_path / name).write_text(html)
        return f"http://127.0.0.1:{server.server_address[1]}/{name}"

    yield publish
    server.shutdown()
    server.server_close()


def test_crash_report_dialog_round_trip(live_stack, page, customer_site):
    project_id, dsn = live_stack.create_project("feedback shop")
    url = customer_site("index.html", CUSTOMER_PAGE % {"dsn": dsn})
    page.goto(url)
    event_id = page.evaluate(
        """async () => {
            const id = Sentry.captureException(new Error("checkout exploded"));
            await Sentry.flush(20000);
            return id;
        }"""
    )
    assert re.fullmatch(r"[0-9a-f]{32}", event_id)
    page.evaluate(
        """eventId => Sentry.showReportDialog({
            eventId,
            user: {name: "Ann Example", email: "ann@example.com"},
            title: "Sorry <b>about</b> that",
            onLoad() { window.dialogLoaded = true; },
            onClose() { window.dialogClosed = true; },
        })""",
        event_id,
    )
    dialog = page.locator(".bugsink-report-dialog [role=dialog]")
    dialog.wait_for()
    page.wait_for_function("window.dialogLoaded === true")
    # The options came back through our endpoint, as text.
    assert dialog.locator("h2").inner_text() == "Sorry <b>about</b> that"
    assert dialog.locator("input[name=name]").input_value() == "Ann Example"
    assert dialog.locator("input[name=email]").input_value() == "ann@example.com"
    screenshot(page, "feedback-dialog")

    dialog.get_by_role("button", name=re.compile("Submit")).click()  # empty: refused in place
    assert dialog.get_by_role("status").first.inner_text() != ""
    dialog.locator("textarea[name=comments]").fill(XSS_COMMENT)
    dialog.get_by_role("button", name=re.compile("Submit")).click()
    page.locator(".bugsink-report-dialog-success").wait_for()
    page.locator(".bugsink-report-dialog").get_by_role("button", name="Close").click()
    page.wait_for_function("window.dialogClosed === true")
    assert page.locator(".bugsink-report-dialog").count() == 0

    assert live_stack.wait_for_events(project_id, {event_id}, timeout=90) == {event_id}
    (issue_id,) = live_stack.sql(
        "SELECT issue_id FROM events_event WHERE project_id = %s AND event_id = %s",
        (project_id, event_id),
    )[0]
    page.goto(f"{live_stack.base_url}/projects/{project_id}/issues/{issue_id}/")
    comments = page.locator("#feedback .feedback-comments")
    comments.wait_for()
    assert comments.inner_text() == XSS_COMMENT
    assert page.locator("#feedback .feedback-name").inner_text() == "Ann Example"
    assert page.locator("body img, body b").count() == 0  # nothing became markup
    screenshot(page, "feedback-on-issue")

    page.goto(f"{live_stack.base_url}/projects/{project_id}/issues/")
    assert page.locator("a.feedback-count").inner_text() == "1 feedback"
    assert page.dialogs == []


def test_attachment_download_headers_and_preview(live_stack, page):
    project_id, dsn = live_stack.create_project("attachment shop")
    event_ids = run_sdk(
        dsn,
        """
        scope = sentry_sdk.get_current_scope()
        scope.add_attachment(bytes=b"<html><script>alert(1)</script>report</html>",
                             filename="report.html", content_type="text/html")
        scope.add_attachment(bytes=b"line 1\\nERROR <b>disk</b> full\\n", filename="app.log",
                             content_type="text/plain")
        events.append(sentry_sdk.capture_message("export failed with attachments"))
        """,
    )
    assert live_stack.wait_for_events(project_id, set(event_ids), timeout=90) == set(event_ids)
    page.goto(f"/projects/{project_id}/issues/")
    page.get_by_role("link", name="export failed with attachments").click()
    rows = page.locator("table.attachment-list tr.attachment")
    rows.first.wait_for()
    listed = [
        (
            row.locator(".attachment-name").inner_text(),
            row.locator(".attachment-type").inner_text(),
            row.locator(".attachment-size").get_attribute("title"),
        )
        for row in rows.all()
    ]
    assert sorted(listed) == [("app.log", "text/plain", "30 bytes"),
                              ("report.html", "text/html", "44 bytes")]  # fmt: skip
    screenshot(page, "attachments")
    event_page = page.url

    html_row = rows.filter(has_text="report.html")
    href = html_row.get_by_role("link", name="Download").get_attribute("href")
    with page.expect_download() as info:
        html_row.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "report.html"
    with open(download.path(), "rb") as stored:
        assert stored.read() == b"<html><script>alert(1)</script>report</html>"

    # The headers as Chromium's network stack received them.
    headers = page.evaluate(
        """async url => {
            const response = await fetch(url);
            return Object.fromEntries(response.headers.entries());
        }""",
        href,
    )
    assert headers["content-disposition"] == 'attachment; filename="report.html"'
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"] == "application/octet-stream"

    # Navigating to it downloads; the HTML never becomes a page, its script never runs.
    with page.expect_download():
        page.evaluate("url => { window.location.href = url; }", href)
    assert page.url == event_page
    assert page.dialogs == []

    rows.filter(has_text="app.log").get_by_role("link", name="Preview").click()
    preview = page.locator("pre.attachment-text")
    preview.wait_for()
    assert preview.inner_text() == "line 1\nERROR <b>disk</b> full\n"
    assert page.locator("pre.attachment-text b").count() == 0
    assert page.dialogs == []
