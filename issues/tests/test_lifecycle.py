"""Issue state transitions, by hand (IssueStateManager) and by digestion, on a controlled clock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from issues.models import IssueActivity, Release
from issues.state import IssueStateManager, MuteRefused
from issues.tests import lifecycle_helpers
from issues.tests.lifecycle_helpers import new_project, send

# Shared fixtures, bound here so pytest finds them in this module.
alerts = lifecycle_helpers.alerts
fresh_registry = lifecycle_helpers.fresh_registry

pytestmark = pytest.mark.django_db(databases="__all__")  # the spool may be its own db

T0 = datetime(2026, 3, 10, 12, 30, 15, tzinfo=UTC)  # mid-minute, mid-hour, mid-month


def kinds(issue) -> list[str]:
    return list(
        IssueActivity.objects.filter(issue=issue).order_by("pk").values_list("kind", flat=True)
    )


# --- manual transitions ------------------------------------------------------------------------


def test_each_transition_sets_state_and_records_activity(django_user_model, alerts):
    user = django_user_model.objects.create_user("ann")
    project = new_project()
    issue = send(project, release="1.0")
    send(project, release="2.0", message="other")
    manager = IssueStateManager

    manager.mute(issue, conditions=[{"period": "day", "nr_of_periods": 1, "volume": 50}], user=user)
    issue.refresh_from_db()
    assert issue.is_muted and not issue.is_resolved
    assert issue.unmute_on_volume_based_conditions[0]["volume"] == 50

    manager.resolve(issue, user=user)
    issue.refresh_from_db()
    assert issue.is_resolved and not issue.is_muted  # resolving unmutes
    assert issue.unmute_on_volume_based_conditions == [] and issue.fixed_in_release == ""

    manager.resolve_by_latest(issue)
    issue.refresh_from_db()
    assert issue.is_resolved and issue.fixed_in_release == "2.0"

    manager.resolve_by_next(issue)
    issue.refresh_from_db()
    assert issue.is_resolved and issue.is_resolved_by_next_release and not issue.fixed_in_release

    manager.reopen(issue, user=user)
    issue.refresh_from_db()
    assert not issue.is_resolved and not issue.is_resolved_by_next_release

    manager.resolve(issue)
    manager.mute(issue)  # muting un-resolves
    issue.refresh_from_db()
    assert issue.is_muted and not issue.is_resolved

    manager.unmute(issue, user=user)
    issue.refresh_from_db()
    assert not issue.is_muted and issue.unmute_after is None

    assert kinds(issue) == [
        "muted", "resolved", "resolved_by_latest", "resolved_by_next", "reopened",
        "resolved", "muted", "unmuted",
    ]  # fmt: skip
    activities = list(IssueActivity.objects.filter(issue=issue).order_by("pk"))
    assert [a.user_id for a in activities] == [user.pk, user.pk, None, None, user.pk, None, None,
                                               user.pk]  # fmt: skip
    assert activities[2].details == {"release": "2.0"}
    assert activities[0].details["conditions"][0]["period"] == "day"


def test_resolve_by_latest_without_releases_resolves_plainly():
    issue = send(new_project())
    IssueStateManager.resolve_by_latest(issue)
    issue.refresh_from_db()
    assert issue.is_resolved and issue.fixed_in_release == ""


@pytest.mark.parametrize(
    "conditions",
    [
        "not a list",
        [{"period": "fortnight", "nr_of_periods": 1, "volume": 1}],
        [{"period": "day", "nr_of_periods": 0, "volume": 1}],
        [{"period": "day", "nr_of_periods": 1, "volume": "5"}],
        [{"period": "minute", "nr_of_periods": 100000, "volume": 5}],
        [["day", 1, 5]],
    ],
)
def test_malformed_conditions_are_refused(conditions):
    issue = send(new_project())
    with pytest.raises(MuteRefused):
        IssueStateManager.mute(issue, conditions=conditions)
    issue.refresh_from_db()
    assert not issue.is_muted and kinds(issue) == []


def test_mute_refused_when_condition_already_true():
    with time_machine.travel(T0, tick=False):
        project = new_project()
        issue = send(project, n=3)
        condition = {"period": "hour", "nr_of_periods": 1, "volume": 3}
        with pytest.raises(MuteRefused, match="already 3"):
            IssueStateManager.mute(issue, conditions=[condition])
        issue.refresh_from_db()
        assert not issue.is_muted
        IssueStateManager.mute(issue, conditions=[{**condition, "volume": 4}])  # not yet true
        issue.refresh_from_db()
        assert issue.is_muted


def test_mute_refused_when_unmute_after_is_past():
    issue = send(new_project())
    with pytest.raises(MuteRefused):
        IssueStateManager.mute(issue, unmute_after=datetime(2000, 1, 1, tzinfo=UTC))


# --- unmute on volume, every period --------------------------------------------------------------

# (period, a step that stays inside "the last 2 periods" from T0, a step that leaves them)
PERIOD_STEPS = [
    ("minute", timedelta(seconds=50), timedelta(minutes=2)),
    ("hour", timedelta(minutes=40), timedelta(hours=2)),
    ("day", timedelta(hours=20), timedelta(days=2)),
    ("week", timedelta(days=10), timedelta(days=14)),
    ("month", timedelta(days=25), timedelta(days=62)),
    ("year", timedelta(days=300), timedelta(days=2 * 366)),
]


@pytest.mark.parametrize("period,inside,outside", PERIOD_STEPS)
def test_unmute_fires_once_when_threshold_crossed(period, inside, outside, alerts, fresh_registry):
    condition = {"period": period, "nr_of_periods": 2, "volume": 3}
    with time_machine.travel(T0, tick=False) as clock:
        project = new_project()
        issue = send(project)  # 1 event before muting
        IssueStateManager.mute(issue, conditions=[condition])

        clock.move_to(T0 + inside)
        send(project)  # 2 in the window: not yet
        issue.refresh_from_db()
        assert issue.is_muted and alerts.of("unmute") == []

        send(project)  # 3: crossed
        issue.refresh_from_db()
        assert not issue.is_muted and alerts.of("unmute") == [issue.pk]
        unmuted = IssueActivity.objects.get(issue=issue, kind="unmuted")
        assert unmuted.details["reason"] == "volume" and unmuted.details["condition"] == condition

        send(project, n=3)  # no second unmute
        assert alerts.of("unmute") == [issue.pk]
        assert kinds(issue).count("unmuted") == 1


@pytest.mark.parametrize("period,inside,outside", PERIOD_STEPS)
def test_events_outside_the_window_do_not_count(period, inside, outside, alerts, fresh_registry):
    condition = {"period": period, "nr_of_periods": 2, "volume": 3}
    with time_machine.travel(T0, tick=False) as clock:
        project = new_project()
        issue = send(project, n=2)
        IssueStateManager.mute(issue, conditions=[condition])
        clock.move_to(T0 + outside)
        send(project, n=2)  # the first two fell out of the window: 2 < 3
        issue.refresh_from_db()
        assert issue.is_muted and alerts.of("unmute") == []
        send(project)
        issue.refresh_from_db()
        assert not issue.is_muted and alerts.of("unmute") == [issue.pk]


def test_unmute_within_one_batch_counts_only_up_to_the_crossing(alerts, fresh_registry):
    with time_machine.travel(T0, tick=False):
        project = new_project()
        issue = send(project)
        IssueStateManager.mute(
            issue, conditions=[{"period": "day", "nr_of_periods": 1, "volume": 5}]
        )
        send(project, n=10)  # one batch crossing the threshold midway
        issue.refresh_from_db()
        assert not issue.is_muted and alerts.of("unmute") == [issue.pk]
        assert issue.event_count == 11


def test_unmute_after_time(alerts, fresh_registry):
    with time_machine.travel(T0, tick=False) as clock:
        project = new_project()
        issue = send(project)
        IssueStateManager.mute(issue, unmute_after=T0 + timedelta(hours=1))
        clock.move_to(T0 + timedelta(minutes=59))
        send(project)
        issue.refresh_from_db()
        assert issue.is_muted
        clock.move_to(T0 + timedelta(hours=1, seconds=1))
        send(project)
        issue.refresh_from_db()
        assert not issue.is_muted and alerts.of("unmute") == [issue.pk]
        assert IssueActivity.objects.get(issue=issue, kind="unmuted").details["reason"] == "time"
        send(project)
        assert alerts.of("unmute") == [issue.pk]


def test_muted_issue_gets_no_regression_or_new_alert(alerts, fresh_registry):
    project = new_project()
    issue = send(project)
    assert alerts.calls == [("new_issue", issue.pk)]
    IssueStateManager.mute(issue)
    send(project, n=3)
    assert alerts.calls == [("new_issue", issue.pk)]


# --- regressions, stragglers, releases -----------------------------------------------------------


def test_event_on_resolved_issue_is_a_regression(alerts):
    project = new_project()
    issue = send(project)
    IssueStateManager.resolve(issue)
    send(project)
    issue.refresh_from_db()
    assert not issue.is_resolved and alerts.of("regression") == [issue.pk]
    assert kinds(issue) == ["resolved", "regressed"]
    send(project)
    assert alerts.of("regression") == [issue.pk]  # open now: no second regression


def test_straggler_from_older_release_does_not_reopen(alerts):
    project = new_project()
    send(project, release="app@1.9.0")
    issue = send(project, release="app@2.0.0")
    IssueStateManager.resolve_by_latest(issue)
    issue.refresh_from_db()
    assert issue.fixed_in_release == "app@2.0.0"

    send(project, release="app@1.9.0")  # straggler
    send(project, release="app@2.0.0-rc.1")  # a pre-release of 2.0.0 is older too
    issue.refresh_from_db()
    assert issue.is_resolved and alerts.of("regression") == []

    send(project, release="app@2.0.0")  # the fixed release itself: the fix did not work
    issue.refresh_from_db()
    assert not issue.is_resolved and alerts.of("regression") == [issue.pk]


def test_event_from_newer_release_or_without_release_regresses(alerts):
    project = new_project()
    issue = send(project, release="1.0")
    IssueStateManager.resolve_by_latest(issue)
    send(project, release="1.10")  # semver: 1.10 > 1.0 (and > 1.9, unlike string order)
    issue.refresh_from_db()
    assert not issue.is_resolved

    IssueStateManager.resolve_by_latest(issue)
    send(project)  # no release: nothing says it is older
    issue.refresh_from_db()
    assert not issue.is_resolved
    assert alerts.of("regression") == [issue.pk, issue.pk]


def test_non_semver_releases_order_by_first_seen(alerts):
    with time_machine.travel(T0, tick=False) as clock:
        project = new_project()
        send(project, release="zebra")
        clock.move_to(T0 + timedelta(minutes=1))
        issue = send(project, release="apple")  # later, though alphabetically earlier
        IssueStateManager.resolve_by_latest(issue)
        issue.refresh_from_db()
        assert issue.fixed_in_release == "apple"
        send(project, release="zebra")
        issue.refresh_from_db()
        assert issue.is_resolved  # zebra was first seen earlier: a straggler


def test_resolve_by_next_picks_the_next_release(alerts):
    project = new_project()
    issue = send(project, release="1.0")
    IssueStateManager.resolve_by_next(issue)

    send(project, release="1.0")  # still the old release: the fix is not out yet
    issue.refresh_from_db()
    assert issue.is_resolved and issue.is_resolved_by_next_release

    send(project, release="1.1", message="other")  # a new release appears, on another Issue
    issue.refresh_from_db()
    assert issue.is_resolved and not issue.is_resolved_by_next_release
    assert issue.fixed_in_release == "1.1"
    assert IssueActivity.objects.get(issue=issue, kind="fixed_in_release").details == {
        "release": "1.1"
    }

    send(project, release="1.2", message="other")  # later releases do not change the fix
    send(project, release="1.0")  # straggler from before the fix
    issue.refresh_from_db()
    assert issue.is_resolved and issue.fixed_in_release == "1.1"
    assert alerts.of("regression") == []

    send(project, release="1.2")
    issue.refresh_from_db()
    assert not issue.is_resolved and alerts.of("regression") == [issue.pk]


def test_resolve_by_next_when_the_new_release_is_this_issues_event(alerts):
    project = new_project()
    issue = send(project, release="1.0")
    IssueStateManager.resolve_by_next(issue)
    send(project, release="2.0")  # the first new release, and it still fails
    issue.refresh_from_db()
    assert not issue.is_resolved and alerts.of("regression") == [issue.pk]
    assert kinds(issue) == ["resolved_by_next", "fixed_in_release", "regressed"]


def test_releases_are_recorded_with_first_seen():
    with time_machine.travel(T0, tick=False) as clock:
        project = new_project()
        send(project, release="1.0")
        clock.move_to(T0 + timedelta(hours=1))
        send(project, release="1.0")
        send(project, release="1.1")
    rows = dict(Release.objects.filter(project=project).values_list("version", "first_seen"))
    assert rows == {"1.0": T0, "1.1": T0 + timedelta(hours=1)}


def test_new_issue_alert_once_per_issue(alerts):
    project = new_project()
    first = send(project, n=3)
    second = send(project, message="else")
    assert alerts.calls == [("new_issue", first.pk), ("new_issue", second.pk)]
