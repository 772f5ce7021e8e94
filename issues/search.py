"""The issue search language: free words plus `key:value` terms.

    database timeout level:error release:1.2.0 environment:prod is:resolved browser:Firefox
    assigned:me assigned:alice assigned:#team unassigned is:unassigned is:assigned

Words match title or culprit (all words must match). `level`, `is` and tag keys are filters;
`release` and `environment` are automatic tags, so they and any SDK tag go through the tag
index (IssueTagCount) instead of scanning events. Values may be quoted: `url:"/a b"`.
"""

import re
import shlex
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from issues.models import Issue, IssueTagCount

STATES = ("resolved", "muted", "unresolved", "open", "all")
ASSIGNED_STATES = {"unassigned": "none", "assigned": "any"}
_TERM_RE = re.compile(r"^([A-Za-z0-9_.\-]{1,32}):(.+)$")


@dataclass
class IssueSearch:
    words: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    state: str | None = None  # from `is:`; overrides the list's tab
    tags: list[tuple[str, str]] = field(default_factory=list)
    # `assigned:` values, plus "none" / "any" from `is:unassigned` / `is:assigned`.
    assigned: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.levels or self.state or self.tags or self.assigned)


def _split(query: str) -> list[str]:
    try:
        return shlex.split(query)
    except ValueError:  # an unbalanced quote: fall back to plain whitespace splitting
        return query.split()


def parse_search(query: str) -> IssueSearch:
    search = IssueSearch()
    for token in _split(query or ""):
        match = _TERM_RE.match(token)
        if match is None:
            if token.lower() == "unassigned":  # a filter on its own, short for is:unassigned
                search.assigned.append("none")
            else:
                search.words.append(token)
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "level":
            search.levels.append(value.lower())
        elif key == "is" and value.lower() in STATES:
            search.state = value.lower()
        elif key == "assigned" or (key == "is" and value.lower() in ASSIGNED_STATES):
            search.assigned.append(
                ASSIGNED_STATES.get(value.lower(), value) if key == "is" else value
            )
        else:
            search.tags.append((key, value))
    return search


def filter_state(issues: QuerySet[Issue], state: str) -> QuerySet[Issue]:
    """`open`/`unresolved`: neither resolved nor muted; `muted`; `resolved`; `all`."""
    if state in ("open", "unresolved"):
        return issues.filter(is_resolved=False, is_muted=False)
    if state == "muted":
        return issues.filter(is_muted=True)
    if state == "resolved":
        return issues.filter(is_resolved=True)
    return issues


def apply_search(issues: QuerySet[Issue], search: IssueSearch, project_id: int) -> QuerySet[Issue]:
    for word in search.words:
        issues = issues.filter(Q(title__icontains=word) | Q(culprit__icontains=word))
    if search.levels:
        issues = issues.filter(level__in=search.levels)
    for key, value in search.tags:
        # A subquery on the tag index; the database resolves key=value to a TagValue id first.
        tagged = IssueTagCount.objects.filter(
            value__project_id=project_id, value__key=key, value__value=value
        ).values("issue_id")
        issues = issues.filter(pk__in=tagged)
    return issues


def filter_assigned(issues: QuerySet[Issue], values: list[str], user_id: int) -> QuerySet[Issue]:
    """`assigned:me`, `assigned:<username>`, `assigned:#team` (the team as a whole),
    `assigned:none` / `is:unassigned`, `assigned:any` / `is:assigned`; every term must hold."""
    for value in values:
        lowered = value.lower()
        if lowered == "me":
            issues = issues.filter(assignee_id=user_id)
        elif lowered == "none":
            issues = issues.filter(assignee__isnull=True, assigned_team__isnull=True)
        elif lowered == "any":
            issues = issues.filter(Q(assignee__isnull=False) | Q(assigned_team__isnull=False))
        elif lowered.startswith("#"):
            team = lowered[1:]
            issues = issues.filter(
                Q(assigned_team__slug=team) | Q(assigned_team__name__iexact=team)
            )
        else:
            issues = issues.filter(assignee__username__iexact=value)
    return issues
