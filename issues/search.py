"""The issue search language: free words and phrases plus `key:value` terms.

    database timeout "connection refused" level:error release:1.2.* environment:prod
    is:resolved browser:Firefox has:user !environment:staging -flaky
    assigned:me assigned:alice assigned:#team unassigned is:unassigned is:assigned

Free words and quoted phrases are full-text searched (issues/fulltext.py) in the title,
culprit, messages and exception values; a word matches words that start with it, and every
word and phrase must match. `level`, `is` and tag keys are filters; `release` and `environment`
are automatic tags, so they and any SDK tag go through the tag index (IssueTagCount) instead of
scanning events. A tag value may end or contain `*` as a wildcard (`release:1.2.*`), `has:key`
asks for any value of the tag, and `-` or `!` before a word, phrase or term excludes what it
matches. Values may be quoted: `url:"/a b"`.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from issues import fulltext
from issues.models import Issue, IssueTagCount

STATES = ("resolved", "muted", "unresolved", "open", "all")
ASSIGNED_STATES = {"unassigned": "none", "assigned": "any"}
# Each term is a subquery: a query holds at most this many (the rest is ignored), and a tag value
# at most this many wildcards (more, and the value is matched as written).
MAX_TERMS = 20
MAX_WILDCARDS = 4
# One term: an optional negation, an optional key, then a quoted or a bare value. A quote that
# is not closed is an ordinary character of a bare value.
_TOKEN_RE = re.compile(
    r'(?P<neg>[-!](?=\S))?(?:(?P<key>[A-Za-z0-9_.\-]{1,32}):)?(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))'
)


@dataclass
class IssueSearch:
    words: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    state: str | None = None  # from `is:`; overrides the list's tab
    tags: list[tuple[str, str]] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)  # quoted free text: words in this order
    has: list[str] = field(default_factory=list)  # tag keys that must have some value
    # What `-` / `!` excludes: free text as (text, is_phrase), terms as (key, value).
    excluded_text: list[tuple[str, bool]] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    # `assigned:` values, plus "none" / "any" from `is:unassigned` / `is:assigned`.
    assigned: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.words or self.levels or self.state or self.tags or self.phrases or self.has
            or self.excluded_text or self.excluded or self.assigned
        )  # fmt: skip


def _terms(query: str) -> list[tuple[bool, str | None, str, bool]]:
    """(negated, key or None, value, quoted) for each term of the query."""
    terms = []
    for match in _TOKEN_RE.finditer(query[:2000]):
        quoted = match.group("quoted") is not None
        value = match.group("quoted") if quoted else match.group("bare")
        key = match.group("key")
        if value == "" and not quoted:
            continue
        terms.append((bool(match.group("neg")), key.lower() if key else None, value, quoted))
    return terms[:MAX_TERMS]


def parse_search(query: str) -> IssueSearch:
    search = IssueSearch()
    for negated, key, value, quoted in _terms(query or ""):
        if key is None:
            if negated:
                search.excluded_text.append((value, quoted))
            elif quoted:
                search.phrases.append(value)
            elif value.lower() == "unassigned":  # a filter on its own, short for is:unassigned
                search.assigned.append("none")
            else:
                search.words.append(value)
            continue
        if negated:
            if key == "assigned":
                search.assigned.append("!" + value)
            else:
                search.excluded.append((key, value))
            continue
        if key == "has":
            search.has.append(value)
        elif key == "level":
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
    text = [(word, False) for word in search.words] + [(p, True) for p in search.phrases]
    matching = fulltext.matching_issue_ids(project_id, text)
    if matching is not None:
        issues = issues.filter(pk__in=matching)
    excluded = fulltext.matching_issue_ids(project_id, search.excluded_text, any_of=True)
    if excluded is not None:
        issues = issues.exclude(pk__in=excluded)
    if search.levels:
        issues = issues.filter(level__in=search.levels)
    for key, value in search.tags:
        issues = issues.filter(pk__in=_tagged(project_id, key, value))
    for key in search.has:
        issues = issues.filter(pk__in=_tagged(project_id, key, None))
    for key, value in search.excluded:
        if key == "level":
            issues = issues.exclude(level=value.lower())
        elif key == "has":
            issues = issues.exclude(pk__in=_tagged(project_id, value, None))
        elif key != "is":  # `!is:` has no meaning of its own: ignored
            issues = issues.exclude(pk__in=_tagged(project_id, key, value))
    return issues


def _tagged(project_id: int, key: str, value: str | None) -> QuerySet[IssueTagCount]:
    """Ids of Issues with the tag `key` = `value` (any value for None; `*` is a wildcard).

    A subquery on the tag index: the database resolves key and value to TagValue ids (the
    unique index on project, key, value) first, then their Issues.
    """
    values = IssueTagCount.objects.filter(value__project_id=project_id, value__key=key)
    if value is not None:
        value = re.sub(r"\*+", "*", value)
    if value is None:
        pass
    elif "*" not in value or value.count("*") > MAX_WILDCARDS:
        values = values.filter(value__value=value)
    elif value.endswith("*") and "*" not in value[:-1]:
        values = values.filter(value__value__startswith=value[:-1])
    else:
        pattern = ".*".join(re.escape(part) for part in value.split("*"))
        values = values.filter(value__value__regex=f"^{pattern}$")
    return values.values("issue_id")


def filter_assigned(issues: QuerySet[Issue], values: list[str], user_id: int) -> QuerySet[Issue]:
    """`assigned:me`, `assigned:<username>`, `assigned:#team` (the team as a whole),
    `assigned:none` / `is:unassigned`, `assigned:any` / `is:assigned`; every term must hold.
    A value starting with `!` (from `!assigned:...` / `-assigned:...`) excludes what it names."""
    for value in values:
        negated = value.startswith("!")
        condition = _assigned_condition(value[1:] if negated else value, user_id)
        issues = issues.exclude(condition) if negated else issues.filter(condition)
    return issues


def _assigned_condition(value: str, user_id: int) -> Q:
    lowered = value.lower()
    if lowered == "me":
        return Q(assignee_id=user_id)
    if lowered == "none":
        return Q(assignee__isnull=True, assigned_team__isnull=True)
    if lowered == "any":
        return Q(assignee__isnull=False) | Q(assigned_team__isnull=False)
    if lowered.startswith("#"):
        team = lowered[1:]
        return Q(assigned_team__slug=team) | Q(assigned_team__name__iexact=team)
    return Q(assignee__username__iexact=value)
