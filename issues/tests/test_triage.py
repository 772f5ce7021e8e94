"""Assignment, comments and the environment selector, through Django's test client."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import EnvironmentChoice, Issue, IssueActivity, IssueComment
from projects.tests.factories import PASSWORD, ingest, make_user, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")


def error(kind: str, **overrides) -> dict:
    return python_event(exception={"values": [{"type": kind, "value": "x"}]}, **overrides)


@pytest.fixture
def issue(project):
    ingest(project, python_event())
    return Issue.objects.get(project=project)


def detail(issue) -> str:
    return reverse("issue-detail", args=[issue.project_id, issue.pk])


def list_url(project, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("issue-list", args=[project.pk]) + (f"?{query}" if query else "")


def listed(client, project, **params) -> set[int]:
    return {i.pk for i in client.get(list_url(project, **params)).context["issues"]}


# Assignment


def assign(client, issue, value, **extra):
    url = reverse("issue-assign", args=[issue.project_id, issue.pk])
    return client.post(url, {"assignee": value, **extra}, follow=True)


def test_assign_to_member_team_and_nobody_are_logged(member_client, member, admin_member, issue):
    page = assign(member_client, issue, str(admin_member.pk)).content.decode()
    issue.refresh_from_db()
    assert issue.assignee == admin_member and issue.assigned_team_id is None
    assert "Assigned to boss" in page

    assign(member_client, issue, "team")
    issue.refresh_from_db()
    assert issue.assignee is None and issue.assigned_team_id == issue.project.team_id

    page = assign(member_client, issue, "").content.decode()
    issue.refresh_from_db()
    assert issue.assignee is None and issue.assigned_team_id is None
    kinds = list(IssueActivity.objects.filter(issue=issue).order_by("pk").values_list("kind"))
    assert kinds == [("assigned",), ("assigned",), ("unassigned",)]
    assert all(a.user == member for a in IssueActivity.objects.filter(issue=issue))
    timeline = page.split('id="timeline"', 1)[1]
    assert "Unassigned by member" in timeline
    assert "Assigned to the team Team A by member" in timeline
    assert "Assigned to boss by member" in timeline


def test_only_team_members_can_be_assigned(member_client, issue, outsider):
    page = assign(member_client, issue, str(outsider.pk)).content.decode()
    assert "Only a member of the project&#x27;s team can be assigned." in page
    issue.refresh_from_db()
    assert issue.assignee is None
    assert not IssueActivity.objects.filter(issue=issue).exists()


def test_outsider_cannot_assign(client, issue, outsider):
    client.login(username=outsider.username, password=PASSWORD)
    assert assign(client, issue, str(outsider.pk)).status_code == 404


def test_assigned_filters(member_client, project, member, admin_member):
    ingest(project, error("Mine"), error("Boss"), error("Team"), error("Nobody"))
    by_title = {i.title.split(":")[0]: i for i in Issue.objects.filter(project=project)}
    assign(member_client, by_title["Mine"], str(member.pk))
    assign(member_client, by_title["Boss"], str(admin_member.pk))
    assign(member_client, by_title["Team"], "team")
    ids = {name: i.pk for name, i in by_title.items()}

    assert listed(member_client, project, q="assigned:me") == {ids["Mine"]}
    assert listed(member_client, project, q="assigned:boss") == {ids["Boss"]}
    assert listed(member_client, project, q="assigned:BOSS") == {ids["Boss"]}
    assert listed(member_client, project, q="assigned:%23team-a") == {ids["Team"]}
    assert listed(member_client, project, q="is:unassigned") == {ids["Nobody"]}
    assert listed(member_client, project, q="unassigned") == {ids["Nobody"]}
    assert listed(member_client, project, q="assigned:none") == {ids["Nobody"]}
    assigned = {ids["Mine"], ids["Boss"], ids["Team"]}
    assert listed(member_client, project, q="is:assigned") == assigned
    assert listed(member_client, project, q="assigned:nobody-by-that-name") == set()
    assert listed(member_client, project, q="assigned:me Mine") == {ids["Mine"]}
    page = member_client.get(list_url(project)).content.decode()
    assert "Assigned to boss" in page and "Assigned to the team" in page


def test_issue_list_queries_stay_constant_with_assignees(member_client, project, member):
    ingest(project, error("E0"))
    with CaptureQueriesContext(connection) as few:
        member_client.get(list_url(project))
    ingest(project, *[error(f"E{i}x") for i in range(1, 21)])
    for issue in Issue.objects.filter(project=project):
        assign(member_client, issue, str(member.pk))
    with CaptureQueriesContext(connection) as many:
        response = member_client.get(list_url(project))
    assert len(response.context["issues"]) == 21
    assert len(many.captured_queries) == len(few.captured_queries)


# Comments


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> see https://example.com/a?b=1&c=2'


def add(client, issue, text):
    url = reverse("issue-comment-add", args=[issue.project_id, issue.pk])
    return client.post(url, {"text": text}, follow=True)


def change(client, issue, comment, what, **data):
    url = reverse("issue-comment-change", args=[issue.project_id, issue.pk, comment.pk, what])
    return client.post(url, data, follow=True)


def test_comment_is_escaped_and_its_link_clickable(member_client, member, issue):
    page = add(member_client, issue, XSS).content.decode()
    comment = IssueComment.objects.get(issue=issue)
    assert comment.user == member and comment.text == XSS
    text = page.split('class="comment-text">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow">' in text


def test_edit_and_delete_own_comment_only(client, member_client, member, admin_member, issue):
    add(member_client, issue, "first")
    comment = IssueComment.objects.get()
    page = change(member_client, issue, comment, "edit", text="second https://x.example").content
    comment.refresh_from_db()
    assert comment.text == "second https://x.example" and comment.edited_at is not None
    assert "(edited)" in page.decode()

    member_client.logout()
    client.login(username=admin_member.username, password=PASSWORD)
    page = client.get(detail(issue)).content.decode()
    assert "second" in page and "Edit comment" not in page  # no edit form for others
    page = change(client, issue, comment, "edit", text="hijacked").content.decode()
    assert "You can change only your own comments." in page
    change(client, issue, comment, "delete")
    comment.refresh_from_db()
    assert comment.text == "second https://x.example"

    client.logout()
    client.login(username=member.username, password=PASSWORD)
    change(client, issue, comment, "delete")
    assert not IssueComment.objects.exists()


def test_empty_and_oversized_comments_are_refused(member_client, issue):
    assert "A comment cannot be empty." in add(member_client, issue, "   ").content.decode()
    page = add(member_client, issue, "x" * 10_001).content.decode()
    assert "A comment is at most 10000 characters." in page
    assert not IssueComment.objects.exists()


def test_comments_need_membership_and_post(client, issue, outsider, member_client):
    url = reverse("issue-comment-add", args=[issue.project_id, issue.pk])
    assert member_client.get(url).status_code == 405
    member_client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.post(url, {"text": "hi"}).status_code == 404
    assert not IssueComment.objects.exists()


def test_comments_and_activity_share_the_timeline(member_client, issue):
    add(member_client, issue, "looking into it")
    member_client.post(reverse("issue-action", args=[issue.project_id, issue.pk, "resolve"]))
    page = member_client.get(detail(issue)).content.decode()
    timeline = page.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    assert timeline.index("Resolved") < timeline.index("looking into it")  # newest first


def test_issue_page_queries_stay_constant_with_comments(member_client, project, issue):
    add(member_client, issue, "one")
    with CaptureQueriesContext(connection) as few:
        member_client.get(detail(issue))
    for n in range(20):
        add(member_client, issue, f"comment {n} https://example.com/{n}")
    for n in range(5):
        make_user(f"teammate{n}", project.team)
    ingest(project, *[python_event(environment=f"env{n}") for n in range(10)])
    with CaptureQueriesContext(connection) as many:
        page = member_client.get(detail(issue)).content.decode()
    assert page.count('class="comment"') == 21 and page.count("Edit comment") == 21
    assert len(many.captured_queries) == len(few.captured_queries)


# Environments


def test_environment_selector_filters_and_is_remembered(client, project, member, admin_member):
    ingest(
        project,
        error("ProdOnly", environment="production"),
        error("StagingOnly", environment="staging"),
        error("Both", environment="production"),
        error("Both", environment="staging"),
    )
    ids = {i.title.split(":")[0]: i.pk for i in Issue.objects.filter(project=project)}
    client.login(username=member.username, password=PASSWORD)
    response = client.get(list_url(project))
    assert response.context["environments"] == ["production", "staging"]
    assert len(response.context["issues"]) == 3

    assert listed(client, project, env="staging") == {ids["StagingOnly"], ids["Both"]}
    # Remembered for this user and project: the next visit without a choice keeps it.
    assert listed(client, project) == {ids["StagingOnly"], ids["Both"]}
    page = client.get(list_url(project)).content.decode()
    assert '<option value="staging" selected>' in page
    assert EnvironmentChoice.objects.get(user=member, project=project).environment == "staging"
    # It combines with the search box.
    assert listed(client, project, env="staging", q="Both") == {ids["Both"]}

    # Another user has their own choice.
    client.logout()
    client.login(username=admin_member.username, password=PASSWORD)
    assert len(listed(client, project)) == 3
    client.logout()
    client.login(username=member.username, password=PASSWORD)
    assert len(listed(client, project, env="")) == 3  # "All environments"
    assert len(listed(client, project)) == 3


def test_issue_page_shows_events_per_environment(member_client, project):
    ingest(
        project,
        *[python_event(environment="production") for _ in range(3)],
        python_event(environment="staging"),
        python_event(environment=None),
    )
    issue = Issue.objects.get(project=project)
    response = member_client.get(detail(issue))
    assert response.context["environment_counts"] == [("production", 3), ("staging", 1), ("", 1)]
    section = response.content.decode().split('class="environments"', 1)[1].split("</section>")[0]
    assert "production" in section and "(none)" in section
    assert "?tab=all&amp;env=production" in section


def test_issue_list_queries_stay_constant_with_environments(member_client, project):
    ingest(project, error("E0", environment="e0"))
    url = list_url(project, env="e0")
    member_client.get(url)  # the choice is stored: later visits only read it
    with CaptureQueriesContext(connection) as few:
        member_client.get(url)
    ingest(project, *[error(f"E{i}x", environment=f"e{i % 7}") for i in range(1, 30)])
    with CaptureQueriesContext(connection) as many:
        response = member_client.get(url)
    assert len(response.context["environments"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_event_page_queries_stay_constant_with_triage_rows(member_client, project, member):
    """The event page shows the same assignee, environments, groupings and timeline."""
    ingest(project, python_event())
    issue = Issue.objects.get(project=project)
    event = issue.events.get()
    url = reverse("event-detail", args=[project.pk, issue.pk, event.pk])
    add(member_client, issue, "one")
    with CaptureQueriesContext(connection) as few:
        member_client.get(url)
    for n in range(15):
        add(member_client, issue, f"comment {n}")
        make_user(f"mate{n}", project.team)
    ingest(project, *[python_event(environment=f"env{n}") for n in range(10)])
    assign(member_client, issue, str(member.pk))
    with CaptureQueriesContext(connection) as many:
        page = member_client.get(url).content.decode()
    assert page.count('class="comment"') == 16 and "mate14" in page and "env9" in page
    assert len(many.captured_queries) == len(few.captured_queries)
