"""Uptime HTTP monitors against real local servers, with the clock in the test's hand:
severity transitions, recheck, failures before alerting, one recovery alert, certificates."""

import pytest

from monitors.models import Incident, Monitor, MonitorResult
from monitors.runner import run_due_checks
from monitors.tests.conftest import make_monitor
from monitors.tests.servers import TargetServer

pytestmark = pytest.mark.django_db


def run(clock, capture) -> int:
    with capture(execute=True):
        return run_due_checks(clock, budget_seconds=30)


def kinds(hook) -> list[str]:
    return [a["kind"] for r in hook.requests for a in r["json"]["alerts"]]


def test_healthy_site_is_ok_and_runs_on_its_schedule(
    project, target, allow_private, test_clock, django_capture_on_commit_callbacks
):
    monitor = make_monitor(project, target.url("/ok"), test_clock(), body_contains="good")
    assert run(test_clock, django_capture_on_commit_callbacks) == 1
    monitor.refresh_from_db()
    assert monitor.severity == "ok"
    assert monitor.selected_by == ""
    assert monitor.next_run_at == test_clock.current.replace(minute=1)
    # Not due yet: nothing runs.
    test_clock.advance(30)
    assert run(test_clock, django_capture_on_commit_callbacks) == 0
    # 10 minutes late (nobody ran checks): one run, then back on the minute grid (no pile-up).
    test_clock.advance(600)
    assert run(test_clock, django_capture_on_commit_callbacks) == 1
    monitor.refresh_from_db()
    assert monitor.next_run_at == test_clock.current.replace(minute=11, second=0)
    result = MonitorResult.objects.filter(monitor=monitor).latest("id")
    assert result.status_code == 200 and result.response_ms is not None


def test_failure_is_rechecked_then_alerted_once_and_recovery_alerts_once(
    project, target, allow_private, test_clock, hook, django_capture_on_commit_callbacks, smtp
):
    target.flap_up = False
    monitor = make_monitor(project, target.url("/flap"), test_clock(), failures_before_alert=3)
    run(test_clock, django_capture_on_commit_callbacks)
    monitor.refresh_from_db()
    # One failure: unconfirmed, severity unchanged, recheck after the recheck delay.
    assert monitor.severity == "unknown" and monitor.consecutive_failures == 1
    assert monitor.next_run_at == test_clock.current.replace(second=10)
    test_clock.advance(10)
    run(test_clock, django_capture_on_commit_callbacks)
    monitor.refresh_from_db()
    assert monitor.consecutive_failures == 2 and not monitor.is_down
    assert kinds(hook) == []
    test_clock.advance(10)
    run(test_clock, django_capture_on_commit_callbacks)
    monitor.refresh_from_db()
    assert monitor.is_down and monitor.severity == "critical"
    assert "HTTP 503" in monitor.last_cause
    assert hook.wait_for(1) and kinds(hook) == ["monitor_down"]
    # Still down at later checks: no further alert.
    for _ in range(3):
        test_clock.advance(60)
        run(test_clock, django_capture_on_commit_callbacks)
    assert kinds(hook) == ["monitor_down"]
    down_since = Incident.objects.get(monitor=monitor).started_at
    # It comes back: one recovery alert, the incident closes with its duration.
    target.flap_up = True
    test_clock.advance(60)
    run(test_clock, django_capture_on_commit_callbacks)
    test_clock.advance(60)
    run(test_clock, django_capture_on_commit_callbacks)
    monitor.refresh_from_db()
    assert monitor.severity == "ok" and not monitor.is_down
    assert hook.wait_for(2) and kinds(hook) == ["monitor_down", "monitor_recovered"]
    incident = Incident.objects.get(monitor=monitor)
    assert incident.ended_at is not None and incident.started_at == down_since
    recovered = hook.requests[-1]["json"]["alerts"][0]["monitor"]
    assert recovered["downtime_seconds"] == (incident.ended_at - incident.started_at).seconds
    mails = smtp.wait_for(lambda m: len(m) >= 2)
    subjects = sorted(m.subject for m in mails)
    assert subjects[0].startswith("[Shop] Monitor down: ")
    assert subjects[1].startswith("[Shop] Monitor recovered: ")


def test_flapping_site_below_the_threshold_never_alerts(
    project, target, allow_private, test_clock, hook, django_capture_on_commit_callbacks
):
    monitor = make_monitor(project, target.url("/flap"), test_clock())  # up, down, up, ...
    for _ in range(8):
        run(test_clock, django_capture_on_commit_callbacks)
        test_clock.advance(60)
    monitor.refresh_from_db()
    assert not monitor.is_down
    assert MonitorResult.objects.filter(monitor=monitor, severity="critical").count() >= 3
    assert kinds(hook) == []


def test_500_hang_and_keyword_failures_have_their_cause(
    project, target, allow_private, test_clock, django_capture_on_commit_callbacks
):
    now = test_clock()
    failing = make_monitor(project, target.url("/fail"), now, failures_before_alert=1)
    hanging = make_monitor(project, target.url("/hang"), now, failures_before_alert=1)
    keyword = make_monitor(
        project, target.url("/maintenance"), now, failures_before_alert=1,
        body_not_contains="maintenance",
    )  # fmt: skip
    accepted = make_monitor(project, target.url("/fail"), now, expected_status="200-299,500")
    run(test_clock, django_capture_on_commit_callbacks)
    for monitor in (failing, hanging, keyword, accepted):
        monitor.refresh_from_db()
    assert failing.severity == "critical" and "HTTP 500" in failing.last_cause
    assert hanging.severity == "critical" and "timeout after 2s" in hanging.last_cause
    assert keyword.severity == "critical" and "maintenance" in keyword.last_cause
    assert accepted.severity == "ok"


def test_private_targets_are_refused_unless_the_instance_allows_them(
    project, target, test_clock, django_capture_on_commit_callbacks, settings
):
    settings.MONITOR_ALLOW_PRIVATE = False
    monitor = make_monitor(project, target.url("/ok"), test_clock(), failures_before_alert=1)
    run(test_clock, django_capture_on_commit_callbacks)
    monitor.refresh_from_db()
    assert monitor.severity == "critical"
    assert "MONITOR_ALLOW_PRIVATE" in monitor.last_cause
    assert "ALERT_WEBHOOK" not in monitor.last_cause
    assert target.hits == {}  # no connection was made


@pytest.mark.parametrize(
    ("days", "severity", "cause"),
    [(60, "ok", ""), (5, "warning", "certificate expires in"), (-1, "critical", "expired")],
)
def test_certificate_expiry(
    project, allow_private, test_ca, test_clock, days, severity, cause,
    django_capture_on_commit_callbacks, hook,
):  # fmt: skip
    server = TargetServer(tls=test_ca.server_context(days_valid=days))
    try:
        monitor = make_monitor(project, server.url("/ok"), test_clock(), failures_before_alert=1)
        run(test_clock, django_capture_on_commit_callbacks)
    finally:
        server.stop()
    monitor.refresh_from_db()
    assert monitor.severity == severity
    assert cause in monitor.last_cause
    if severity == "warning":
        assert hook.wait_for(1) and kinds(hook) == ["cert_expiring"]


def test_untrusted_certificate_is_critical(
    project, allow_private, tmp_path, test_clock, django_capture_on_commit_callbacks, settings
):
    from monitors.tests.servers import TestCA

    trusted = TestCA(tmp_path / "trusted") if (tmp_path / "trusted").mkdir() is None else None
    stranger = TestCA(tmp_path, name="Stranger CA")
    settings.MONITOR_CA_BUNDLE = str(trusted.bundle)
    server = TargetServer(tls=stranger.server_context(days_valid=90))
    try:
        monitor = make_monitor(project, server.url("/ok"), test_clock(), failures_before_alert=1)
        run(test_clock, django_capture_on_commit_callbacks)
    finally:
        server.stop()
    monitor.refresh_from_db()
    assert monitor.severity == "critical"
    assert "certificate not trusted" in monitor.last_cause


def test_paused_monitor_does_not_run(
    project, target, allow_private, test_clock, django_capture_on_commit_callbacks
):
    make_monitor(project, target.url("/ok"), test_clock(), is_paused=True)
    assert run(test_clock, django_capture_on_commit_callbacks) == 0
    assert Monitor.objects.get().severity == "unknown"


def test_slow_response_is_a_warning_and_never_down(
    project, target, allow_private, test_clock, hook, django_capture_on_commit_callbacks
):
    monitor = make_monitor(
        project, target.url("/slow"), test_clock(), response_warning_ms=100, failures_before_alert=1
    )
    for _ in range(3):
        run(test_clock, django_capture_on_commit_callbacks)
        test_clock.advance(60)
    monitor.refresh_from_db()
    assert monitor.severity == "warning" and not monitor.is_down
    assert "warning at 100" in monitor.last_cause
    assert kinds(hook) == []
    monitor.response_critical_ms = 200
    monitor.save()
    run(test_clock, django_capture_on_commit_callbacks)
    monitor.refresh_from_db()
    assert monitor.severity == "critical" and monitor.is_down


def test_ip_version_choice(
    project, target, allow_private, test_clock, django_capture_on_commit_callbacks
):
    v6 = make_monitor(
        project, target.url("/ok"), test_clock(), ip_version="6", failures_before_alert=1
    )
    v4 = make_monitor(project, target.url("/ok"), test_clock(), ip_version="4")
    run(test_clock, django_capture_on_commit_callbacks)
    v6.refresh_from_db()
    v4.refresh_from_db()
    assert v6.severity == "critical" and "no IPv6 address" in v6.last_cause
    assert v4.severity == "ok"
