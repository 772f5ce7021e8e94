import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.coalesce import LOST_FLUSH_GRACE, record_alert
from alerts.models import AlertOptOut, AlertWindow, PendingAlert, ProjectAlertSettings
from alerts.tasks import flush_overdue_alerts, flush_project_alerts, issue_alert
from alerts.tests.conftest import make_event, make_issue, make_user, use_smtp_server
from alerts.tests.servers import SmtpServer, free_port
from projects.models import Team, TeamMembership

pytestmark = pytest.mark.django_db

RAW_EVENT = {
    "level": "error",
    "release": "shop@2.1",
    "environment": "production",
    "exception": {
        "values": [
            {
                "type": "ValueError",
                "value": "bad <b>input</b>",
                "stacktrace": {
                    "frames": [
                        {"filename": "gunicorn/app.py", "function": "run", "in_app": False},
                        {
                            "filename": "shop/views.py",
                            "function": "checkout",
                            "lineno": 42,
                            "context_line": "    total = parse(cart)",
                            "in_app": True,
                        },
                        {
                            "filename": "shop/parse.py",
                            "function": "parse",
                            "lineno": 7,
                            "context_line": "    raise ValueError('<b>')",
                            "in_app": True,
                        },
                        {"filename": "decimal.py", "function": "_convert", "in_app": False},
                    ]
                },
            }
        ]
    },
}


def by_recipient(messages):
    return {mail.recipients[0]: mail for mail in messages}


def test_new_issue_email_to_each_member_with_both_parts_and_link(smtp, eager_celery, project):
    # Not recipients: an opted-out member, a member without address, a user of another team.
    opted_out = make_user("carol@example.com")
    TeamMembership.objects.create(team=project.team, user=opted_out)
    AlertOptOut.objects.create(user=opted_out, project=project)
    TeamMembership.objects.create(team=project.team, user=make_user("", username="noaddress"))
    other_team = Team.objects.create(name="other")
    TeamMembership.objects.create(team=other_team, user=make_user("dave@example.com"))

    issue = make_issue(project, title="ValueError: <script>alert(1)</script>")
    make_event(issue, RAW_EVENT)

    issue_alert("new_issue", issue.pk)

    messages = smtp.wait_for(lambda m: len(m) >= 2)
    assert sorted(m.recipients[0] for m in messages) == ["alice@example.com", "bob@example.com"]
    assert all(len(m.recipients) == 1 for m in messages)
    mail = by_recipient(messages)["alice@example.com"]
    assert mail.subject == "[Shop <Web>] New issue: ValueError: <script>alert(1)</script>"
    link = f"https://errors.example.com/projects/{issue.project_id}/issues/{issue.pk}/"

    text = mail.text
    assert link in text
    assert "ValueError: <script>alert(1)</script>" in text  # plain text is not HTML-escaped
    assert "shop.views in checkout" in text
    assert "shop@2.1" in text and "production" in text
    assert "Events:      3" in text
    # The in-app frames, innermost first; library frames left out.
    assert text.index("shop/parse.py:7 in parse") < text.index("shop/views.py:42 in checkout")
    assert "gunicorn/app.py" not in text and "decimal.py" not in text

    html = mail.html
    assert f'href="{link}"' in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Shop &lt;Web&gt;" in html
    assert "raise ValueError(&#x27;&lt;b&gt;&#x27;)" in html
    assert not PendingAlert.objects.exists()


def test_storm_of_new_issues_is_one_summary_email_per_recipient(smtp, eager_celery, project):
    issues = [make_issue(project, title=f"KeyError: k{n}") for n in range(200)]

    # What 200 issue_alert tasks do, on any number of workers: record, and schedule one flush.
    flushes = [record_alert("new_issue", issue.pk) for issue in issues]
    scheduled = [flush for flush in flushes if flush is not None]
    assert len(scheduled) == 1
    assert scheduled[0].project_id == project.pk and scheduled[0].countdown == 60
    assert PendingAlert.objects.filter(project=project).count() == 200

    assert flush_project_alerts(project.pk) == 200

    # Eager tasks: every send finished (the server answered 250) before the flush returned.
    messages = list(smtp.messages)
    assert len(messages) == 2
    assert sorted(m.recipients[0] for m in messages) == ["alice@example.com", "bob@example.com"]
    mail = messages[0]
    assert mail.subject == "[Shop <Web>] 200 alerts (200 new issues)"
    assert (
        f"https://errors.example.com/projects/{issues[0].project_id}/issues/{issues[0].pk}/"
        in mail.text
    )
    assert (
        f'href="https://errors.example.com/projects/{issues[0].project_id}/issues/{issues[0].pk}/"'
        in mail.html
    )
    assert "KeyError: k99" in mail.html and "100 more" in mail.html
    assert "100 more" in mail.text
    # The window is closed: the next alert opens a new one.
    assert record_alert("new_issue", make_issue(project).pk) is not None


def test_mixed_kinds_in_one_window_are_one_summary(smtp, eager_celery, project):
    new, regressed = make_issue(project, title="A"), make_issue(project, title="B")
    assert record_alert("new_issue", new.pk) is not None
    assert record_alert("regression", regressed.pk) is None
    assert record_alert("regression", regressed.pk) is None  # same Issue twice: one line
    flush_project_alerts(project.pk)
    messages = smtp.wait_for(lambda m: len(m) >= 2)
    assert messages[0].subject == "[Shop <Web>] 2 alerts (1 new issue, 1 regression)"


def test_muted_issue_never_alerts(smtp, eager_celery, project):
    muted = make_issue(project, is_muted=True)
    issue_alert("regression", muted.pk)
    assert not PendingAlert.objects.exists()

    # Muted after the alert was recorded but before the window closed: still silent.
    later_muted = make_issue(project)
    record_alert("new_issue", later_muted.pk)
    later_muted.is_muted = True
    later_muted.save()
    assert flush_project_alerts(project.pk) == 1
    assert smtp.messages == []  # eager: anything sent would have arrived already


def test_project_switches_turn_kinds_off(smtp, eager_celery, project):
    ProjectAlertSettings.objects.create(project=project, alert_on_new_issue=False)
    issue_alert("new_issue", make_issue(project).pk)
    assert not PendingAlert.objects.exists()
    issue_alert("unmute", make_issue(project, title="back").pk)
    messages = smtp.wait_for(lambda m: len(m) >= 2)
    assert messages[0].subject == "[Shop <Web>] Unmuted: back"


def test_project_window_setting_is_used(project):
    ProjectAlertSettings.objects.create(project=project, coalesce_seconds=5)
    assert record_alert("new_issue", make_issue(project).pk).countdown == 5


def test_smtp_temporary_failure_is_retried_until_delivered(settings, eager_celery, project):
    bob = project.team.members.get(email="bob@example.com")
    AlertOptOut.objects.create(user=bob, project=project)
    server = SmtpServer(fail_first=2).start()
    try:
        use_smtp_server(settings, server.port)
        issue_alert("new_issue", make_issue(project).pk)
        messages = server.wait_for(lambda m: len(m) >= 1)
    finally:
        server.stop()
    assert server.attempts == 3
    assert [m.recipients for m in messages] == [["alice@example.com"]]


def test_smtp_down_is_logged_and_does_not_raise(settings, eager_celery, project, caplog):
    use_smtp_server(settings, free_port())  # nobody listens there
    issue = make_issue(project)
    with caplog.at_level(logging.WARNING, logger="bugsink.alerts"):
        issue_alert("new_issue", issue.pk)  # must not raise
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    given_up = [r for r in caplog.records if "giving up" in r.getMessage()]
    assert len(retries) == 2 * settings.ALERT_DELIVERY_MAX_RETRIES  # two recipients
    assert len(given_up) == 2
    assert "alice@example.com" in given_up[0].getMessage() + given_up[1].getMessage()


def test_lost_flush_is_recovered(smtp, eager_celery, project):
    first = make_issue(project, title="first")
    assert record_alert("new_issue", first.pk) is not None
    # The scheduled flush never ran (say the broker lost it) and the window is long overdue.
    AlertWindow.objects.filter(project=project).update(
        flush_at=timezone.now() - LOST_FLUSH_GRACE - timedelta(seconds=1)
    )
    assert flush_overdue_alerts() == [project.pk]
    messages = smtp.wait_for(lambda m: len(m) >= 2)
    assert {m.subject for m in messages} == {"[Shop <Web>] New issue: first"}
    assert AlertWindow.objects.get(project=project).flush_at is None


def test_overdue_window_is_reopened_by_the_next_alert(project):
    assert record_alert("new_issue", make_issue(project).pk) is not None
    AlertWindow.objects.filter(project=project).update(
        flush_at=timezone.now() - LOST_FLUSH_GRACE - timedelta(seconds=1)
    )
    again = record_alert("new_issue", make_issue(project).pk)
    assert again is not None and again.countdown == 60
    assert PendingAlert.objects.filter(project=project).count() == 2


def test_window_in_time_is_not_reopened(project):
    assert record_alert("new_issue", make_issue(project).pk) is not None
    assert flush_overdue_alerts() == []
    assert record_alert("new_issue", make_issue(project).pk) is None
