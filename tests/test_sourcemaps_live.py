"""Symbolicated JavaScript end to end: real minified bundles (tests/fixtures/sourcemaps) throw
in headless Chromium and in Node, their maps are uploaded with the real sentry-cli through the
Web API, and the Issue page shows the original file, line, function and source context.

- browser, debug ID: the esbuild build (debug IDs injected by sentry-cli), uploaded as an
  artifact bundle by sentry-cli 3 `sourcemaps upload` with no release;
- browser, release + file URL: the terser build (no debug ID), uploaded by sentry-cli 2
  `releases files VERSION upload-sourcemaps` as legacy release files;
- the two builds minify differently, yet their errors are one Issue;
- Node, by debug ID and by release + file path.

The page is served by a real HTTP server this test starts; its DSN points at the live stack.
"""

import http.server
import json
import re
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.live import free_port
from tests.sentry_cli import binary, run_cli
from tests.shared import REPO_ROOT
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, screenshot

pytestmark = pytest.mark.live

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "sourcemaps"
TEAM = "Maps Team"
ORG = "maps-team"
THROW_LINE = "    throw new TypeError('cents must be a number, got ' + typeof cents);"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title>
<script>window.APP_CONFIG = {config};</script></head>
<body><button id="checkout">Checkout</button><pre id="out"></pre>
<script src="/static/app.min.js"></script></body></html>
"""


@pytest.fixture(scope="module")
def maps_account(live_stack):
    """A member of the team of this module's projects, and an API token of theirs."""
    username, password = f"maps-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    live_stack.manage("createuser", username, password, "--team", TEAM,
                      "--email", f"{username}@example.com")  # fmt: skip
    token = live_stack.manage(
        "createtoken", username, "--scope", "project:releases", "--scope", "org:read",
        "--scope", "project:read", "--comment", "source map uploads",
    ).strip()  # fmt: skip
    return username, password, token


@pytest.fixture
def token(maps_account):
    return maps_account[2]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def ui(browser, live_stack, maps_account):
    """A signed-in page of the live stack's UI."""
    context = browser.new_context(
        base_url=live_stack.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", maps_account[0])
    page.fill("#id_password", maps_account[1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    yield page
    context.close()


@pytest.fixture
def maps_project(live_stack):
    """A project of the team, and its DSN and slug."""
    slug = f"shop-{uuid.uuid4().hex[:6]}"
    project_id, dsn = live_stack.create_project(slug, team=TEAM)
    return project_id, dsn, slug


def serve(folder: Path):
    """A real static HTTP server for `folder`, on its own port; returns (server, base URL)."""
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *a, directory=str(folder), **kw
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def site(tmp_path: Path, build: str, dsn: str, release: str) -> Path:
    root = tmp_path / f"site-{build}"
    (root / "static").mkdir(parents=True)
    for name in ("app.min.js", "app.min.js.map"):
        shutil.copy(FIXTURES / "browser" / "dist" / build / name, root / "static" / name)
    config = json.dumps({"dsn": dsn, "release": release})
    (root / "index.html").write_text(PAGE.replace("{config}", config))
    return root


def ok(result) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def wait_for_event_ids(live_stack, project_id: int, count: int, timeout: float = 120) -> list:
    deadline = time.monotonic() + timeout
    while True:
        rows = live_stack.sql(
            "SELECT id, issue_id FROM events_event WHERE project_id = %s ORDER BY id",
            (project_id,),
        )
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def throw_in_chromium(browser, url: str) -> None:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    shop = context.new_page()
    shop.goto(url)
    shop.click("#checkout")
    shop.wait_for_function("document.getElementById('out').textContent.startsWith('reported')")
    context.close()


def assert_symbolicated_issue_page(
    page, project_id: int, issue_id: int, minified_url: str, name: str, line: int = 9
) -> None:
    page.goto(f"/projects/{project_id}/issues/{issue_id}/")
    frame = page.locator("li.frame").first  # innermost first
    summary = frame.locator("summary").inner_text()
    assert "src/app.js" in summary and "formatPrice" in summary, summary
    assert frame.locator(".lineno").inner_text() == str(line)
    assert frame.locator("tr.current pre").inner_text() == THROW_LINE
    source = frame.locator("table.source").inner_text()
    assert "if (typeof cents !== 'number') {" in source
    assert minified_url in frame.locator("p.minified").inner_text()
    callers = page.locator("li.frame summary").all_inner_texts()
    assert any("renderCart" in text for text in callers), callers
    assert page.locator(".sourcemap-notes").count() == 0
    screenshot(page, f"sourcemaps-{name}")


def test_browser_bundles_by_debug_id_and_by_release_are_one_issue(
    live_stack,
    browser,
    ui,
    maps_project,
    token,
    tmp_path,
):
    project_id, dsn, slug = maps_project
    scope = ["--org", ORG, "--project", slug]

    # Build A (esbuild, debug IDs): an artifact bundle, uploaded by sentry-cli 3, no release.
    esbuild_site = site(tmp_path, "esbuild", dsn, "shop@1.0.0")
    ok(run_cli(binary("3"), live_stack.base_url, token, "sourcemaps", "upload", *scope,
               "--url-prefix", "~/static", str(esbuild_site / "static"), cwd=tmp_path))  # fmt: skip
    # Build B (terser, no debug ID): legacy release files of shop@2.0.0, by sentry-cli 2.
    terser_site = site(tmp_path, "terser", dsn, "shop@2.0.0")
    ok(run_cli(binary("2"), live_stack.base_url, token, "releases", *scope, "new", "shop@2.0.0",
               cwd=tmp_path))  # fmt: skip
    ok(run_cli(binary("2"), live_stack.base_url, token, "releases", *scope, "files", "shop@2.0.0",
               "upload-sourcemaps", "--url-prefix", "~/static", str(terser_site / "static"),
               cwd=tmp_path))  # fmt: skip

    servers = [serve(esbuild_site), serve(terser_site)]
    try:
        throw_in_chromium(browser, servers[0][1] + "/index.html")
        first = wait_for_event_ids(live_stack, project_id, 1)
        assert len(first) == 1, live_stack.log("worker.log")
        assert_symbolicated_issue_page(
            ui, project_id, first[0][1], servers[0][1] + "/static/app.min.js", "debug-id"
        )
        throw_in_chromium(browser, servers[1][1] + "/index.html")
        both = wait_for_event_ids(live_stack, project_id, 2)
        assert len(both) == 2, live_stack.log("worker.log")
    finally:
        for server, _ in servers:
            server.shutdown()
    # Two builds with different minified names and positions: one Issue.
    assert both[0][1] == both[1][1]
    ui.goto(f"/projects/{project_id}/issues/{both[1][1]}/events/{both[1][0]}/")
    assert "src/app.js" in ui.locator("li.frame summary").first.inner_text()
    assert servers[1][1] + "/static/app.min.js" in ui.locator("p.minified").first.inner_text()
    screenshot(ui, "sourcemaps-release-url")


def test_missing_map_is_explained_on_the_issue_page(
    live_stack, browser, ui, maps_project, tmp_path
):
    project_id, dsn, _ = maps_project
    root = site(tmp_path, "terser", dsn, "shop@9.9.9")
    server, base = serve(root)
    try:
        throw_in_chromium(browser, base + "/index.html")
        rows = wait_for_event_ids(live_stack, project_id, 1)
    finally:
        server.shutdown()
    ui.goto(f"/projects/{project_id}/issues/{rows[0][1]}/")
    notes = ui.locator(".sourcemap-notes").inner_text()
    assert f"no source map for {base}/static/app.min.js in release shop@9.9.9" in notes


def run_node(script: Path, dsn: str, release: str) -> str:
    result = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "SENTRY_DSN": dsn, "SENTRY_RELEASE": release},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return re.search(r"reported ([0-9a-f]{32})", result.stdout).group(1)


@pytest.mark.parametrize("method", ["debug-id", "release"])
def test_node_bundle(live_stack, ui, maps_project, token, tmp_path, method):
    project_id, dsn, slug = maps_project
    dist = tmp_path / "dist"
    shutil.copytree(FIXTURES / "node" / "dist", dist)
    scope = ["--org", ORG, "--project", slug]
    release = f"node-shop@{method}"
    if method == "debug-id":
        ok(run_cli(binary("3"), live_stack.base_url, token, "sourcemaps", "upload", *scope,
                   str(dist), cwd=tmp_path))  # fmt: skip
    else:
        ok(run_cli(binary("2"), live_stack.base_url, token, "releases", *scope, "new", release,
                   cwd=tmp_path))  # fmt: skip
        ok(run_cli(binary("2"), live_stack.base_url, token, "releases", *scope, "files", release,
                   "upload-sourcemaps", str(dist), cwd=tmp_path))  # fmt: skip
    event_id = run_node(dist / "app.min.js", dsn, release)
    assert live_stack.wait_for_events(project_id, {event_id}, timeout=120) == {event_id}
    rows = wait_for_event_ids(live_stack, project_id, 1)
    assert_symbolicated_issue_page(
        ui, project_id, rows[0][1], str(dist / "app.min.js"), f"node-{method}", line=8
    )
