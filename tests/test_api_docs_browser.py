"""The Web API docs page (/api/0/docs/) works in real headless Chromium under our CSP: Swagger
UI from our own static files lists the endpoints, and the page loads nothing from elsewhere."""

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

pytestmark = pytest.mark.live


def test_docs_page_lists_the_endpoints(live_stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            requested, errors = [], []
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_stack.base_url}/api/0/docs/")
            page.wait_for_selector(".opblock")
            text = page.inner_text("body")
            assert "/api/0/organizations/{org}/chunk-upload/" in text
            assert "/api/0/projects/{org}/{project}/issues/" in text
            assert all(url.startswith(live_stack.base_url) for url in requested)
            assert not [e for e in errors if "Content Security Policy" in e]
        finally:
            browser.close()
