"""User feedback: the crash-report dialog endpoint, and feedback on the Issue, event and list."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Event, UserFeedback
from events.tests.capture_ingest import ingest_capture
from projects.models import ProjectKey
from projects.tests.factories import ingest, make_project, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")

XSS = "<script>alert(1)</script>"
EMBED = "/api/embed/error-page/"


def dsn(project, key=None):
    key = key or ProjectKey.objects.filter(project=project).first().public_key
    return f"http://{key}@testserver/{project.pk}"


@pytest.fixture
def event(project):
    ingest(project, python_event())
    return Event.objects.get(project=project)


def embed_url(project, event_id, **extra):
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    # The SDK does not URL-encode the DSN (getReportDialogEndpoint); neither do we here.
    return f"{EMBED}?dsn={dsn(project)}&eventId={event_id}" + (f"&{query}" if query else "")


def test_get_serves_the_dialog_script_to_any_origin(client, project, event):
    url = embed_url(project, event.event_id, title="%3C%2Fscript%3E" + "x", name="Ann")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.content.decode()
    assert "__sentry_reportdialog_closed__" in body
    assert '"name":"Ann"' in body
    # Caller-supplied text stays a JSON string: never markup, never the end of a script.
    assert "</script>" not in body and "\\u003c/script\\u003e" in body
    options = json.loads(body[body.rindex("({") + 1 : body.rindex(");")])
    assert options["title"] == "</script>x" and options["labelSubmit"]
    endpoint = urlsplit(options["endpoint"])
    assert (endpoint.netloc, endpoint.path) == ("testserver", EMBED)
    assert parse_qs(endpoint.query) == {"dsn": [dsn(project)], "eventId": [event.event_id]}


def test_get_refuses_bad_requests(client, project, event):
    other = make_project("Team C", "Elsewhere")
    revoked = ProjectKey.objects.create(project=project, is_active=False).public_key
    cases = [
        (f"{EMBED}?eventId={event.event_id}", 400),  # no dsn
        (f"{EMBED}?dsn=nonsense&eventId={event.event_id}", 400),
        (f"{EMBED}?dsn={dsn(project)}&eventId=xyz", 400),
        (f"{EMBED}?dsn={dsn(project)}", 400),
        (f"{EMBED}?dsn=http://{'0' * 32}@testserver/{project.pk}&eventId={event.event_id}", 403),
        (f"{EMBED}?dsn={dsn(project, revoked)}&eventId={event.event_id}", 403),
        # A real key, but of another project than the DSN names.
        (f"{EMBED}?dsn={dsn(other).rsplit('/', 1)[0]}/{project.pk}&eventId={event.event_id}", 403),
    ]
    for url, status in cases:
        response = client.get(url)
        assert response.status_code == status, url
        assert response["Content-Type"].startswith("text/javascript")
        assert response.content.startswith(b"/*")


def test_post_stores_feedback_without_csrf_or_session(project, event):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        embed_url(project, event.event_id),
        {"name": "Ann", "email": "ann@example.com", "comments": f"It broke {XSS}"},
        HTTP_REFERER="https://shop.example/checkout",
    )
    assert response.status_code == 200 and response.json() == {}
    assert response["Access-Control-Allow-Origin"] == "*"
    feedback = UserFeedback.objects.get()
    assert (feedback.project_id, feedback.event_id) == (project.pk, event.event_id)
    assert (feedback.name, feedback.email) == ("Ann", "ann@example.com")
    assert feedback.comments == f"It broke {XSS}"
    assert feedback.url == "https://shop.example/checkout"


def test_post_refuses_invalid_reports(client, project, event):
    url = embed_url(project, event.event_id)
    response = client.post(url, {"name": "Ann", "email": "x", "comments": ""})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"comments", "email"}
    response = client.post(url, {"comments": "x" * 10_001})
    assert response.status_code == 400 and "comments" in response.json()["errors"]
    response = client.post(url, {"comments": "y" * 70_000})
    assert response.status_code == 413
    bad_key = f"{EMBED}?dsn=http://{'0' * 32}@testserver/{project.pk}&eventId={event.event_id}"
    assert client.post(bad_key, {"comments": "hi"}).status_code == 403
    assert client.put(url).status_code == 405
    assert not UserFeedback.objects.exists()


def test_reports_per_event_are_bounded(client, project, event):
    url = embed_url(project, event.event_id)
    statuses = [client.post(url, {"comments": f"report {i}"}).status_code for i in range(21)]
    assert statuses == [200] * 20 + [429]
    assert UserFeedback.objects.filter(event_id=event.event_id).count() == 20


def test_feedback_shows_on_issue_event_and_list_escaped(member_client, project, event):
    UserFeedback.objects.create(
        project=project, event_id=event.event_id, name=XSS, email="ann@example.com",
        comments=f"Checkout failed {XSS}", received_at=event.received_at,
    )  # fmt: skip
    UserFeedback.objects.create(  # about an event this server never got: shown nowhere
        project=project, event_id="f" * 32, comments="orphan", received_at=event.received_at
    )
    issue_url = reverse("issue-detail", args=[project.pk, event.issue_id])
    event_url = reverse("event-detail", args=[project.pk, event.issue_id, event.pk])
    for url in (issue_url, event_url):
        body = member_client.get(url).content.decode()
        assert "Checkout failed &lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert XSS not in body
        assert "orphan" not in body
    event_page = member_client.get(event_url).context
    assert [f.comments for f in event_page["event_feedback"]] == [f"Checkout failed {XSS}"]
    assert [f.event_pk for f in event_page["issue_feedback"]] == [event.pk]

    listing = member_client.get(reverse("issue-list", args=[project.pk]))
    (row,) = listing.context["issues"]
    assert row.feedback_count == 1
    assert "1 feedback" in listing.content.decode()


def test_sdk_feedback_items_reach_their_issue(member_client, project):
    """The real captures: Python's feedback and user_report items, Node's captureFeedback."""
    event_id = ingest_capture(project, "py_user_feedback_manual/0001")
    ingest_capture(project, "py_user_feedback_manual/0002")
    ingest_capture(project, "py_user_feedback_manual/0003")
    event = Event.objects.get(project=project, event_id=event_id)
    page = member_client.get(reverse("issue-detail", args=[project.pk, event.issue_id]))
    assert len(page.context["issue_feedback"]) == 2
    assert page.context["issue_feedback"][0].comments

    node = make_project("Team A", "Node")
    ingest_capture(node, "node_feedback/0004")  # the error
    ingest_capture(node, "node_feedback/0001")  # feedback about it
    ingest_capture(node, "node_feedback/0002")
    node_event = Event.objects.get(project=node)
    linked = UserFeedback.objects.filter(project=node, event_id=node_event.event_id).count()
    listing = member_client.get(reverse("issue-list", args=[node.pk]))
    assert [i.feedback_count for i in listing.context["issues"]] == [linked]


def test_pages_with_feedback_run_a_constant_number_of_queries(
    member_client, project, event, django_assert_num_queries
):
    def add_feedback(n):
        UserFeedback.objects.bulk_create(
            UserFeedback(project=project, event_id=e.event_id, comments=f"c{i}",
                         received_at=e.received_at)
            for i, e in enumerate(Event.objects.filter(project=project)[:n])
        )  # fmt: skip

    add_feedback(1)
    urls = [
        reverse("issue-list", args=[project.pk]),
        reverse("issue-detail", args=[project.pk, event.issue_id]),
        reverse("event-detail", args=[project.pk, event.issue_id, event.pk]),
    ]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as one:
            member_client.get(url)
        counts.append(len(one.captured_queries))
    ingest(project, *[python_event() for _ in range(10)])
    ingest(project, *[python_event(exception={"values": [{"type": f"E{i}"}]}) for i in range(10)])
    add_feedback(25)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            member_client.get(url)
