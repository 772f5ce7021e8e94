"""Event viewer, event list and raw JSON download; untrusted strings always escaped."""

import json

import orjson
import pytest
from django.urls import reverse

from events.models import Event
from issues.models import Issue
from projects.tests.factories import PASSWORD, ingest, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)
from tests.shared import SDK_CAPTURES_DIR

# Ingestion spools into its own database on SQLite (events/routers.py): allow every alias.
pytestmark = pytest.mark.django_db(databases="__all__")

XSS = "<script>alert(1)</script>"


@pytest.fixture
def events(project):
    ingest(project, *[python_event() for _ in range(3)])
    return list(Event.objects.filter(project=project).order_by("received_at", "pk"))


def event_url(event, name="event-detail"):
    return reverse(name, args=[event.project_id, event.issue_id, event.pk])


def test_event_pages_need_login_and_membership(client, events, outsider):
    event = events[0]
    urls = [event_url(event), event_url(event, "event-json"),
            reverse("event-list", args=[event.project_id, event.issue_id])]  # fmt: skip
    for url in urls:
        assert client.get(url).status_code == 302
    client.login(username=outsider.username, password=PASSWORD)
    for url in urls:
        assert client.get(url).status_code == 404


def test_event_of_another_issue_is_404(member_client, events, project):
    ingest(project, python_event(exception={"values": [{"type": "Other", "value": "x"}]}))
    other = Event.objects.exclude(issue_id=events[0].issue_id).get()
    url = reverse("event-detail", args=[project.pk, events[0].issue_id, other.pk])
    assert member_client.get(url).status_code == 404


def test_navigation(member_client, events):
    first, middle, last = events
    nav = member_client.get(event_url(middle)).context["nav"]
    assert nav == {"first": first.pk, "prev": first.pk, "next": last.pk, "last": last.pk}
    nav = member_client.get(event_url(first)).context["nav"]
    assert nav["first"] is None and nav["prev"] is None and nav["next"] == middle.pk


def test_event_viewer_sections(member_client, events):
    body = member_client.get(event_url(events[0])).content.decode()
    for text in ("ZeroDivisionError", "shop/cart.py", "basket_id", "GET /cart",
                 "https://shop.example/cart?x=1", "ann@example.com", "CPython",
                 "sentry.python", "Raw JSON", "Most recent call first"):  # fmt: skip
        assert text in body, text
    # in-app frame expanded, library frame collapsed
    assert '<li class="frame in-app">\n        <details open>' in body
    assert '<li class="frame library">\n        <details>' in body


def test_main_exception_first(member_client, project):
    chained = python_event(
        exception={
            "values": [
                {"type": "KeyError", "value": "cause"},
                {"type": "RuntimeError", "value": "while handling"},
            ]
        }
    )
    ingest(project, chained)
    event = Event.objects.get()
    body = member_client.get(event_url(event)).content.decode()
    assert body.index("RuntimeError") < body.index("KeyError")


def test_event_list(member_client, events):
    url = reverse("event-list", args=[events[0].project_id, events[0].issue_id])
    response = member_client.get(url)
    assert [e.pk for e in response.context["events"]] == [e.pk for e in reversed(events)]


def test_event_list_pages_through_every_event_once(member_client, project, monkeypatch):
    monkeypatch.setattr("events.selectors.EVENTS_PER_PAGE", 2)
    ingest(project, *[python_event() for _ in range(3)])  # received in the same instant
    ingest(project, *[python_event() for _ in range(2)])
    expected = list(Event.objects.order_by("-received_at", "-pk").values_list("pk", flat=True))
    url = reverse("event-list", args=[project.pk, Event.objects.first().issue_id])
    seen, query = [], ""
    while True:
        response = member_client.get(url + query)
        seen += [e.pk for e in response.context["events"]]
        if response.context["next_before"] is None:
            break
        query = f"?before={response.context['next_before']}"
    assert seen == expected


def test_raw_json_download(member_client, events):
    response = member_client.get(event_url(events[0], "event-json"))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["event_id"] == events[0].event_id


def test_hostile_strings_are_escaped(member_client, project):
    event = python_event(
        tags={"browser": XSS},
        release=XSS,
        user={"email": XSS},
        request={"url": f"https://x/{XSS}", "headers": {"X": XSS}},
        breadcrumbs={"values": [{"message": XSS, "data": {"k": XSS}}]},
        message=XSS,
    )
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    frames[1]["vars"] = {XSS: XSS}
    frames[1]["context_line"] = XSS
    event["exception"]["values"][0]["value"] = XSS
    ingest(project, event)
    issue = Issue.objects.get()
    for url in (
        reverse("issue-detail", args=[project.pk, issue.pk]),
        reverse("issue-list", args=[project.pk]),
        reverse("event-list", args=[project.pk, issue.pk]),
    ):
        body = member_client.get(url).content.decode()
        assert "<script>alert" not in body, url
    body = member_client.get(reverse("issue-detail", args=[project.pk, issue.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("scenario", ["py_unicode", "node_unicode"])
def test_xss_fixtures_are_escaped(member_client, project, scenario):
    paths = sorted((SDK_CAPTURES_DIR / scenario).glob("*.event.json"))
    assert paths
    ingest(project, *[orjson.loads(p.read_bytes()) for p in paths])
    for issue in Issue.objects.filter(project=project):
        for event in Event.objects.filter(issue=issue):
            body = member_client.get(event_url(event)).content.decode()
            assert "<script>" not in body  # our own tag is <script src=...>
            assert "&lt;script&gt;" in body
    body = member_client.get(reverse("issue-list", args=[project.pk])).content.decode()
    assert "<script>alert" not in body


def test_security_report_section_is_shown_escaped(member_client, project):
    from ingest.security import security_events

    report = {
        "csp-report": {
            "document-uri": "https://shop.example/",
            "effective-directive": "script-src-elem",
            "blocked-uri": f"https://evil.example/{XSS}",
        }
    }
    (event,) = security_events(orjson.dumps(report), "Chrome")
    ingest(project, event)
    body = member_client.get(event_url(Event.objects.get(project=project))).content.decode()
    assert "Security report (csp)" in body
    assert "Blocked &#x27;script&#x27; from &#x27;evil.example&#x27;" in body
    assert XSS not in body and "&lt;script&gt;" in body
