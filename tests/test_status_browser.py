"""Status pages in real headless Chromium against the live stack.

An operator (a team admin) sets up a page in the UI, opens an incident, posts two updates and
closes it; a visitor with JavaScript disabled reads every public page (the page, the history,
the incident, the feed) with the updates in order, a private page is not there for them, and
XSS payloads in names and texts render as text.
"""

import re
import time
import uuid

import pytest

from tests.test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    admin_account,
    browser,
    screenshot,
)

pytestmark = pytest.mark.live

XSS = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'


def login(context, account) -> object:
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", account[0])
    page.fill("#id_password", account[1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    return page


def test_operator_flow_and_what_visitors_see_without_javascript(
    browser,  # noqa: F811
    live_stack,
    admin_account,  # noqa: F811
):
    team_id = int(
        live_stack.sql("SELECT id FROM projects_team WHERE name = %s", ("Default",))[0][0]
    )
    slug = f"acme-{uuid.uuid4().hex[:6]}"
    operator = browser.new_context(base_url=live_stack.base_url)
    operator.set_default_timeout(TIMEOUT_MS)
    ui = login(operator, admin_account)

    ui.goto(f"/teams/{team_id}/status-pages/")
    ui.fill("#id_title", f"Acme {XSS}")
    ui.fill("#id_slug", slug)
    with ui.expect_navigation():
        ui.click("text=Create")
    ui.wait_for_url(re.compile(r"/status-pages/\d+/$"))
    manage_url = ui.url
    ui.click("text=Services, categories and regions")
    ui.fill("#id_category-name", "Web")
    with ui.expect_navigation():
        ui.click("button[value=add_category]")
    ui.fill("#id_service-name", f"API {XSS}")
    ui.select_option("#id_service-category", label="Web")
    with ui.expect_navigation():
        ui.click("button[value=add_service]")
    ui.fill("#id_service-name", "Website")
    with ui.expect_navigation():
        ui.click("button[value=add_service]")
    ui.goto(manage_url)

    ui.click("text=Open an incident or schedule maintenance")
    ui.fill("#id_title", "Checkout errors")
    ui.select_option("#id_impact", "major")
    ui.check("label:has-text('API') input")
    ui.fill("#id_text", f"Investigating elevated errors {XSS}")
    screenshot(ui, "status-incident-form")
    with ui.expect_navigation():
        ui.click("main form.stacked button")
    assert re.search(r"/incidents/\d+/$", ui.url), ui.inner_text("main")
    for status, text in (("identified", "A bad deploy, rolling back"), ("fixed", "All fixed")):
        ui.select_option("#id_status", status)
        ui.fill("#id_text", text)
        ui.click("button[value=update]")
        ui.wait_for_selector(f"text={text}")
    screenshot(ui, "status-operator-incident")
    assert ui.evaluate("document.title") != "pwned"

    visitor = browser.new_context(base_url=live_stack.base_url, java_script_enabled=False)
    visitor.set_default_timeout(TIMEOUT_MS)
    public = visitor.new_page()
    response = public.goto(f"/status/{slug}/")
    assert response.status == 200 and "set-cookie" not in response.headers
    assert "All systems operational" in public.inner_text(".overall")
    assert public.locator("svg.history").count() == 2
    assert public.locator("li.service", has_text="Website").is_visible()
    body = public.inner_text("body")
    assert "<img src=x" in body  # the payload shows as text
    screenshot(public, "status-public-page")

    public.click("text=History")
    history = public.inner_text("body")
    first, second, third = (
        history.index("All fixed"),
        history.index("A bad deploy"),
        history.index("Investigating elevated errors"),
    )
    assert first < second < third  # newest first
    public.click("text=Checkout errors")
    assert "A bad deploy, rolling back" in public.inner_text("article.incident")
    screenshot(public, "status-public-incident")

    feed = public.request.get(f"/status/{slug}/feed/")
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    xml = feed.text()
    assert xml.index("All fixed") < xml.index("A bad deploy") < xml.index("Investigating")
    assert "<img" not in xml.replace("&lt;img", "")

    ui.goto(manage_url)
    ui.uncheck("#id_is_public")
    ui.click("section:has(h2:text('Settings')) button")
    ui.wait_for_url(manage_url)
    stranger = visitor.new_page()
    # Web processes keep a public page for a second (statuspages/fast_cache.py): within a few
    # seconds of the change, every one of them answers 404.
    for path in (f"/status/{slug}/", f"/status/{slug}/history/"):
        deadline = time.monotonic() + 5
        while stranger.goto(path).status != 404:
            assert time.monotonic() < deadline, f"{path} is still served"
            time.sleep(0.2)
    operator.close()
    visitor.close()
