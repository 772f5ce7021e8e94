"""Helpers for the Issue state tests: spool real events and digest them, record alerts."""

import uuid

import orjson
import pytest
from django.utils import timezone

from digestion.digest import digest_pending
from events.models import RawEvent
from issues.counters import registry
from issues.models import Issue
from projects.models import Project, Team


def new_project(name: str = "shop") -> Project:
    team, _ = Team.objects.get_or_create(name="lifecycle team")
    return Project.objects.create(team=team, name=f"{name}-{uuid.uuid4().hex[:6]}")


def send(project: Project, release: str = "", message: str = "boom", n: int = 1) -> Issue:
    """Spool `n` events (received now, per the test's clock), digest them; returns the Issue."""
    for _ in range(n):
        event = {"event_id": uuid.uuid4().hex, "message": message, "level": "error"}
        if release:
            event["release"] = release
        RawEvent.objects.create(
            project_id=project.pk,
            event_id=event["event_id"],
            received_at=timezone.now(),
            payload=orjson.dumps(event),
        )
    digest_pending(project.pk)
    return Issue.objects.get(project=project, title__contains=message)


class AlertRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def __call__(self, alerts: list[tuple[str, int]]) -> None:
        self.calls.extend(alerts)

    def of(self, kind: str) -> list[int]:
        return [issue_id for k, issue_id in self.calls if k == kind]


@pytest.fixture
def alerts(monkeypatch) -> AlertRecorder:
    recorder = AlertRecorder()
    monkeypatch.setattr("digestion.digest.queue_alerts", recorder)
    return recorder


@pytest.fixture
def fresh_registry():
    registry.invalidate()
    yield registry
    registry.invalidate()
