"""What the activity log of an Issue says, in words, for every kind issues/state.py,
issues/lifecycle.py, issues/assignment.py and issues/merge.py record (the kinds are codes; their
details carry releases, conditions and names).
"""

from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import is_naive, localtime, make_aware

from issues.counters import describe
from issues.models import IssueActivity


def activity_label(activity: IssueActivity) -> str:
    """A sentence fragment such as "Resolved in release 1.2.0" (the log adds who and when)."""
    details = activity.details if isinstance(activity.details, dict) else {}
    release = str(details.get("release") or "")
    kind = activity.kind
    if kind == "resolved":
        return "Resolved"
    if kind == "resolved_by_latest":
        return f"Resolved in release {release}" if release else "Resolved (no release known yet)"
    if kind == "resolved_by_next":
        return "Resolved in the next release"
    if kind == "fixed_in_release":
        return f"Fixed in release {release} (the next release seen)" if release else "Fixed"
    if kind == "reopened":
        return "Reopened"
    if kind == "regressed":
        label = "Came back" + (f" in release {release}" if release else "")
        fixed = details.get("fixed_in_release")
        return label + (f" (was resolved in {fixed})" if fixed else "")
    if kind == "muted":
        return "Muted" + _mute_terms(details)
    if kind == "unmuted":
        return "Unmuted" + _unmute_reason(details)
    if kind in _TRIAGE_KINDS:
        return _TRIAGE_KINDS[kind](details)
    return kind.replace("_", " ").capitalize()  # a kind this list does not know yet


def _mute_terms(details: dict) -> str:
    terms = [describe(c) for c in details.get("conditions") or [] if _is_condition(c)]
    moment = _moment(details.get("unmute_after"))
    if moment:
        terms.append(moment)
    return " until " + " or ".join(terms) if terms else " forever"


def _unmute_reason(details: dict) -> str:
    if details.get("reason") == "volume" and details.get("description"):
        return f" ({details['description']})"
    if details.get("reason") == "time":
        return " (its mute period ended)"
    return ""


def _is_condition(value: object) -> bool:
    return isinstance(value, dict) and {"volume", "nr_of_periods", "period"} <= value.keys()


def _moment(value: object) -> str:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return ""
    if not isinstance(parsed, datetime):
        return ""
    return date_format(localtime(make_aware(parsed) if is_naive(parsed) else parsed), "Y-m-d H:i")


def _assigned(details: dict) -> str:
    if details.get("to_team"):
        return f"Assigned to the team {details['to_team']}"
    return f"Assigned to {details.get('to') or 'someone'}"


def _merged(details: dict) -> str:
    merged = [m for m in details.get("issues") or [] if isinstance(m, dict)]
    names = ", ".join(f"#{m.get('id')} {m.get('title') or '(no title)'}" for m in merged)
    events = details.get("events") or 0
    return f"Merged {names or 'issues'} into this one ({events} event{'s' if events != 1 else ''})"


def _unmerged(details: dict) -> str:
    events = details.get("events") or 0
    moved = f"{events} event{'s' if events != 1 else ''}"
    return f"Unmerged a grouping with {moved} into issue #{details.get('to_issue')}"


def _unmerged_from(details: dict) -> str:
    return f"Split off from issue #{details.get('from_issue')} (unmerge)"


# Kinds recorded by assignment (issues/assignment.py) and merging (issues/merge.py).
_TRIAGE_KINDS = {
    "assigned": _assigned,
    "unassigned": lambda details: "Unassigned",
    "merged": _merged,
    "unmerged": _unmerged,
    "unmerged_from": _unmerged_from,
}
