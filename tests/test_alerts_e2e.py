"""Alerts end to end: real sentry-sdk -> live server -> real Celery worker -> real SMTP server.

The stack runs with a 2-second coalescing window so each step's email comes quickly, and with
private webhook targets allowed so a local HTTP server can play the chat service.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from alerts.tests.servers import SmtpServer, WebhookReceiver
from tests.conftest import stack_kind
from tests.envelopes import post_events
from tests.live import LiveStack
from tests.sdk import run_sdk
from tests.shared import REPO_ROOT

pytestmark = pytest.mark.live

WAIT = 120  # generous: a 2-core machine shared with other test runs
# Not the shared live stack's Redis db: starting this stack flushes its own db.
ALERTS_REDIS_URL = "redis://127.0.0.1:6379/13"

RAISE_CHECKOUT = """
def checkout():
    raise ValueError("card declined")

for _ in range(COUNT):
    try:
        checkout()
    except ValueError as exc:
        events.append(sentry_sdk.capture_exception(exc))
"""

RAISE_OTHER = """
try:
    {}["missing"]
except KeyError as exc:
    events.append(sentry_sdk.capture_exception(exc))
"""

SETUP = """
from django.contrib.auth import get_user_model
from alerts.models import AlertOptOut, Webhook
from projects.models import Project, TeamMembership

project = Project.objects.get(pk={project_id})
User = get_user_model()
ops = User.objects.create_user("ops", "ops@example.com")
quiet = User.objects.create_user("quiet", "quiet@example.com")
for user in (ops, quiet):
    TeamMembership.objects.create(team=project.team, user=user)
AlertOptOut.objects.create(user=quiet, project=project)
Webhook.objects.create(project=project, kind="generic", url={webhook_url!r})
"""


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def webhook():
    receiver = WebhookReceiver(statuses=[500, 500])  # the third try succeeds
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, smtp):
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "ALERT_COALESCE_SECONDS": "2",
        "ALERT_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    if stack_kind() == "postgres":
        env["CELERY_BROKER_URL"] = ALERTS_REDIS_URL
    live = LiveStack(stack_kind(), tmp_path_factory.mktemp("alerts"), extra_env=env)
    live.start()
    yield live
    live.stop()


def send(stack: LiveStack, project_id: int, dsn: str, body: str, **names) -> list[str]:
    for name, value in names.items():
        body = f"{name} = {value!r}\n" + body
    event_ids = run_sdk(dsn, body)
    stored = stack.wait_for_events(project_id, set(event_ids), timeout=WAIT)
    assert set(event_ids) <= stored, stack.log("worker.log")
    return event_ids


def wait_for_mail(stack: LiveStack, smtp: SmtpServer, count: int):
    messages = smtp.wait_for(lambda m: len(m) >= count, timeout=WAIT)
    assert len(messages) >= count, stack.log("worker.log")
    return messages


def shell(stack: LiveStack, code: str) -> None:
    stack.manage("shell", "-c", code)


def test_new_issue_regression_and_unmute_emails(stack, smtp, webhook):
    project_id, dsn = stack.create_project("alerts-e2e")
    shell(stack, SETUP.format(project_id=project_id, webhook_url=webhook.url))

    # 1. A new Issue: one email, to the member who did not opt out.
    send(stack, project_id, dsn, RAISE_CHECKOUT, COUNT=1)
    [(issue_id, title)] = stack.sql(
        "SELECT id, title FROM issues_issue WHERE project_id = %s", (project_id,)
    )
    [mail] = wait_for_mail(stack, smtp, 1)
    link = f"{stack.base_url}/projects/{project_id}/issues/{issue_id}/"
    assert mail.recipients == ["ops@example.com"]
    assert mail.subject == f"[alerts-e2e] New issue: {title}"
    assert "ValueError" in title
    assert link in mail.text and f'href="{link}"' in mail.html
    assert "in checkout" in mail.text  # the frame that raised
    # The webhook's first delivery fails twice and is retried (backoff 1 s, 2 s) to success.
    requests = webhook.wait_for(3, timeout=WAIT)
    assert [r["status"] for r in requests] == [500, 500, 200]
    assert requests[2]["json"]["alerts"][0]["issue"]["url"] == link

    # 2. Resolve, and the same error again: a regression email.
    shell(
        stack,
        "from issues.models import Issue; from issues.state import IssueStateManager; "
        f"IssueStateManager.resolve(Issue.objects.get(pk={issue_id}))",
    )
    send(stack, project_id, dsn, RAISE_CHECKOUT, COUNT=1)
    messages = wait_for_mail(stack, smtp, 2)
    assert messages[1].subject == f"[alerts-e2e] Regression: {title}"
    assert link in messages[1].text

    # 3. Mute until 5 events in a day (2 so far), then send 5: exactly one unmute email.
    conditions = [{"period": "day", "nr_of_periods": 1, "volume": 5}]
    shell(
        stack,
        "from issues.models import Issue; from issues.state import IssueStateManager; "
        f"IssueStateManager.mute(Issue.objects.get(pk={issue_id}), conditions={conditions!r})",
    )
    send(stack, project_id, dsn, RAISE_CHECKOUT, COUNT=5)
    wait_for_mail(stack, smtp, 3)

    # A last, different error. The worker handles windows in order, so once its email is in,
    # any further alert caused by the events above would have arrived before it.
    send(stack, project_id, dsn, RAISE_OTHER)
    messages = wait_for_mail(stack, smtp, 4)
    subjects = [m.subject for m in messages]
    assert subjects[2] == f"[alerts-e2e] Unmuted: {title}"
    assert subjects[3].startswith("[alerts-e2e] New issue: KeyError")
    assert len(messages) == 4, subjects
    assert all(m.recipients == ["ops@example.com"] for m in messages)

    # The webhook got every alert too.
    requests = webhook.wait_for(6, timeout=WAIT)
    kinds = [r["json"]["alerts"][0]["kind"] for r in requests if r["status"] == 200]
    assert kinds == ["new_issue", "regression", "unmute", "new_issue"]
    [(ok, status)] = stack.sql(
        "SELECT last_ok, last_status_code FROM alerts_webhook WHERE project_id = %s",
        (project_id,),
    )
    assert bool(ok) and status == 200


STORM_SETUP = """
from django.contrib.auth import get_user_model
from alerts.models import ProjectAlertSettings
from projects.models import Project, TeamMembership

project = Project.objects.get(pk={project_id})
for name in ("storm-a", "storm-b"):
    user = get_user_model().objects.create_user(name, name + "@example.com")
    TeamMembership.objects.create(team=project.team, user=user)
ProjectAlertSettings.objects.create(project=project, coalesce_seconds=30)
"""


@contextmanager
def more_workers(stack: LiveStack, concurrency: int = 2) -> Iterator[None]:
    """A further Celery worker (prefork, both queues) beside the stack's own, so digestion and
    alerts race for real."""
    cmd = [sys.executable, "-m", "celery", "-A", "bugsink", "worker", "--pool", "prefork",
           "--concurrency", str(concurrency), "--loglevel", "INFO", "-n", "extra@%h",
           "-Q", "celery,alerts"]  # fmt: skip
    with open(stack.workdir / "extra-worker.log", "ab") as log:
        process = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=stack.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield
    finally:
        process.terminate()  # warm shutdown: the main process stops its own pool
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_storm_of_new_issues_is_one_summary_per_recipient(stack, smtp):
    with more_workers(stack):
        storm_scenario(stack, smtp)


def storm_scenario(stack: LiveStack, smtp: SmtpServer) -> None:
    # Its own team: members of the other test's team must not get these.
    output = stack.manage("createproject", "storm", "--team", "storm-team")
    dsn = output.split("DSN: ", 1)[1].strip()
    project_id = int(dsn.rsplit("/", 1)[1])
    shell(stack, STORM_SETUP.format(project_id=project_id))
    storm = [
        {"level": "error", "message": f"storm {n}", "fingerprint": [f"storm-{n}"]}
        for n in range(200)
    ]
    event_ids = post_events(dsn, storm)
    assert event_ids <= stack.wait_for_events(project_id, event_ids, timeout=WAIT)
    assert stack.sql("SELECT COUNT(*) FROM issues_issue WHERE project_id = %s", (project_id,)) == [
        (200,)
    ]

    def storm_mail(messages):
        return [m for m in messages if m.subject.startswith("[storm]")]

    summaries = storm_mail(smtp.wait_for(lambda m: len(storm_mail(m)) >= 2, timeout=WAIT))
    assert sorted(m.recipients[0] for m in summaries) == [
        "storm-a@example.com",
        "storm-b@example.com",
    ]
    assert {m.subject for m in summaries} == {"[storm] 200 alerts (200 new issues)"}
    assert "100 more" in summaries[0].text

    # A later, separate Issue (short window now): once its emails are in, nothing else of the
    # storm can still be on its way, and there must have been exactly one email per recipient.
    stack.sql(
        "UPDATE alerts_projectalertsettings SET coalesce_seconds = 1 WHERE project_id = %s",
        (project_id,),
    )
    post_events(dsn, [{"level": "error", "message": "after the storm"}])
    messages = storm_mail(smtp.wait_for(lambda m: len(storm_mail(m)) >= 4, timeout=WAIT))
    assert sorted(m.subject for m in messages) == [
        "[storm] 200 alerts (200 new issues)",
        "[storm] 200 alerts (200 new issues)",
        "[storm] New issue: after the storm",
        "[storm] New issue: after the storm",
    ]
