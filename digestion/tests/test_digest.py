"""Digestion edge cases: deleted projects, the sender's address, resends, tag counts."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from digestion.digest import digest_pending
from events.models import Event, RawEvent, TagValue
from events.storage import event_document
from issues.models import Issue, IssueTagCount
from projects.tests.factories import make_project, python_event

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def spool(project_id: int, event: dict, remote_addr: str = "") -> None:
    RawEvent.objects.create(
        project_id=project_id,
        event_id=event["event_id"],
        received_at=datetime.now(UTC),
        payload=orjson.dumps(event),
        remote_addr=remote_addr,
    )


def test_events_spooled_for_a_deleted_project_are_dropped():
    project = make_project()
    project_id = project.pk
    spool(project_id, python_event())
    project.delete()

    assert digest_pending(project_id) == 0
    assert not RawEvent.objects.filter(project_id=project_id).exists()
    assert not Event.objects.filter(project_id=project_id).exists()


def test_auto_ip_address_is_filled_from_the_connection():
    project = make_project()
    event = python_event(user={"id": "7", "ip_address": "{{auto}}"}, event_id=uuid.uuid4().hex)
    spool(project.pk, event, remote_addr="203.0.113.9")

    assert digest_pending(project.pk) == 1
    stored = event_document(Event.objects.get(project=project))
    assert stored["user"]["ip_address"] == "203.0.113.9"


def test_issue_tag_counts_are_exact_across_batches():
    project = make_project()
    browsers = ["Firefox 120", "Chrome 119", "Firefox 120", "Safari 17", "Firefox 120"]
    for browser in browsers:
        spool(project.pk, python_event(tags={"browser": browser, "tier": "gold"}))
    spool(project.pk, python_event(exception={"values": [{"type": "KeyError", "value": "k"}]}))
    assert digest_pending(project.pk, batch_size=2) == 6  # three batches
    for browser in browsers[:2]:  # and again, in one batch
        spool(project.pk, python_event(tags={"browser": browser}))
    assert digest_pending(project.pk) == 2

    counts = {
        (row.issue.title, row.key, row.value.value): row.count
        for row in IssueTagCount.objects.select_related("issue", "value")
    }
    zero = "ZeroDivisionError: division by zero"
    assert counts[(zero, "browser", "Firefox 120")] == 4
    assert counts[(zero, "browser", "Chrome 119")] == 2
    assert counts[(zero, "browser", "Safari 17")] == 1
    assert counts[(zero, "tier", "gold")] == 5
    assert counts[(zero, "release", "shop@1.2.0")] == 7
    assert counts[("KeyError: k", "browser", "Firefox 120")] == 1
    assert counts[("KeyError: k", "release", "shop@1.2.0")] == 1
    assert ("KeyError: k", "tier", "gold") not in counts
    assert TagValue.objects.filter(project=project, key="browser").count() == 3
    assert Issue.objects.get(title=zero).event_count == 7


def test_a_resent_event_is_stored_and_counted_once():
    project = make_project()
    event = python_event()
    spool(project.pk, event)
    assert digest_pending(project.pk) == 1
    spool(project.pk, event)
    assert digest_pending(project.pk) == 0
    issue = Issue.objects.get()
    assert issue.event_count == 1
    assert IssueTagCount.objects.get(issue=issue, key="browser").count == 1
