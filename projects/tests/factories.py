"""Test data through the real pipeline: events are spooled as RawEvents and digested, so the
pages are tested against exactly what ingestion stores (Issues, tags, compressed documents)."""

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from django.contrib.auth import get_user_model

from digestion.digest import digest_pending
from events.models import RawEvent
from projects.models import Project, ProjectKey, Team, TeamMembership

PASSWORD = "correct horse battery staple"


def make_user(username: str, team: Team | None = None, role: str = "member"):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    if team is not None:
        TeamMembership.objects.create(team=team, user=user, role=role)
    return user


def make_project(team_name: str = "Team A", name: str = "Shop") -> Project:
    team, _ = Team.objects.get_or_create(name=team_name)
    project = Project.objects.create(team=team, name=name)
    ProjectKey.objects.create(project=project)
    return project


def python_event(**overrides: Any) -> dict[str, Any]:
    """A Python-SDK-shaped error event with an in-app frame, a library frame and locals."""
    event: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "timestamp": datetime.now(UTC).isoformat(),
        "platform": "python",
        "level": "error",
        "release": "shop@1.2.0",
        "environment": "prod",
        "tags": {"browser": "Firefox 120"},
        "sdk": {"name": "sentry.python", "version": "2.0.0"},
        "user": {"id": "42", "email": "ann@example.com"},
        "request": {"method": "GET", "url": "https://shop.example/cart?x=1",
                    "headers": {"User-Agent": "test"}},
        "contexts": {"runtime": {"name": "CPython", "version": "3.12.1"}},
        "breadcrumbs": {"values": [{"category": "http", "message": "GET /cart", "level": "info"}]},
        "exception": {
            "values": [
                {
                    "type": "ZeroDivisionError",
                    "value": "division by zero",
                    "mechanism": {"type": "generic", "handled": False},
                    "stacktrace": {
                        "frames": [
                            {"filename": "django/core/handlers.py", "function": "inner",
                             "lineno": 55, "in_app": False, "context_line": "    return f()"},
                            {"filename": "shop/cart.py", "function": "total", "lineno": 12,
                             "in_app": True, "pre_context": ["def total(items):"],
                             "context_line": "    return sum(items) / len(items)",
                             "post_context": [""], "vars": {"items": "[]", "basket_id": "77"}},
                        ]
                    },
                }
            ]
        },
    }  # fmt: skip
    event.update(overrides)
    return event


def ingest(project: Project, *events: dict[str, Any]) -> None:
    """Spool and digest events, as the ingest endpoint plus the worker would."""
    now = datetime.now(UTC)
    RawEvent.objects.bulk_create(
        RawEvent(
            project_id=project.pk,
            event_id=event.get("event_id") or uuid.uuid4().hex,
            received_at=now,
            payload=orjson.dumps(event),
        )
        for event in events
    )
    digest_pending(project.pk)
