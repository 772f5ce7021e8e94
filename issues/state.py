"""Triage transitions of an Issue, each recorded as an IssueActivity.

Resolved and muted exclude each other: resolving unmutes, muting un-resolves. Every method
runs in one transaction holding the project's digest lock, so a transition never interleaves
with a digestion batch that is deciding about the same Issue (regression, unmute).

Digestion makes its own transitions (regressed, unmuted, fixed_in_release) in digestion/digest.py
with the helpers at the bottom of this module, so all kinds are spelled in one place.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.locks import lock_project
from issues.counters import describe, validate_conditions, window_start
from issues.models import Issue, IssueActivity
from issues.releases import latest_release

STATE_FIELDS = [
    "is_resolved",
    "is_resolved_by_next_release",
    "fixed_in_release",
    "is_muted",
    "unmute_on_volume_based_conditions",
    "unmute_after",
]


class MuteRefused(ValueError):
    """Muting was refused; the message says why, fit to show to the user."""


class IssueStateManager:
    @staticmethod
    def resolve(issue: Issue, user=None) -> None:
        _transition(issue, user, "resolved", {}, is_resolved=True)

    @staticmethod
    def resolve_by_latest(issue: Issue, user=None) -> None:
        """Fixed in the project's latest release: events from older releases are stragglers."""
        release = latest_release(issue.project_id)
        version = release.version if release else ""
        _transition(
            issue, user, "resolved_by_latest", {"release": version},
            is_resolved=True, fixed_in_release=version,
        )  # fmt: skip

    @staticmethod
    def resolve_by_next(issue: Issue, user=None) -> None:
        """Fixed in whatever release digestion sees first from now on."""
        _transition(
            issue, user, "resolved_by_next", {},
            is_resolved=True, is_resolved_by_next_release=True,
        )  # fmt: skip

    @staticmethod
    def reopen(issue: Issue, user=None) -> None:
        _transition(issue, user, "reopened", {})

    @staticmethod
    def mute(
        issue: Issue,
        conditions: list[dict] | None = None,
        unmute_after: datetime | None = None,
        user=None,
    ) -> None:
        """Mute, optionally until a volume condition becomes true or until a moment passes.

        Refused (MuteRefused) when a condition is malformed or already true: it would unmute
        the Issue at its very next event, which is not what anyone muting it means.
        """
        try:
            conditions = validate_conditions(conditions)
        except ValueError as e:
            raise MuteRefused(str(e)) from e
        now = timezone.now()
        if unmute_after is not None and unmute_after <= now:
            raise MuteRefused("the moment to unmute after is already in the past")
        with transaction.atomic():
            lock_project(issue.project_id)
            for condition in conditions:
                count = issue.events.filter(
                    received_at__gte=window_start(
                        condition["period"], condition["nr_of_periods"], now
                    ),
                    received_at__lte=now,
                ).count()
                if count >= condition["volume"]:
                    raise MuteRefused(
                        f"cannot mute until {describe(condition)}: there are already {count}, "
                        "so the next event would unmute it right away"
                    )
            details = {
                "conditions": conditions,
                "unmute_after": unmute_after.isoformat() if unmute_after else None,
            }
            _transition(
                issue, user, "muted", details, locked=True,
                is_muted=True, unmute_on_volume_based_conditions=conditions,
                unmute_after=unmute_after,
            )  # fmt: skip

    @staticmethod
    def unmute(issue: Issue, user=None) -> None:
        _transition(issue, user, "unmuted", {})


def fix_in_new_release(project_id: int, version: str) -> list[int]:
    """A release created outside digestion (the Web API: `sentry-cli releases new`) is "the next
    release" of the Issues resolved by next release, as digestion's first sight of one would be:
    they are fixed in it from now on. Returns their ids."""
    with transaction.atomic():
        lock_project(project_id)
        waiting = Issue.objects.filter(
            project_id=project_id, is_resolved=True, is_resolved_by_next_release=True
        )
        ids = list(waiting.values_list("pk", flat=True))
        if ids:
            Issue.objects.filter(pk__in=ids).update(
                is_resolved_by_next_release=False, fixed_in_release=version
            )
            IssueActivity.objects.bulk_create(
                IssueActivity(issue_id=i, kind="fixed_in_release", details={"release": version})
                for i in ids
            )
    return ids


def _transition(
    issue: Issue, user, kind: str, details: dict, *, locked: bool = False, **state
) -> None:
    """Set the state fields (unnamed ones to their neutral value), save, record the activity."""
    values = {
        "is_resolved": False,
        "is_resolved_by_next_release": False,
        "fixed_in_release": "",
        "is_muted": False,
        "unmute_on_volume_based_conditions": [],
        "unmute_after": None,
        **state,
    }
    with transaction.atomic():
        if not locked:
            lock_project(issue.project_id)
        for field, value in values.items():
            setattr(issue, field, value)
        Issue.objects.filter(pk=issue.pk).update(**values)
        record_activity(issue.pk, kind, details, user=user)


def record_activity(issue_id: int, kind: str, details: dict, user=None) -> IssueActivity:
    return IssueActivity.objects.create(
        issue_id=issue_id, user=user if user is not None and user.is_authenticated else None,
        kind=kind, details=details,
    )  # fmt: skip
