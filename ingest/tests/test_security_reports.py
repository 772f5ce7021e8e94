"""Browser security reports at /api/<project>/security/ become events: titled by what was
blocked, grouped by directive and blocked host (an explicit fingerprint), stored like errors.

The report bodies here have the shapes browsers send (tests/test_security_browser.py has
real Chromium send them to a live server)."""

import orjson
import pytest

from digestion.digest import digest_pending
from events.models import Event, Outcome
from events.storage import event_document
from ingest import quota, rejections
from issues.models import Issue
from projects.models import ProjectKey
from projects.tests.factories import make_project
from tests.asgi import asgi_post

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def target(monkeypatch):
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    monkeypatch.setattr("ingest.rejections._schedule_flush", lambda wait: None)
    quota.reset()
    project = make_project()
    key = ProjectKey.objects.filter(project=project).get().public_key
    yield project, key
    quota.reset()
    rejections.flush_rejections()


def level2(page: str, blocked: str, directive: str = "script-src-elem") -> bytes:
    return orjson.dumps({
        "csp-report": {
            "document-uri": page, "referrer": "", "violated-directive": directive,
            "effective-directive": directive, "original-policy": "script-src 'self'",
            "disposition": "enforce", "blocked-uri": blocked, "status-code": 200,
            "script-sample": "",
        }
    })  # fmt: skip


def reporting_api(page: str, blocked: str, directive: str = "script-src-elem") -> bytes:
    return orjson.dumps([
        {"age": 10, "type": "csp-violation", "url": page, "user_agent": "Chrome/140",
         "body": {"documentURL": page, "blockedURL": blocked, "effectiveDirective": directive,
                  "originalPolicy": "script-src 'self'", "disposition": "enforce",
                  "statusCode": 200, "sample": "", "referrer": ""}},
        {"age": 10, "type": "deprecation", "url": page, "body": {"id": "x", "message": "old"}},
    ])  # fmt: skip


def post(project, key, body: bytes, content_type: str):
    return asgi_post(
        f"/api/{project.pk}/security/?sentry_key={key}", body, {"Content-Type": content_type}
    )


def issue_titles(project) -> list[tuple[str, int]]:
    digest_pending(project.pk)
    return sorted(Issue.objects.filter(project=project).values_list("title", "event_count"))


def test_csp_reports_of_both_forms_group_by_directive_and_host(target):
    project, key = target
    for page in ("https://shop.example/a", "https://shop.example/b?x=1"):
        response = post(
            project, key, level2(page, "https://evil.example/x.js"), "application/csp-report"
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["id"]) == 32
    response = post(
        project, key, reporting_api("https://shop.example/c", "https://evil.example:8443/y.js"),
        "application/reports+json",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    post(
        project,
        key,
        level2("https://shop.example/", "https://cdn.example/s.css", "style-src-elem"),
        "application/csp-report",
    )
    post(
        project,
        key,
        level2("https://shop.example/", "inline", "script-src-elem"),
        "application/csp-report",
    )

    assert issue_titles(project) == [
        ("Blocked 'script' from 'evil.example'", 3),
        ("Blocked 'style' from 'cdn.example'", 1),
        ("Blocked inline 'script'", 1),
    ]


def test_the_event_keeps_the_csp_interface_and_request(target):
    project, key = target
    post(
        project,
        key,
        level2("https://shop.example/a", "https://evil.example/x.js"),
        "application/csp-report",
    )
    digest_pending(project.pk)
    event = Event.objects.get(project=project)
    document = event_document(event)
    assert document["type"] == "csp"
    csp = document["security_report"]["csp"]
    assert csp["blocked_uri"] == "https://evil.example/x.js"
    assert csp["effective_directive"] == "script-src-elem"
    assert csp["document_uri"] == "https://shop.example/a"
    assert document["request"]["url"] == "https://shop.example/a"
    assert document["fingerprint"] == ["csp", "script-src-elem", "evil.example"]
    assert ["blocked-uri", "evil.example"] in document["tags"]


def test_expect_ct_and_hpkp_reports(target):
    project, key = target
    expect_ct = orjson.dumps({"expect-ct-report": {
        "date-time": "2026-01-01T00:00:00Z", "hostname": "shop.example", "port": 443,
        "effective-expiration-date": "2026-02-01T00:00:00Z", "served-certificate-chain": [],
    }})  # fmt: skip
    hpkp = orjson.dumps({
        "date-time": "2026-01-01T00:00:00Z", "hostname": "pins.example", "port": 443,
        "known-pins": ['pin-sha256="abc"'], "include-subdomains": False,
    })  # fmt: skip
    assert post(project, key, expect_ct, "application/expect-ct-report+json").status_code == 200
    assert post(project, key, hpkp, "application/json").status_code == 200
    assert issue_titles(project) == [
        ("Expect-CT failed for 'shop.example'", 1),
        ("Public key pinning failed for 'pins.example'", 1),
    ]


def test_bad_reports_and_bad_keys_are_refused(target):
    project, key = target
    assert post(project, key, b"{nope", "application/csp-report").status_code == 400
    assert post(project, key, b'{"something": "else"}', "application/json").status_code == 400
    assert post(project, key, b"[1, 2]", "application/reports+json").status_code == 200  # no CSP
    response = post(
        project, "0" * 32, level2("https://a.example/", "eval"), "application/csp-report"
    )
    assert response.status_code == 403
    assert asgi_post(f"/api/{project.pk}/security/", level2("https://a.example/", "eval"),
                     {"Content-Type": "application/csp-report"}).status_code == 401  # fmt: skip
    rejections.flush_rejections()
    refused = dict(
        Outcome.objects.filter(project=project, outcome="refused").values_list("reason", "count")
    )
    assert refused == {"malformed": 2, "bad_key": 2}


def test_security_events_count_against_the_event_quota(target, settings):
    project, key = target
    settings.INGEST_QUOTA_PER_MINUTE, settings.INGEST_QUOTA_PER_HOUR = 2, 0
    body = level2("https://shop.example/", "https://evil.example/x.js")
    statuses = [post(project, key, body, "application/csp-report").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
