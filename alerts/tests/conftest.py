import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from alerts.tests.servers import SmtpServer, WebhookReceiver
from bugsink.celery import app as celery_app
from events.models import Event
from events.normalize import normalize_event
from events.storage import compress_document
from issues.models import Issue
from projects.models import Project, Team, TeamMembership


def use_smtp_server(settings, port: int) -> None:
    """Real SMTP delivery (pytest-django would otherwise swap in the in-memory backend)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    use_smtp_server(settings, server.port)
    settings.BASE_URL = "https://errors.example.com"
    yield server
    server.stop()


@pytest.fixture
def eager_celery():
    """Tasks run in-process (retries too, without waiting for their countdown)."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.stop()


def make_user(email: str, username: str | None = None):
    return get_user_model().objects.create_user(
        username=username or email.split("@")[0] + uuid.uuid4().hex[:4], email=email
    )


@pytest.fixture
def project():
    team = Team.objects.create(name=f"team-{uuid.uuid4().hex[:6]}")
    for email in ("alice@example.com", "bob@example.com"):
        TeamMembership.objects.create(team=team, user=make_user(email))
    return Project.objects.create(team=team, name="Shop <Web>")


def make_issue(project: Project, title: str = "ValueError: bad", **fields) -> Issue:
    now = timezone.now()
    values = {
        "first_seen": now - timedelta(hours=1),
        "last_seen": now,
        "event_count": 3,
        "title": title,
        "culprit": "shop.views in checkout",
        "level": "error",
        "last_release": "shop@2.0",
    }
    values.update(fields)
    return Issue.objects.create(project=project, **values)


def make_event(issue: Issue, raw: dict) -> Event:
    event_id = uuid.uuid4().hex
    event = normalize_event(raw, received_at=timezone.now(), event_id=event_id)
    return Event.objects.create(
        project_id=issue.project_id,
        issue=issue,
        event_id=event_id,
        timestamp=event.timestamp,
        received_at=event.received_at,
        level=event.level,
        release=event.release or "",
        environment=event.environment or "",
        title=issue.title,
        data=compress_document(event.to_dict()),
    )
