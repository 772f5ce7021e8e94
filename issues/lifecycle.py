"""The Issue state machine as digestion drives it, one batch at a time, events in order.

Per event: a release never seen before is recorded (and fixes every Issue resolved "by next
release"); the event is counted in the period counters; then
- on a resolved Issue it is a regression (reopen, alert) unless it is a straggler: the Issue
  is fixed in release R and the event comes from a release older than R, or the Issue waits
  for its next release and the event comes from one that already existed;
- on a muted Issue it unmutes (once, with an alert) when `unmute_after` has passed or when one
  of its volume conditions has just become true.
A new Issue gets a new-issue alert. Reads and writes are per batch, not per event. The alerts
are returned, not sent: alerting sits above Issues, so digestion hands them on.
"""

from datetime import datetime
from typing import Protocol

from issues.counters import ProjectCounters, describe
from issues.models import Issue, IssueActivity, Release
from issues.releases import is_older, record_releases
from issues.state import STATE_FIELDS


class _Received(Protocol):
    event_id: str
    received_at: datetime


class Pending(Protocol):
    """What the state machine reads of one of digestion's events (digestion.digest.Pending)."""

    raw: _Received
    release: str | None
    issue_id: int | None


class _Batch:
    def __init__(self, issues: dict[int, Issue]) -> None:
        self.issues = issues
        self.changed: set[int] = set()
        self.activities: list[IssueActivity] = []
        self.alerts: list[tuple[str, int]] = []

    def activity(self, issue: Issue, kind: str, details: dict, when: datetime) -> None:
        self.changed.add(issue.pk)
        self.activities.append(
            IssueActivity(issue_id=issue.pk, kind=kind, details=details, created_at=when)
        )


def apply_issue_states(
    project_id: int,
    pending: list[Pending],
    new_issue_ids: set[int],
    counters: ProjectCounters,
    issues: dict[int, Issue] | None = None,
) -> list[tuple[str, int]]:
    """Apply the state machine to the batch's events, in order (see the module docstring).

    `issues` are the batch's Issues, if the caller already read them in this transaction.
    Returns the alert-worthy transitions as (kind, issue id), in the order they happened.
    """
    if issues is None:
        issues = Issue.objects.in_bulk({p.issue_id for p in pending})
    batch = _Batch(issues)
    first_seen: dict[str, datetime] = {}
    for p in pending:
        version = _release(p)
        if version and version not in first_seen:
            first_seen[version] = p.raw.received_at
    fixed_versions = {i.fixed_in_release for i in batch.issues.values()}
    releases, new_versions = record_releases(project_id, first_seen, fixed_versions)

    for issue in batch.issues.values():
        muted_until = issue.unmute_on_volume_based_conditions if issue.is_muted else []
        counters.watch(issue.pk, muted_until)
    batch.alerts.extend(("new_issue", issue_id) for issue_id in sorted(new_issue_ids))

    first_new: tuple[str, datetime] | None = None
    for p in pending:
        version, when = _release(p), p.raw.received_at
        issue = batch.issues[p.issue_id]
        if version in new_versions:
            new_versions.discard(version)  # announce each new release once, at its first event
            first_new = first_new or (version, when)
            for other in batch.issues.values():
                _fix_in_release(batch, other, version, when)
        fired = counters.record(issue.pk, when)
        if issue.is_resolved:
            if not _is_straggler(issue, version, releases):
                _regress(batch, issue, p, version, when)
        elif issue.is_muted:
            if issue.unmute_after is not None and issue.unmute_after <= when:
                counters.watch(issue.pk, [])
                details = {"reason": "time", "unmute_after": issue.unmute_after.isoformat()}
                _unmute(batch, issue, details, when)
            elif fired is not None:
                details = {"reason": "volume", "condition": fired, "description": describe(fired)}
                _unmute(batch, issue, details, when)

    if first_new is not None:
        _fix_untouched(project_id, batch, *first_new)
    _write(batch)
    return batch.alerts


def _release(p: Pending) -> str:
    return (p.release or "")[:250]


def _fix_in_release(batch: _Batch, issue: Issue, version: str, when: datetime) -> None:
    if issue.is_resolved and issue.is_resolved_by_next_release:
        issue.is_resolved_by_next_release = False
        issue.fixed_in_release = version
        batch.activity(issue, "fixed_in_release", {"release": version}, when)


def _fix_untouched(project_id: int, batch: _Batch, version: str, when: datetime) -> None:
    """Issues resolved by next release that this batch has no events for: one query, one UPDATE."""
    waiting = Issue.objects.filter(
        project_id=project_id, is_resolved=True, is_resolved_by_next_release=True
    ).exclude(pk__in=list(batch.issues))
    ids = list(waiting.values_list("pk", flat=True))
    if ids:
        Issue.objects.filter(pk__in=ids).update(
            is_resolved_by_next_release=False, fixed_in_release=version
        )
        batch.activities.extend(
            IssueActivity(
                issue_id=i, kind="fixed_in_release", details={"release": version}, created_at=when
            )  # fmt: skip
            for i in ids
        )


def _is_straggler(issue: Issue, version: str, releases: dict[str, Release]) -> bool:
    if not version:
        return False  # no release to tell it apart from the fixed code: take it as a regression
    if issue.is_resolved_by_next_release:
        return True  # the fix is not released yet; this comes from a release that already was
    fixed = releases.get(issue.fixed_in_release)
    return fixed is not None and is_older(releases[version], fixed)


def _regress(batch: _Batch, issue: Issue, p: Pending, version: str, when: datetime) -> None:
    details = {"event_id": p.raw.event_id, "release": version}
    if issue.fixed_in_release:
        details["fixed_in_release"] = issue.fixed_in_release
    issue.is_resolved = False
    issue.is_resolved_by_next_release = False
    issue.fixed_in_release = ""
    batch.activity(issue, "regressed", details, when)
    batch.alerts.append(("regression", issue.pk))


def _unmute(batch: _Batch, issue: Issue, details: dict, when: datetime) -> None:
    issue.is_muted = False
    issue.unmute_on_volume_based_conditions = []
    issue.unmute_after = None
    batch.activity(issue, "unmuted", details, when)
    batch.alerts.append(("unmute", issue.pk))


def _write(batch: _Batch) -> None:
    for issue_id in sorted(batch.changed & set(batch.issues)):
        issue = batch.issues[issue_id]
        Issue.objects.filter(pk=issue_id).update(**{f: getattr(issue, f) for f in STATE_FIELDS})
    IssueActivity.objects.bulk_create(batch.activities)
