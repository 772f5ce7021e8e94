"""Server-side scrubbing end to end: the real sentry-sdk sends secrets (send_default_pii=True and
its own scrubber emptied), the live stack stores the event, and neither the event page in
Chromium nor (on SQLite) any byte of the database files, their WALs or the spool holds them."""

import re

import pytest

from tests.sdk import run_sdk
from tests.test_browser import account, browser, page, screenshot  # noqa: F401 (fixtures)

# Runs in both passes of ./test: on SQLite it also reads every byte of the database files, their
# WALs and the spool.
pytestmark = [pytest.mark.live, pytest.mark.every_database]

SECRETS = {
    "password local": "SEKRET-PW-4d1a",
    "api key extra": "SEKRET-API-77c2",
    "authorization header": "Bearer SEKRET-AUTH-93aa",
    "cookie header": "sessionid=SEKRET-COOKIE-18bd",
    "query token": "SEKRET-QS-0f3e",
    "breadcrumb token": "SEKRET-CRUMB-5b21",
    "card": "4111 1111 1111 1111",
}


def test_secrets_sent_by_a_real_sdk_are_never_stored_or_shown(live_stack, page):  # noqa: F811
    project_id, dsn = live_stack.create_project("scrub shop")
    event_ids = run_sdk(
        dsn,
        f"""
        from sentry_sdk.scrubber import EventScrubber

        # The SDK's own scrubber emptied: every secret below reaches the server as it is.
        sentry_sdk.get_client().options["event_scrubber"] = EventScrubber(
            denylist=[], send_default_pii=True
        )

        def add_request(event, hint):
            event["request"] = {{
                "method": "POST",
                "url": "https://shop.example/pay?access_token={SECRETS["query token"]}&step=2",
                "headers": {{"Authorization": {SECRETS["authorization header"]!r},
                             "Cookie": {SECRETS["cookie header"]!r},
                             "User-Agent": "curl/8"}},
            }}
            return event

        sentry_sdk.get_global_scope().add_event_processor(add_request)
        sentry_sdk.set_extra("stripe_api_key", {SECRETS["api key extra"]!r})
        sentry_sdk.add_breadcrumb(category="auth", message="login",
                                  data={{"token": {SECRETS["breadcrumb token"]!r}}})

        def charge(card_number):
            password = {SECRETS["password local"]!r}
            raise ValueError("card " + card_number + " declined")

        try:
            charge({SECRETS["card"]!r})
        except ValueError:
            events.append(sentry_sdk.capture_exception())
        """,
        send_default_pii=True,
        include_local_variables=True,
    )
    assert live_stack.wait_for_events(project_id, set(event_ids), timeout=90) == set(event_ids)

    page.goto(f"/projects/{project_id}/issues/")
    page.get_by_role("link", name=re.compile("ValueError")).click()
    page.wait_for_selector("h1.issue-title")
    text = page.inner_text("body")
    screenshot(page, "scrubbed-event")
    assert "[Filtered]" in text
    assert "step=2" in text  # what is not a secret stays
    for name, secret in SECRETS.items():
        assert secret not in text, f"the {name} is shown"
    json_text = page.request.get(page.url.rstrip("/") + "/events/").text()
    assert "SEKRET" not in json_text

    if live_stack.kind == "embedded":
        live_stack.manage("evict")  # checkpoints and truncates the WALs, gives free pages back
        for path in _database_files(live_stack):
            content = path.read_bytes()
            for name, secret in SECRETS.items():
                assert secret.encode() not in content, f"the {name} is in {path.name}"


def _database_files(live_stack):
    files = []
    for main in (live_stack.database_path(), live_stack.database_path(spool=True)):
        files += [p for p in (main, main.with_name(main.name + "-wal")) if p.exists()]
    assert len(files) >= 2
    return files
