"""Real headless Chromium reports CSP violations to a live server's security endpoint.

A real HTTPS server started here serves two pages whose Content-Security-Policy forbids a
script and a stylesheet from another origin: one names the endpoint with `report-uri` (CSP
level 2, `application/csp-report`), the other with `report-to` and `Reporting-Endpoints` (the
Reporting API, `application/reports+json`, after a CORS preflight). The browser sends the
reports by itself; the live stack must store them as Issues titled by what was blocked.

Chromium delivers Reporting API reports only from and to HTTPS origins with valid
certificates, so the pages are HTTPS and the live stack is reached through a TLS tunnel
(tests/tls.py), with the test certificate trusted by its key hash.
"""

import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.live import free_port
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.tls import TlsTunnel, self_signed_certificate

pytestmark = pytest.mark.live

PAGE = """<!doctype html><html><head><title>{title}</title>
<link rel="stylesheet" href="http://localhost:{port}/evil.css"></head>
<body><p>{title}</p><script src="http://localhost:{port}/evil.js"></script></body></html>"""


class _Site(BaseHTTPRequestHandler):
    endpoint = ""  # set per server: the live stack's security URL

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        port = self.server.server_address[1]
        if self.path == "/level2":
            headers = {
                "Content-Security-Policy": f"script-src 'self'; report-uri {self.endpoint}",
            }
        elif self.path == "/reporting":
            headers = {
                "Content-Security-Policy": "style-src 'self'; report-to csp",
                "Reporting-Endpoints": f'csp="{self.endpoint}"',
            }
        else:
            self.send_error(404)
            return
        body = PAGE.format(title=self.path.strip("/"), port=port).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site(live_stack, tmp_path):
    project_id, dsn = live_stack.create_project()
    key = dsn.split("//", 1)[1].split("@", 1)[0]
    certificate = self_signed_certificate(tmp_path)
    tunnel = TlsTunnel(certificate, live_stack.port)
    endpoint = f"https://127.0.0.1:{tunnel.port}/api/{project_id}/security/?sentry_key={key}"
    handler = type("Site", (_Site,), {"endpoint": endpoint})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    server.socket = certificate.server_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield project_id, f"https://127.0.0.1:{server.server_address[1]}", certificate.spki_hash
    server.shutdown()
    server.server_close()
    tunnel.close()


def _issues(live_stack, project_id: int) -> dict[str, int]:
    rows = live_stack.sql(
        "SELECT title, event_count FROM issues_issue WHERE project_id = %s", (project_id,)
    )
    return dict(rows)


def _wait_for_titles(live_stack, project_id: int, titles: set[str]) -> dict[str, int]:
    deadline = time.monotonic() + 90
    while not titles <= set(found := _issues(live_stack, project_id)):
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return found


def test_chromium_csp_reports_become_issues(live_stack, site):
    if not shutil.which("chromium") and not shutil.which(CHROMIUM):
        pytest.fail("chromium is missing: source scripts/browser.sh and run ensure_chromium")
    from playwright.sync_api import sync_playwright

    project_id, site_url, spki_hash = site
    with sync_playwright() as playwright:
        # The Reporting API batches reports for a minute; this switch makes it send at once.
        args = [
            *CHROMIUM_ARGS,
            "--short-reporting-delay",
            f"--ignore-certificate-errors-spki-list={spki_hash}",
        ]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{site_url}/level2")
            page.goto(f"{site_url}/reporting")
            found = _wait_for_titles(
                live_stack,
                project_id,
                {"Blocked 'script' from 'localhost'", "Blocked 'style' from 'localhost'"},
            )
        finally:
            browser.close()
    assert "Blocked 'script' from 'localhost'" in found, found  # report-uri (level 2)
    assert "Blocked 'style' from 'localhost'" in found, (found, live_stack.log("web.log"))
    events = live_stack.sql(
        "SELECT COUNT(*) FROM events_event WHERE project_id = %s", (project_id,)
    )[0][0]
    assert events == sum(found.values())
