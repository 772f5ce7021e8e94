"""Issue list and issue detail pages, and the state actions, through Django's test client."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from issues.models import Issue, IssueActivity
from projects.tests.factories import PASSWORD, ingest, make_user, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

# Ingestion spools into its own database on SQLite (events/routers.py): allow every alias.
pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def issue(project):
    ingest(project, python_event())
    return Issue.objects.get(project=project)


def list_url(project, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("issue-list", args=[project.pk]) + (f"?{query}" if query else "")


def detail_url(issue):
    return reverse("issue-detail", args=[issue.project_id, issue.pk])


def action_url(issue, action):
    return reverse("issue-action", args=[issue.project_id, issue.pk, action])


def test_anonymous_is_sent_to_login(client, issue):
    for url in (list_url(issue.project), detail_url(issue), reverse("project-list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert client.post(action_url(issue, "resolve")).status_code == 302
    issue.refresh_from_db()
    assert not issue.is_resolved


def test_other_team_gets_404(client, issue, outsider):
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(list_url(issue.project)).status_code == 404
    assert client.get(detail_url(issue)).status_code == 404
    assert client.post(action_url(issue, "resolve")).status_code == 404
    assert client.post(action_url(issue, "delete")).status_code == 404
    bulk = reverse("issue-bulk", args=[issue.project_id])
    assert client.post(bulk, {"action": "delete", "issue": [issue.pk]}).status_code == 404
    assert Issue.objects.filter(pk=issue.pk, is_resolved=False).exists()


def test_issue_list_shows_issue(member_client, issue):
    response = member_client.get(list_url(issue.project))
    assert response.status_code == 200
    body = response.content.decode()
    assert "ZeroDivisionError" in body
    assert detail_url(issue) in body
    assert "Content-Security-Policy" in response.headers
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"].split("script-src")[1]


def test_tabs_filter_by_state(member_client, issue):
    issue.is_resolved = True
    issue.save()
    assert detail_url(issue) not in member_client.get(list_url(issue.project)).content.decode()
    for tab in ("resolved", "all"):
        page = member_client.get(list_url(issue.project, tab=tab)).content.decode()
        assert detail_url(issue) in page
    assert (
        detail_url(issue)
        not in member_client.get(list_url(issue.project, tab="muted")).content.decode()
    )


def test_search_terms(member_client, project, member):
    ingest(
        project,
        python_event(),
        python_event(
            exception={"values": [{"type": "KeyError", "value": "basket"}]},
            tags={"browser": "Chrome 119"},
            release="shop@2.0.0",
            environment="staging",
            level="warning",
        ),
    )
    zero = Issue.objects.get(title__startswith="ZeroDivisionError")
    key = Issue.objects.get(title__startswith="KeyError")

    def found(q):
        page = member_client.get(list_url(project, tab="all", q=q)).content.decode()
        return {i for i in (zero, key) if detail_url(i) in page}

    assert found("division") == {zero}
    assert found("level:warning") == {key}
    assert found("release:shop@2.0.0") == {key}
    assert found("environment:prod") == {zero}
    assert found('browser:"Firefox 120"') == {zero}
    assert found("browser:Safari") == set()
    assert found("is:unresolved") == {zero, key}
    assert found("is:resolved") == set()


def test_sort_and_keyset_pages(member_client, project, monkeypatch):
    monkeypatch.setattr("issues.selectors.PAGE_SIZE", 2)
    ingest(
        project,
        *[python_event(exception={"values": [{"type": f"E{i}", "value": "x"}]}) for i in range(5)],
    )
    seen = []
    url = list_url(project, sort="first_seen")
    for _ in range(5):
        response = member_client.get(url)
        seen += [i.pk for i in response.context["issues"]]
        if not response.context["next_cursor"]:
            break
        url = (
            list_url(project, sort="first_seen")
            + "&after="
            + quote(response.context["next_cursor"])
        )
    assert sorted(seen) == sorted(
        Issue.objects.filter(project=project).values_list("pk", flat=True)
    )
    assert len(seen) == len(set(seen)) == 5


def test_issue_list_query_count_is_constant(member_client, project, django_assert_num_queries):
    ingest(project, python_event())
    url = list_url(project)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        member_client.get(url)
    ingest(
        project,
        *[python_event(exception={"values": [{"type": f"E{i}", "value": "x"}]}) for i in range(20)],
    )
    with django_assert_num_queries(len(one.captured_queries)):
        response = member_client.get(url)
    assert len(response.context["issues"]) == 21


def test_issue_detail_shows_event(member_client, issue):
    response = member_client.get(detail_url(issue))
    assert response.status_code == 200
    body = response.content.decode()
    assert "shop/cart.py" in body and "basket_id" in body
    assert "return sum(items) / len(items)" in body
    assert "division by zero" in body
    assert "shop@1.2.0" in body  # releases
    assert "Firefox 120" in body  # top tag values


def test_issue_detail_query_count_is_constant(member_client, issue, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        member_client.get(detail_url(issue))
    ingest(issue.project, *[python_event(tags={"browser": f"B{i}"}) for i in range(20)])
    with django_assert_num_queries(len(one.captured_queries)):
        member_client.get(detail_url(issue))


@pytest.mark.parametrize(
    "action, check",
    [
        ("resolve", lambda i: i.is_resolved),
        ("resolve_latest", lambda i: i.is_resolved),
        ("resolve_next", lambda i: i.is_resolved and i.is_resolved_by_next_release),
    ],
)
def test_resolve_actions(member_client, member, issue, action, check):
    response = member_client.post(action_url(issue, action))
    assert response.status_code == 302
    issue.refresh_from_db()
    assert check(issue)
    assert IssueActivity.objects.filter(issue=issue, user=member).exists()
    member_client.post(action_url(issue, "reopen"))
    issue.refresh_from_db()
    assert not issue.is_resolved


def test_mute_with_condition_and_unmute(member_client, issue):
    member_client.post(action_url(issue, "mute"), {"until": "100-day"})
    issue.refresh_from_db()
    assert issue.is_muted
    assert issue.unmute_on_volume_based_conditions[0]["volume"] == 100
    page = member_client.get(detail_url(issue)).content.decode()
    assert "Muted" in page and "100 events / 1 day" in page
    member_client.post(action_url(issue, "unmute"))
    issue.refresh_from_db()
    assert not issue.is_muted


def test_mute_custom_condition(member_client, issue):
    data = {"until": "custom", "volume": "5", "nr_of_periods": "2", "period": "hour"}
    member_client.post(action_url(issue, "mute"), data)
    issue.refresh_from_db()
    assert issue.unmute_on_volume_based_conditions == [
        {"period": "hour", "nr_of_periods": 2, "volume": 5}
    ]


def test_mute_refused_shows_message(member_client, issue):
    data = {"until": "custom", "volume": "1", "nr_of_periods": "1", "period": "day"}
    response = member_client.post(action_url(issue, "mute"), data, follow=True)
    issue.refresh_from_db()
    assert not issue.is_muted  # one event today already meets "1 / day"
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_mute_forever(member_client, issue):
    member_client.post(action_url(issue, "mute"), {"until": "forever"})
    issue.refresh_from_db()
    assert issue.is_muted and not issue.unmute_on_volume_based_conditions


def test_delete(member_client, issue):
    response = member_client.post(action_url(issue, "delete"))
    assert response["Location"] == list_url(issue.project)
    assert not Issue.objects.filter(pk=issue.pk).exists()


def test_actions_need_post_and_csrf(client, member, issue):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.login(username=member.username, password=PASSWORD)
    assert strict.post(action_url(issue, "resolve")).status_code == 403
    client.login(username=member.username, password=PASSWORD)
    assert client.get(action_url(issue, "resolve")).status_code == 405
    issue.refresh_from_db()
    assert not issue.is_resolved


def test_bulk_actions(member_client, project):
    ingest(
        project,
        *[python_event(exception={"values": [{"type": f"E{i}", "value": "x"}]}) for i in range(3)],
    )
    a, b, c = Issue.objects.filter(project=project).order_by("pk")
    bulk = reverse("issue-bulk", args=[project.pk])
    member_client.post(bulk, {"action": "resolve", "issue": [a.pk, b.pk]})
    assert set(Issue.objects.filter(is_resolved=True).values_list("pk", flat=True)) == {a.pk, b.pk}
    member_client.post(bulk, {"action": "mute", "issue": [c.pk]})
    assert Issue.objects.get(pk=c.pk).is_muted
    member_client.post(bulk, {"action": "delete", "issue": [a.pk], "confirmed": "1"})
    assert not Issue.objects.filter(pk=a.pk).exists()


def test_bulk_ignores_issues_of_other_projects(member_client, project, outsider):
    from projects.models import Project

    other = Project.objects.get(name="Other")
    ingest(other, python_event())
    foreign = Issue.objects.get(project=other)
    bulk = reverse("issue-bulk", args=[project.pk])
    member_client.post(bulk, {"action": "delete", "issue": [foreign.pk]})
    assert Issue.objects.filter(pk=foreign.pk).exists()


def test_activity_log_shown(member_client, issue):
    member_client.post(action_url(issue, "resolve"))
    page = member_client.get(detail_url(issue)).content.decode()
    assert "by member" in page


def test_new_user_without_team_sees_no_projects(client, project, db):
    loner = make_user("loner")
    client.login(username=loner.username, password=PASSWORD)
    assert project.name not in client.get(reverse("project-list")).content.decode()


def test_bulk_delete_asks_first_on_a_page_listing_the_issues(member_client, project):
    ingest(
        project,
        *[
            python_event(exception={"values": [{"type": f"E{i}", "value": "<b>x</b>"}]})
            for i in range(3)
        ],
    )
    a, b, c = Issue.objects.filter(project=project).order_by("pk")
    bulk = reverse("issue-bulk", args=[project.pk])
    back = list_url(project, tab="all")
    response = member_client.post(bulk, {"action": "delete", "issue": [a.pk, b.pk], "next": back})
    assert response.status_code == 200
    assert Issue.objects.filter(project=project).count() == 3  # nothing deleted yet
    page = response.content.decode()
    listed = page.split('class="confirm-list"', 1)[1].split("</ul>", 1)[0]
    assert "Delete 2 issues?" in page
    assert "E0: &lt;b&gt;x&lt;/b&gt;" in listed and "E1: &lt;b&gt;" in listed
    assert "E2:" not in listed and "<b>" not in listed
    confirm = page.split('class="confirm-delete"', 1)[1].split("</form>", 1)[0]
    assert f'value="{a.pk}"' in confirm and f'value="{b.pk}"' in confirm
    assert f'value="{c.pk}"' not in confirm and 'name="confirmed"' in confirm
    assert f'href="{back.replace("&", "&amp;")}">Cancel' in confirm

    done = member_client.post(
        bulk, {"action": "delete", "issue": [a.pk, b.pk], "confirmed": "1", "next": back}
    )
    assert done["Location"] == back
    assert list(Issue.objects.filter(project=project)) == [c]
    messages = [str(m) for m in member_client.get(back).context["messages"]]
    assert messages == ["Deleted 2 issues."]


def test_mute_badge_pluralises(member_client, issue):
    data = {"until": "custom", "volume": "5", "nr_of_periods": "2", "period": "minute"}
    member_client.post(action_url(issue, "mute"), data)
    page = member_client.get(detail_url(issue)).content.decode()
    assert "5 events / 2 minutes" in page and "2 minute<" not in page
    member_client.post(action_url(issue, "unmute"))
    data = {"until": "custom", "volume": "2", "nr_of_periods": "1", "period": "week"}
    member_client.post(action_url(issue, "mute"), data)
    page = member_client.get(detail_url(issue)).content.decode()
    assert "2 events / 1 week<" in page and "1 weeks" not in page


def test_activity_log_speaks_words_with_releases(member_client, project, member):
    from issues.state import IssueStateManager

    ingest(project, python_event(release="shop@1.2.0"))
    issue = Issue.objects.get(project=project)
    IssueStateManager.resolve_by_latest(issue, user=member)
    IssueStateManager.reopen(issue, user=member)
    IssueStateManager.resolve_by_next(issue, user=member)
    # Release 1.3.0 appears (through another issue's event): the fix is in 1.3.0 ...
    other = python_event(release="shop@1.3.0", exception={"values": [{"type": "KeyError"}]})
    ingest(project, other)
    ingest(project, python_event(release="shop@1.4.0"))  # ... and 1.4.0 brings the error back
    IssueStateManager.mute(issue, conditions=[{"period": "hour", "nr_of_periods": 2, "volume": 50}])
    page = member_client.get(detail_url(issue)).content.decode()
    activity = page.split('class="activity"', 1)[1].split("</section>", 1)[0]
    for label in (
        "Resolved in release shop@1.2.0 by member",
        "Reopened by member",
        "Resolved in the next release by member",
        "Fixed in release shop@1.3.0 (the next release seen)",
        "Came back in release shop@1.4.0 (was resolved in shop@1.3.0)",
        "Muted until 50 or more events in the last 2 hours",
    ):
        assert label in activity, (label, activity)
    for code in ("resolved_by_next", "resolved_by_latest", "fixed_in_release", "regressed"):
        assert code not in activity
