"""An event over INGEST_MAX_EVENT_BYTES (a real sentry-sdk RecursionError) is accepted, trimmed by
digestion and shown with both ends of its stack and a marker for the frames in between."""

import gzip

import orjson
import pytest
from django.conf import settings
from django.urls import reverse

from digestion.digest import digest_pending
from events.models import DocumentDictionary, Event, RawEvent
from events.storage import event_document
from issues.models import Issue
from projects.models import ProjectKey
from projects.tests.factories import PASSWORD, make_project, make_user
from tests.asgi import asgi_post
from tests.recursion import capture_recursion_envelope

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture(scope="module")
def recursion_envelope(tmp_path_factory) -> bytes:
    return capture_recursion_envelope(tmp_path_factory.mktemp("sdk") / "envelope")


@pytest.fixture
def target(monkeypatch):
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    monkeypatch.setattr("ingest.rejections._schedule_flush", lambda wait: None)
    project = make_project()
    key = ProjectKey.objects.filter(project=project).get().public_key
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "Content-Encoding": "gzip",
        "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7",
    }
    return project, headers


def event_item(envelope: bytes) -> bytes:
    """The event item's payload: header line, item header line, payload line."""
    return envelope.split(b"\n")[2]


def test_a_recursion_error_is_accepted_trimmed_and_shown(target, recursion_envelope, client):
    project, headers = target
    sent = len(event_item(recursion_envelope))
    assert sent > 10 * settings.INGEST_MAX_EVENT_BYTES  # about 12 MB from sentry-sdk 2.x

    response = asgi_post(f"/api/{project.pk}/envelope/", gzip.compress(recursion_envelope), headers)
    assert response.status_code == 200, response.text
    event_id = response.json()["id"]
    assert RawEvent.objects.filter(project_id=project.pk, event_id=event_id).exists()

    assert digest_pending(project.pk) == 1
    issue = Issue.objects.get(project=project)
    assert issue.title.startswith("RecursionError: maximum recursion depth exceeded")
    event = Event.objects.get(event_id=event_id)
    document = event_document(event)
    assert len(orjson.dumps(document)) <= settings.INGEST_MAX_EVENT_BYTES
    # Stored: the event's row plus its Issue's dictionary (the first document, compressed).
    dictionary = DocumentDictionary.objects.get(pk=event.dictionary_id)
    assert len(event.data) + len(dictionary.data) < 64 * 1024  # 12 MB were sent
    (exc,) = document["exceptions"]
    frames = exc["stacktrace"]["frames"]
    start, end = exc["stacktrace"]["frames_omitted"]
    assert len(frames) + (end - start) > 900  # the SDK sent every frame down to the limit
    assert frames[0]["function"] == "<module>"  # where it started
    assert frames[1]["function"] == frames[-1]["function"] == "recurse"  # where it failed
    assert frames[-1]["vars"]["payload"].startswith("'xxxx")
    assert frames[len(frames) // 2]["vars"] is None

    user = make_user("reader", project.team)
    assert client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("event-detail", args=(project.pk, issue.pk, event.pk)))
    html = page.content.decode()
    assert f"… {end - start} frames omitted …" in html
    assert f"Sent with {sent:,} bytes, over the event limit of 1,048,576: trimmed" in html
    assert html.count('class="function">recurse<') == len(frames) - 1


def test_an_oversized_event_that_is_not_an_object_is_refused(target):
    project, headers = target
    payload = b"[" + b"1," * settings.INGEST_MAX_EVENT_BYTES + b"1]"
    body = b"\n".join([b"{}", orjson.dumps({"type": "event", "length": len(payload)}), payload])
    response = asgi_post(f"/api/{project.pk}/envelope/", gzip.compress(body), headers)
    assert response.status_code == 400
    assert response.json() == {"detail": "event item must be a JSON object"}
    assert not RawEvent.objects.filter(project_id=project.pk).exists()
