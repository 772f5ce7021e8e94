"""Email is off until EMAIL_HOST is set: then no alert email is attempted, webhooks still work.

Events go through the real pipeline (spooled, digested) and the alert tasks run in-process;
Celery's task_prerun signal tells which tasks ran.
"""

import logging
import os
import subprocess
import sys

import pytest
from celery.signals import task_prerun

from alerts.email_config import email_is_configured
from alerts.models import Webhook
from alerts.tasks import send_alert_email
from alerts.tests.conftest import make_issue
from issues.models import Issue
from projects.tests.factories import ingest, python_event
from tests.shared import REPO_ROOT

# Digestion reads the ingest spool, which on SQLite is a database of its own.
pytestmark = pytest.mark.django_db(databases="__all__")

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def ran_tasks():
    names: list[str] = []

    def record(sender=None, task=None, **kwargs) -> None:
        names.append(task.name)

    task_prerun.connect(record, weak=False)
    yield names
    task_prerun.disconnect(record)


@pytest.fixture
def email_off(settings):
    settings.EMAIL_BACKEND = SMTP_BACKEND  # what a server runs, not pytest-django's outbox
    settings.EMAIL_HOST = ""


def digest_new_issue(project, capture_on_commit) -> Issue:
    with capture_on_commit(execute=True):  # the alert tasks are published on commit
        ingest(project, python_event())
    return Issue.objects.get(project=project)


def test_email_host_is_empty_by_default():
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr(settings.EMAIL_HOST))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bugsink.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "''"


@pytest.mark.parametrize(
    "host, configured", [("", False), ("  ", False), ("smtp.example.com", True)]
)
def test_email_is_configured_follows_email_host(settings, host, configured):
    settings.EMAIL_HOST = host
    assert email_is_configured() is configured


def test_no_alert_work_without_email(
    email_off, eager_celery, ran_tasks, project, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.DEBUG, logger="bugsink.alerts"):
        digest_new_issue(project, django_capture_on_commit_callbacks)
    assert [name for name in ran_tasks if name.startswith("alerts.")] == []
    assert [r.getMessage() for r in caplog.records if r.name == "bugsink.alerts"] == []


def test_with_email_the_same_new_issue_is_mailed(
    smtp, eager_celery, ran_tasks, project, django_capture_on_commit_callbacks
):
    """The counterpart of the test above: what "alert work" it saw none of."""
    digest_new_issue(project, django_capture_on_commit_callbacks)
    assert ran_tasks.count("alerts.tasks.send_alert_email") == 2
    messages = smtp.wait_for(lambda m: len(m) >= 2)
    assert sorted(m.recipients[0] for m in messages) == ["alice@example.com", "bob@example.com"]


def test_webhooks_work_without_email(
    email_off, settings, eager_celery, ran_tasks, project, receiver,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    Webhook.objects.create(project=project, kind="generic", url=receiver.url)
    issue = digest_new_issue(project, django_capture_on_commit_callbacks)
    [request] = receiver.wait_for(1)
    assert request["json"]["alerts"][0]["issue"]["id"] == issue.pk
    assert "alerts.tasks.deliver_webhook" in ran_tasks
    assert "alerts.tasks.send_alert_email" not in ran_tasks


def test_email_queued_before_email_was_turned_off_is_dropped_quietly(
    email_off, eager_celery, project, caplog
):
    issue = make_issue(project)
    with caplog.at_level(logging.DEBUG, logger="bugsink.alerts"):
        result = send_alert_email.apply(args=[project.pk, [["new_issue", issue.pk]], "a@x.org"])
    assert result.get() is False
    assert [r for r in caplog.records if r.name == "bugsink.alerts"] == []
