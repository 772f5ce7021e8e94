import uuid
from datetime import UTC, datetime, timedelta

import pytest

from alerts.models import Webhook
from alerts.tests.conftest import eager_celery, make_user, receiver, smtp  # noqa: F401 - fixtures
from monitors.models import Monitor
from monitors.tests.servers import TargetServer, TestCA
from projects.models import Project, Team, TeamMembership


class TestClock:
    """The injectable clock, moved by hand."""

    def __init__(self) -> None:
        self.current = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> datetime:
        self.current += timedelta(seconds=seconds)
        return self.current


@pytest.fixture
def test_clock() -> TestClock:
    return TestClock()


@pytest.fixture
def target():
    server = TargetServer()
    yield server
    server.stop()


@pytest.fixture
def test_ca(tmp_path, settings) -> TestCA:
    ca = TestCA(tmp_path)
    settings.MONITOR_CA_BUNDLE = str(ca.bundle)
    return ca


@pytest.fixture
def allow_private(settings):
    settings.MONITOR_ALLOW_PRIVATE = True
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    settings.ALERT_COALESCE_SECONDS = 0


@pytest.fixture
def project():
    team = Team.objects.create(name=f"team-{uuid.uuid4().hex[:6]}")
    TeamMembership.objects.create(team=team, user=make_user("ops@example.com"))
    return Project.objects.create(team=team, name="Shop")


@pytest.fixture
def hook(project, receiver, eager_celery):  # noqa: F811 - the fixtures of alerts.tests
    Webhook.objects.create(project=project, kind="generic", url=receiver.url)
    return receiver


def make_monitor(project, url: str, now: datetime, **fields) -> Monitor:
    values = {
        "name": f"site {uuid.uuid4().hex[:4]}",
        "kind": "http",
        "url": url,
        "frequency_seconds": 60,
        "recheck_delay_seconds": 10,
        "failures_before_alert": 2,
        "timeout_seconds": 2,
        "next_run_at": now,
    }
    values.update(fields)
    values.setdefault("slug", values["name"].replace(" ", "-"))
    return Monitor.objects.create(project=project, **values)
