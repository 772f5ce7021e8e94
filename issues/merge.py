"""Merging Issues that are the same problem into one, and unmerging a grouping back out.

Both run in one transaction holding the project's digest lock (core/locks.py), so no digestion
batch sees half a merge: a batch either files its events before the merge (and they move with
the rest) or after it, when every merged hash's Grouping already points at the target.

Merge moves the sources' events, Groupings, document dictionaries, tag counts, activity and
comments to the target, adds up the counters and deletes the sources. Unmerge moves the events a
Grouping filed (`Event.grouping_id`) into a new Issue, with copies of the dictionaries they are
compressed with (an Issue's dictionaries go when it is deleted), and splits the tag counts by
re-reading those events. Events stored before `grouping_id` was recorded stay where they are.

Either way the in-memory period counters of every digesting process are out of date: the
project's counter generation gets a fresh token, so each reloads them before its next batch.
"""

import random
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Max, Min

from core.locks import lock_project
from events.models import DocumentDictionary, Event, TagValue
from events.normalize import NormalizedEvent
from events.storage import event_document
from events.tags import extract_tags
from issues.counters import registry
from issues.grouping import event_culprit
from issues.models import (
    CounterGeneration,
    Grouping,
    Issue,
    IssueActivity,
    IssueComment,
    IssueTagCount,
)
from issues.state import record_activity

MAX_MERGE = 100  # Issues merged at once: the confirmation page lists them all


class MergeRefused(ValueError):
    """The merge or unmerge cannot be done; the message says why, fit for the user."""


@dataclass(frozen=True)
class UnmergeResult:
    new_issue_id: int
    events: int


def default_target(issues: list[Issue]) -> Issue:
    """The Issue the others merge into unless the user picks another: the one with most events."""
    return max(issues, key=lambda i: (i.event_count, -i.first_seen.timestamp(), -i.pk))


def merge_issues(
    target_id: int, source_ids: list[int], project_id: int, user: AbstractBaseUser | None
) -> int:
    """Merge the sources into the target (all of `project_id`); returns the events moved."""
    source_ids = sorted({i for i in source_ids if i != target_id})
    if not source_ids:
        raise MergeRefused("Select at least two issues to merge.")
    if len(source_ids) >= MAX_MERGE:
        raise MergeRefused(f"Merge at most {MAX_MERGE} issues at once.")
    with transaction.atomic():
        lock_project(project_id)
        # Read under the lock: a batch may have counted events since the page was rendered.
        found = Issue.objects.filter(project_id=project_id).in_bulk([target_id, *source_ids])
        target = found.get(target_id)
        sources = [found[i] for i in source_ids if i in found]
        if target is None or not sources:
            raise MergeRefused("These issues no longer exist.")
        ids = [s.pk for s in sources]
        moved = Event.objects.filter(issue_id__in=ids).update(issue_id=target.pk)
        for model in (Grouping, DocumentDictionary, IssueActivity, IssueComment):
            model.objects.filter(issue_id__in=ids).update(issue_id=target.pk)
        _add_tag_counts(target.pk, ids)
        _add_counters(target, sources)
        Issue.objects.filter(pk__in=ids).delete()
        details = {
            "issues": [{"id": s.pk, "title": s.title[:120]} for s in sources],
            "events": moved,
        }
        record_activity(target.pk, "merged", details, user=user)
        _counters_changed(project_id)
    return moved


def _add_tag_counts(target_id: int, source_ids: list[int]) -> None:
    """Add the sources' tag counts to the target's (the sources' rows go with the sources)."""
    totals: Counter[int] = Counter()
    keys: dict[int, str] = {}
    for value_id, key, count in IssueTagCount.objects.filter(
        issue_id__in=[target_id, *source_ids]
    ).values_list("value_id", "key", "count"):
        totals[value_id] += count
        keys[value_id] = key
    rows = [
        IssueTagCount(issue_id=target_id, value_id=value_id, key=keys[value_id], count=count)
        for value_id, count in totals.items()
    ]
    IssueTagCount.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["issue", "value"], update_fields=["count"]
    )


def _add_counters(target: Issue, sources: list[Issue]) -> None:
    everyone = [target, *sources]
    first = min(everyone, key=lambda i: i.first_seen)
    last = max(everyone, key=lambda i: i.last_seen)
    target.event_count = sum(i.event_count for i in everyone)
    target.first_seen, target.last_seen = first.first_seen, last.last_seen
    target.first_release = first.first_release or target.first_release
    target.last_release = last.last_release or target.last_release
    target.save(
        update_fields=["event_count", "first_seen", "last_seen", "first_release", "last_release"]
    )


def groupings_of(issue: Issue) -> list[Grouping]:
    """The Issue's Groupings, oldest first, each with its number of `events` and an `example`
    title of its events, so the user can tell them apart (one grouped query)."""
    groupings = list(Grouping.objects.filter(issue=issue).order_by("created_at", "pk"))
    if len(groupings) > 1:
        rows = (
            Event.objects.filter(issue=issue)
            .values_list("grouping_id")
            .annotate(n=Count("id"), example=Max("title"))
            .order_by()
        )
        found = {grouping_id: (n, example) for grouping_id, n, example in rows}
        for grouping in groupings:
            grouping.events, grouping.example = found.get(grouping.pk, (0, ""))
    return groupings


def unmerge_grouping(
    issue_id: int, grouping_id: int, project_id: int, user: AbstractBaseUser | None
) -> UnmergeResult:
    """Move a Grouping and the events it filed out of its Issue into a new Issue."""
    with transaction.atomic():
        lock_project(project_id)
        issue = Issue.objects.filter(pk=issue_id, project_id=project_id).first()
        grouping = Grouping.objects.filter(pk=grouping_id, issue_id=issue_id).first()
        if issue is None or grouping is None:
            raise MergeRefused("This grouping is not part of the issue any more.")
        if Grouping.objects.filter(issue_id=issue_id).count() < 2:
            raise MergeRefused("An issue's only grouping cannot be unmerged.")
        events = Event.objects.filter(issue_id=issue_id, grouping_id=grouping_id)
        new_issue = _issue_for_moved_events(issue, events, grouping)
        _copy_dictionaries(events, new_issue.pk)
        tags = _tags_of(events)
        moved = events.update(issue_id=new_issue.pk)
        Grouping.objects.filter(pk=grouping_id).update(issue_id=new_issue.pk)
        _split_tag_counts(project_id, issue_id, new_issue.pk, tags)
        _recount(issue, moved)
        record_activity(
            issue_id, "unmerged", {"to_issue": new_issue.pk, "events": moved}, user=user
        )
        record_activity(new_issue.pk, "unmerged_from", {"from_issue": issue_id}, user=user)
        _counters_changed(project_id)
    return UnmergeResult(new_issue_id=new_issue.pk, events=moved)


def _issue_for_moved_events(issue: Issue, events, grouping: Grouping) -> Issue:
    """A new Issue whose title and culprit are those of the grouping's first event."""
    stats = events.aggregate(n=Count("id"), first=Min("timestamp"), last=Max("timestamp"))
    first = events.order_by("timestamp", "pk").first()
    last = events.order_by("-timestamp", "-pk").first()
    culprit = issue.culprit
    if first is not None:
        culprit = event_culprit(NormalizedEvent.from_dict(event_document(first)))[:255]
    return Issue.objects.create(
        project_id=issue.project_id,
        first_seen=stats["first"] or grouping.created_at,
        last_seen=stats["last"] or grouping.created_at,
        event_count=stats["n"],
        title=first.title if first is not None else issue.title,
        culprit=culprit,
        level=last.level if last is not None else issue.level,
        platform=issue.platform,
        first_release=first.release if first is not None else "",
        last_release=last.release if last is not None else "",
    )


def _copy_dictionaries(events, new_issue_id: int) -> None:
    """Give the new Issue its own copy of each dictionary its events are compressed with."""
    used = set(events.exclude(dictionary_id=None).values_list("dictionary_id", flat=True))
    for dictionary in DocumentDictionary.objects.filter(pk__in=used).order_by("pk"):
        copy = DocumentDictionary.objects.create(issue_id=new_issue_id, data=dictionary.data)
        events.filter(dictionary_id=dictionary.pk).update(dictionary_id=copy.pk)


def _tags_of(events) -> Counter[tuple[str, str]]:
    """The tags of the events, counted, re-read from their stored documents."""
    counts: Counter[tuple[str, str]] = Counter()
    for event in events.only("pk", "data", "dictionary_id").iterator(chunk_size=200):
        counts.update(extract_tags(NormalizedEvent.from_dict(event_document(event))))
    return counts


def _split_tag_counts(
    project_id: int, old_issue_id: int, new_issue_id: int, tags: Counter[tuple[str, str]]
) -> None:
    values = {}
    for key in {k for k, _ in tags}:
        wanted = [v for k, v in tags if k == key]
        for start in range(0, len(wanted), 500):
            rows = TagValue.objects.filter(
                project_id=project_id, key=key, value__in=wanted[start : start + 500]
            ).values_list("value", "id")
            values.update({(key, value): pk for value, pk in rows})
    for tag in tags.keys() - values.keys():  # digestion created them all; never fail on it
        values[tag] = TagValue.objects.get_or_create(
            project_id=project_id, key=tag[0], value=tag[1]
        )[0].pk
    moved = {values[tag]: (tag[0], n) for tag, n in tags.items()}
    IssueTagCount.objects.bulk_create(
        IssueTagCount(issue_id=new_issue_id, value_id=value_id, key=key, count=n)
        for value_id, (key, n) in moved.items()
    )
    left = []
    for row in IssueTagCount.objects.filter(issue_id=old_issue_id).iterator():
        if row.value_id not in moved:
            continue
        row.count = max(0, row.count - moved[row.value_id][1])
        left.append(row)
    IssueTagCount.objects.bulk_update([r for r in left if r.count], ["count"])
    IssueTagCount.objects.filter(pk__in=[r.pk for r in left if not r.count]).delete()


def _recount(issue: Issue, moved: int) -> None:
    """The old Issue's count and first/last seen, from what is left of its events."""
    stats = Event.objects.filter(issue_id=issue.pk).aggregate(
        first=Min("timestamp"), last=Max("timestamp")
    )
    issue.event_count = max(0, issue.event_count - moved)
    issue.first_seen = stats["first"] or issue.first_seen
    issue.last_seen = stats["last"] or issue.last_seen
    issue.save(update_fields=["event_count", "first_seen", "last_seen"])


def _counters_changed(project_id: int) -> None:
    """Make every digesting process reload the project's period counters (module docstring)."""
    registry.invalidate([project_id])
    CounterGeneration.objects.update_or_create(
        project_id=project_id, defaults={"generation": random.getrandbits(62)}
    )
