"""Scrubbing inside digestion: grouping sees the values as sent; nothing stored keeps them."""

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from datapolicy.models import DataPolicy
from datapolicy.scrub import DEFAULT_RULES, scrub_event
from digestion.digest import digest_pending
from events.models import Event, RawEvent, TagValue
from events.normalize import normalize_event
from events.storage import event_document
from issues.grouping import compute_grouping
from issues.models import Grouping, Issue
from projects.tests.factories import make_project, python_event

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

CARD = "4111111111111111"


def spool(project_id: int, event: dict) -> None:
    RawEvent.objects.create(
        project_id=project_id,
        event_id=event["event_id"],
        received_at=datetime.now(UTC),
        payload=orjson.dumps(event),
        remote_addr="198.51.100.23",
    )


def card_error(card: str) -> dict:
    # No stack trace: the exception's value is part of what the hash is made of.
    return python_event(
        event_id=uuid.uuid4().hex,
        exception={"values": [{"type": "PaymentError", "value": f"card {card} declined"}]},
        tags={"api_key": "SEKRET-TAG", "tier": "gold"},
        extra={"password": "SEKRET-EXTRA"},
        user={"id": "42", "ip_address": "{{auto}}"},
    )


def test_title_tags_and_document_are_scrubbed():
    project = make_project()
    spool(project.pk, card_error(CARD))
    assert digest_pending(project.pk) == 1

    issue = Issue.objects.get(project=project)
    event = Event.objects.get(project=project)
    document = orjson.dumps(event_document(event)).decode()
    assert CARD not in issue.title and "[Filtered]" in issue.title
    assert CARD not in event.title
    assert CARD not in document and "SEKRET" not in document
    stored_tags = set(TagValue.objects.filter(project=project).values_list("key", "value"))
    assert ("tier", "gold") in stored_tags
    assert not any("SEKRET" in value for _, value in stored_tags)
    assert document.count("[Filtered]") >= 3


def test_grouping_uses_the_values_as_sent():
    """The stored hash is the one of the event as sent, not of its scrubbed copy."""
    project = make_project()
    raw = card_error(CARD)
    spool(project.pk, raw)
    assert digest_pending(project.pk) == 1

    as_sent = normalize_event(raw, received_at=datetime.now(UTC))
    scrubbed = normalize_event(raw, received_at=datetime.now(UTC))
    assert scrub_event(scrubbed, DEFAULT_RULES) > 0
    stored = Grouping.objects.get(project=project).hash
    assert stored == compute_grouping(as_sent).hash
    assert stored != compute_grouping(scrubbed).hash


def test_project_policy_applies_extra_rules_and_ip_mode():
    project = make_project()
    DataPolicy.objects.create(project=project, scrub_extra="tier", ip_mode="drop")
    spool(project.pk, card_error(CARD))
    assert digest_pending(project.pk) == 1
    document = event_document(Event.objects.get(project=project))
    assert "ip_address" not in document["user"]
    assert dict(document["tags"])["tier"] == "[Filtered]"
