"""Monitor alerts through the alerts pipeline: the project's switch, members' opt-outs,
coalescing into one summary, and the webhook payloads of each kind."""

import pytest

from alerts.coalesce import record_monitor_alert
from alerts.models import AlertOptOut, ProjectAlertSettings, Webhook
from alerts.tasks import flush_project_alerts, monitor_alert
from alerts.tests.conftest import make_user
from projects.models import TeamMembership

pytestmark = pytest.mark.django_db

DOWN = {
    "monitor_id": 7, "name": "Shop <front>", "monitor_kind": "http",
    "target": "https://shop.example.com/", "cause": "HTTP 503 <b>x</b>",
    "at": "2026-12-01T12:00:00+00:00", "url": "https://errors.example.com/monitors/7/",
}  # fmt: skip


def test_switch_off_means_no_monitor_alerts(project, smtp, eager_celery):
    ProjectAlertSettings.objects.create(project=project, alert_on_monitors=False)
    monitor_alert("monitor_down", project.pk, DOWN)
    assert smtp.messages == []  # eager: everything has run by now
    assert record_monitor_alert(project.pk, "monitor_down", DOWN) is None


def test_opted_out_members_get_no_monitor_email(project, smtp, eager_celery):
    quiet = make_user("quiet@example.com")
    TeamMembership.objects.create(team=project.team, user=quiet)
    AlertOptOut.objects.create(user=quiet, project=project)
    monitor_alert("monitor_down", project.pk, DOWN)
    [mail] = smtp.wait_for(lambda m: len(m) >= 1)
    assert mail.recipients == ["ops@example.com"]
    assert mail.subject == "[Shop] Monitor down: Shop <front>"
    assert "HTTP 503 &lt;b&gt;x&lt;/b&gt;" in mail.html and "HTTP 503 <b>x</b>" in mail.text
    assert DOWN["url"] in mail.text


def test_alerts_of_one_window_make_one_summary(project, smtp, hook, allow_private, settings):
    settings.ALERT_COALESCE_SECONDS = 60
    Webhook.objects.create(project=project, kind="slack", url=hook.url)
    assert record_monitor_alert(project.pk, "monitor_down", DOWN) is not None
    assert record_monitor_alert(project.pk, "cron_missed", {**DOWN, "name": "nightly"}) is None
    assert flush_project_alerts(project.pk) == 2
    [mail] = smtp.wait_for(lambda m: len(m) >= 1)
    assert "2 alerts (1 monitor down, 1 missed check-in)" in mail.subject
    requests = hook.wait_for(2)
    generic = next(r["json"] for r in requests if "version" in r["json"])
    assert [a["kind"] for a in generic["alerts"]] == ["monitor_down", "cron_missed"]
    assert generic["alerts"][0]["monitor"]["target"] == "https://shop.example.com/"
    slack = next(r["json"] for r in requests if "blocks" in r["json"])
    assert "Shop &lt;front&gt;" in slack["blocks"][1]["text"]["text"]
