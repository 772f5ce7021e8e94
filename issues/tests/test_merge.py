"""Merging Issues and unmerging a grouping: what moves, the counters, later events, the pages."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import DocumentDictionary, Event
from events.storage import clear_caches, event_document
from issues.counters import registry
from issues.merge import MergeRefused, merge_issues, unmerge_grouping
from issues.models import (
    CounterGeneration,
    Grouping,
    Issue,
    IssueActivity,
    IssueComment,
    IssueTagCount,
)
from issues.state import IssueStateManager
from projects.tests.factories import PASSWORD, ingest, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")


def error(kind: str, **overrides) -> dict:
    """An event whose exception type makes its own Issue."""
    return python_event(exception={"values": [{"type": kind, "value": "x"}]}, **overrides)


def at(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def issue_of(project, kind: str) -> Issue:
    return Issue.objects.get(project=project, title__startswith=f"{kind}:")


def tag_counts(issue) -> dict[tuple[str, str], int]:
    rows = IssueTagCount.objects.filter(issue=issue).values_list("key", "value__value", "count")
    return {(k, v): n for k, v, n in rows}


@pytest.fixture
def two_issues(project):
    """KeyError: 3 events (prod, Firefox), TypeError: 2 older events (staging, Chrome)."""
    registry.invalidate()
    clear_caches()
    ingest(project, *[error("KeyError", timestamp=at(1)) for _ in range(3)])
    ingest(
        project,
        *[
            error("TypeError", environment="staging", tags={"browser": "Chrome 1"},
                  timestamp=at(5), release="shop@1.0.0")
            for _ in range(2)
        ],
    )  # fmt: skip
    return issue_of(project, "KeyError"), issue_of(project, "TypeError")


def test_merge_moves_everything_and_sums_the_counts(project, member, two_issues):
    key, type_ = two_issues
    IssueComment.objects.create(issue=type_, user=member, text="seen in staging")
    moved = merge_issues(key.pk, [type_.pk], project.pk, member)

    assert moved == 2
    assert not Issue.objects.filter(pk=type_.pk).exists()
    key.refresh_from_db()
    assert key.event_count == 5 == Event.objects.filter(issue=key).count()
    assert key.first_seen == Event.objects.filter(issue=key).earliest("timestamp").timestamp
    assert key.title.startswith("KeyError")  # the target keeps its own title
    assert key.first_release == "shop@1.0.0"
    assert Grouping.objects.filter(issue=key).count() == 2
    assert tag_counts(key)[("environment", "prod")] == 3
    assert tag_counts(key)[("environment", "staging")] == 2
    assert tag_counts(key)[("browser", "Chrome 1")] == 2
    assert tag_counts(key)[("release", "shop@1.2.0")] == 3
    assert IssueComment.objects.get().issue_id == key.pk
    merged = IssueActivity.objects.get(issue=key, kind="merged")
    assert merged.user == member and merged.details["events"] == 2
    # Every moved event still decodes: its dictionary moved along.
    for event in Event.objects.filter(issue=key):
        assert event_document(event)["event_id"] == event.event_id
    assert DocumentDictionary.objects.filter(issue=key).count() == 2


def test_future_events_of_a_merged_hash_go_to_the_target(project, member, two_issues):
    key, type_ = two_issues
    merge_issues(key.pk, [type_.pk], project.pk, member)
    ingest(project, error("TypeError", environment="staging"))
    assert Issue.objects.filter(project=project).count() == 1
    key.refresh_from_db()
    assert key.event_count == 6
    assert tag_counts(key)[("environment", "staging")] == 3


def test_period_counters_stay_right_after_a_merge(project, member, two_issues):
    """The target is muted until 6 events a week: it had 3, the merge brings 5, so the next
    event unmutes it; a digester still counting 3 would keep it muted."""
    key, type_ = two_issues
    assert registry.cached(project.pk).issue(key.pk).total() == 3  # this process digested
    IssueStateManager.mute(key, conditions=[{"period": "week", "nr_of_periods": 1, "volume": 6}])
    generation = CounterGeneration.objects.get(project=project).generation

    merge_issues(key.pk, [type_.pk], project.pk, member)
    # Every other digesting process sees a token it does not hold, and reloads.
    assert CounterGeneration.objects.get(project=project).generation != generation
    ingest(project, error("KeyError"))
    key.refresh_from_db()
    assert not key.is_muted
    assert IssueActivity.objects.filter(issue=key, kind="unmuted").exists()
    assert registry.cached(project.pk).issue(key.pk).total() == 6

    out = StringIO()
    call_command("rebuild_counters", str(project.pk), stdout=out)
    assert out.getvalue().strip().endswith("0 difference(s) found and corrected")


def test_unmerge_moves_a_grouping_and_its_events_back_out(project, member, two_issues):
    key, type_ = two_issues
    merge_issues(key.pk, [type_.pk], project.pk, member)
    grouping = Grouping.objects.get(issue=key, pk=Event.objects.filter(
        issue=key, environment="staging").values("grouping_id")[:1])  # fmt: skip

    result = unmerge_grouping(key.pk, grouping.pk, project.pk, member)

    new = Issue.objects.get(pk=result.new_issue_id)
    key.refresh_from_db()
    assert result.events == 2 and new.event_count == 2 and key.event_count == 3
    assert new.title.startswith("TypeError")
    assert set(Event.objects.filter(issue=new).values_list("environment", flat=True)) == {"staging"}
    new_tags = tag_counts(new)
    assert new_tags[("environment", "staging")] == 2 and new_tags[("browser", "Chrome 1")] == 2
    assert new_tags[("release", "shop@1.0.0")] == 2
    assert ("environment", "prod") not in new_tags
    assert ("environment", "staging") not in tag_counts(key)
    assert ("browser", "Chrome 1") not in tag_counts(key)
    assert tag_counts(key)[("environment", "prod")] == 3
    assert IssueActivity.objects.filter(issue=key, kind="unmerged").exists()
    assert IssueActivity.objects.filter(issue=new, kind="unmerged_from").exists()

    # The key Issue can be deleted without breaking the unmerged events' documents.
    key.delete()
    clear_caches()
    for event in Event.objects.filter(issue=new):
        assert event_document(event)["environment"] == "staging"
    # Later events of the grouping's hash go to the new Issue.
    ingest(project, error("TypeError"))
    new.refresh_from_db()
    assert new.event_count == 3
    out = StringIO()
    call_command("rebuild_counters", str(project.pk), stdout=out)
    assert out.getvalue().strip().endswith("0 difference(s) found and corrected")


def test_the_only_grouping_cannot_be_unmerged(project, member, two_issues):
    key, _ = two_issues
    with pytest.raises(MergeRefused):
        unmerge_grouping(key.pk, Grouping.objects.get(issue=key).pk, project.pk, member)


def test_merge_refuses_a_single_issue_and_foreign_ids(project, member, two_issues, outsider):
    key, _ = two_issues
    with pytest.raises(MergeRefused):
        merge_issues(key.pk, [key.pk], project.pk, member)
    other_project = outsider.teams.get().projects.get()
    with pytest.raises(MergeRefused):
        merge_issues(key.pk, [999999], project.pk, member)
    with pytest.raises(MergeRefused):
        merge_issues(key.pk, [key.pk + 1000], other_project.pk, member)


# The pages: merge from the list (confirmation first), unmerge from the Issue page.


def test_merge_through_the_list_asks_first_then_merges(member_client, project, two_issues):
    key, type_ = two_issues
    url = reverse("issue-merge", args=[project.pk])
    response = member_client.post(url, {"issue": [key.pk, type_.pk]})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Merge 2 issues into one?" in body
    assert f'value="{key.pk}" checked' in body  # the one with most events is the default
    assert Issue.objects.filter(project=project).count() == 2

    response = member_client.post(
        url, {"issue": [key.pk, type_.pk], "target": type_.pk, "confirmed": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("issue-detail", args=[project.pk, type_.pk])
    assert list(Issue.objects.filter(project=project)) == [type_]
    type_.refresh_from_db()
    assert type_.event_count == 5


def test_merge_needs_two_own_issues(member_client, project, two_issues, outsider):
    key, _ = two_issues
    url = reverse("issue-merge", args=[project.pk])
    response = member_client.post(url, {"issue": [key.pk]}, follow=True)
    assert "Select at least two issues to merge." in response.content.decode()
    member_client.logout()
    member_client.login(username=outsider.username, password=PASSWORD)
    assert member_client.post(url, {"issue": [key.pk, key.pk + 1]}).status_code == 404


def test_unmerge_from_the_issue_page(member_client, project, member, two_issues):
    key, type_ = two_issues
    merge_issues(key.pk, [type_.pk], project.pk, member)
    page = member_client.get(reverse("issue-detail", args=[project.pk, key.pk])).content.decode()
    assert "Merged groupings" in page and page.count(">Unmerge</button>") == 2
    section = page.split('class="groupings"', 1)[1].split("</section>", 1)[0]
    assert "KeyError: x" in section and "TypeError: x" in section
    moved = Grouping.objects.filter(issue=key).order_by("-pk").first()
    url = reverse("grouping-unmerge", args=[project.pk, key.pk, moved.pk])
    response = member_client.post(url)
    new = Issue.objects.exclude(pk=key.pk).get(project=project)
    assert response["Location"] == reverse("issue-detail", args=[project.pk, new.pk])
    page = member_client.get(response["Location"]).content.decode()
    assert f"Split off from issue #{key.pk}" in page
    page = member_client.get(reverse("issue-detail", args=[project.pk, key.pk])).content.decode()
    assert "Unmerged a grouping with 2 events" in page and "Merged groupings" not in page


def test_issue_page_queries_stay_constant_with_groupings(member_client, project, member):
    kinds = [f"E{i}" for i in range(12)]
    ingest(project, *[error(k) for k in kinds])
    issues = [issue_of(project, k) for k in kinds]
    merge_issues(issues[0].pk, [issues[1].pk], project.pk, member)
    url = reverse("issue-detail", args=[project.pk, issues[0].pk])
    with CaptureQueriesContext(connection) as few:
        member_client.get(url)
    merge_issues(issues[0].pk, [i.pk for i in issues[2:]], project.pk, member)
    with CaptureQueriesContext(connection) as many:
        response = member_client.get(url)
    assert response.content.decode().count(">Unmerge</button>") == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_merge_confirmation_queries_stay_constant(member_client, project):
    ingest(project, *[error(f"E{i}") for i in range(12)])
    ids = list(Issue.objects.filter(project=project).values_list("pk", flat=True))
    url = reverse("issue-merge", args=[project.pk])
    with CaptureQueriesContext(connection) as few:
        member_client.post(url, {"issue": ids[:2]})
    with CaptureQueriesContext(connection) as many:
        response = member_client.post(url, {"issue": ids})
    assert response.content.decode().count('name="target"') == 12
    assert len(many.captured_queries) == len(few.captured_queries)
