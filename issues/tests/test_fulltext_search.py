"""Full-text search with key:value terms, on the database the suite runs on (FTS5 on SQLite,
tsvector + GIN on PostgreSQL): ./test runs this file on both."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import fulltext
from issues.models import Issue, IssueSearchText
from projects.tests.factories import ingest, make_project, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")


def exception(kind: str, value: str, function: str = "total") -> dict:
    frame = {"filename": f"shop/{function}.py", "function": function, "lineno": 3, "in_app": True}
    return {"values": [{"type": kind, "value": value, "stacktrace": {"frames": [frame]}}]}


def with_value(event: dict, value: str) -> dict:
    event["exception"]["values"][0]["value"] = value
    return event


@pytest.fixture
def issues(project):
    """Four Issues with distinct texts, tags, releases and environments."""
    ingest(
        project,
        python_event(exception=exception("KeyError", "'basket'", "cart"), release="shop@2.0.1",
                     tags={"browser": "Chrome 119"}),
        # A later event of the same Issue brings a new exception value.
        python_event(exception=exception("KeyError", "'wishlist'", "cart"), release="shop@2.0.1",
                     tags={"browser": "Chrome 119"}),
        python_event(exception=None, message="Payment gateway timeout after 30 s",
                     environment="staging", release="shop@1.9.0", tags={}),
        python_event(exception=exception("OperationalError", "database is locked", "orders"),
                     release="shop@2.1.0", level="warning", tags={"device": "phone"}),
        python_event(exception=exception("ValueError", "connection refused by upstream",
                                          "checkout"), release="shop@1.2.3", tags={}),
    )  # fmt: skip
    by_text = {
        "key": Issue.objects.get(title__startswith="KeyError"),
        "payment": Issue.objects.get(title__startswith="Payment"),
        "db": Issue.objects.get(title__startswith="OperationalError"),
        "value": Issue.objects.get(title__startswith="ValueError"),
    }
    assert Issue.objects.filter(project=project).count() == 4
    return by_text


@pytest.fixture
def found(member_client, project, issues):
    def search(query: str) -> set[str]:
        url = reverse("issue-list", args=[project.pk])
        response = member_client.get(url, {"tab": "all", "q": query})
        assert response.status_code == 200
        ids = {issue.pk for issue in response.context["issues"]}
        return {name for name, issue in issues.items() if issue.pk in ids}

    return search


def test_free_words_search_title_culprit_message_and_exception_values(found):
    assert found("keyerror") == {"key"}
    assert found("wishlist") == {"key"}  # the second event's value, not the title's
    assert found("basket") == {"key"}
    assert found("gateway") == {"payment"}
    assert found("orders") == {"db"}  # the culprit: shop/orders.py in orders
    assert found("database locked") == {"db"}  # every word must match
    assert found("database gateway") == set()
    assert found("DATA") == {"db"}  # words match case-insensitively, as prefixes
    assert found("zzzz") == set()


def test_phrases_keep_word_order(found):
    assert found('"connection refused"') == {"value"}
    assert found('"refused connection"') == set()
    assert found('"gateway timeout" payment') == {"payment"}


def test_negation_of_words_phrases_and_terms(found):
    assert found("-gateway") == {"key", "db", "value"}
    assert found('!"database is locked"') == {"key", "payment", "value"}
    assert found("!environment:staging") == {"key", "db", "value"}
    # Negation combined with an indexed term.
    assert found("release:shop@2.0.1 -wishlist") == set()
    assert found("level:error -keyerror") == {"payment", "value"}
    assert found("!level:warning") == {"key", "payment", "value"}


def test_has_and_wildcards(found):
    assert found("has:device") == {"db"}
    assert found("!has:device") == {"key", "payment", "value"}
    assert found("has:nothing") == set()
    assert found("release:shop@2.*") == {"key", "db"}
    assert found("release:shop@2.0.*") == {"key"}
    assert found("release:*1.2.3") == {"value"}
    assert found("release:shop@*.9.*") == {"payment"}
    assert found("browser:Chrome*") == {"key"}


def test_terms_that_are_only_punctuation_are_ignored(found):
    assert found("- ! ... ***") == {"key", "payment", "db", "value"}


def test_search_documents_are_bounded(project):
    long_message = " ".join(f"word{i}" for i in range(3000))
    ingest(project, python_event(exception=None, message=long_message))
    ingest(project, python_event(exception=None, message=long_message, release="again"))
    (text,) = IssueSearchText.objects.filter(project_id=project.pk)
    assert 0 < len(text.document) <= fulltext.MAX_DOCUMENT_CHARS


def test_known_texts_cost_no_query(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ingest(project, python_event())
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            ingest(project, python_event(), python_event())
    touched = [q["sql"] for q in queries.captured_queries if "issuesearchtext" in q["sql"]]
    assert touched == []
    # A new text of a known Issue: one read, one write for the whole batch.
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            ingest(project, *[with_value(python_event(), f"v{i}") for i in range(5)])
    touched = [q["sql"] for q in queries.captured_queries if "issuesearchtext" in q["sql"]]
    assert len(touched) == 2, touched
    assert Issue.objects.filter(project=project).count() == 1
    document = IssueSearchText.objects.get(project_id=project.pk).document
    assert all(f"zerodivisionerror v{i}" in document for i in range(5))


def test_deleted_issues_leave_the_index(member_client, project, issues, found):
    issues["db"].delete()
    assert not IssueSearchText.objects.filter(issue_id=issues["db"].pk).exists()
    assert found("database") == set()
    assert found("keyerror") == {"key"}


def test_other_projects_are_not_searched(member_client, project, issues):
    other = make_project("Team A", "Other shop")
    ingest(other, python_event(exception=exception("KeyError", "'basket'", "cart")))
    url = reverse("issue-list", args=[project.pk])
    listed = member_client.get(url, {"tab": "all", "q": "basket"}).context["issues"]
    assert [i.pk for i in listed] == [issues["key"].pk]


def test_search_page_runs_a_constant_number_of_queries(
    member_client, project, issues, django_assert_num_queries
):
    url = reverse("issue-list", args=[project.pk])
    query = {"tab": "all", "q": 'shop -gateway "database is" has:device release:shop@2.* x'}
    with CaptureQueriesContext(connection) as one:
        member_client.get(url, query)
    ingest(project, *[python_event(exception=exception(f"E{i}Error", "database is down", "orders"),
                                   tags={"device": "tablet"}, release="shop@2.2.0")
                      for i in range(15)])  # fmt: skip
    with django_assert_num_queries(len(one.captured_queries)):
        member_client.get(url, query)


def test_merged_issues_are_found_by_every_merged_text(member_client, project, issues, found):
    """The helpers merging and unmerging call (issues/merge.py): the target's document gains
    the sources' words; an Issue made outside digestion gets one from its title and culprit."""
    fulltext.absorb_documents(issues["key"], [issues["db"].pk, issues["payment"].pk])
    issues["db"].delete()
    issues["payment"].delete()
    assert found("database locked") == {"key"}
    assert found('"gateway timeout"') == {"key"}
    assert found("wishlist") == {"key"}

    made = Issue.objects.create(
        project=project, first_seen=issues["key"].first_seen, last_seen=issues["key"].last_seen,
        title="SplitError: unmerged again", culprit="split.py in part",
    )  # fmt: skip
    fulltext.create_document(made)
    assert IssueSearchText.objects.get(issue_id=made.pk).document == (
        "spliterror unmerged again split py in part"
    )
    url = reverse("issue-list", args=[project.pk])
    listed = member_client.get(url, {"tab": "all", "q": "unmerged"}).context["issues"]
    assert [i.pk for i in listed] == [made.pk]


def test_rebuild_command_adds_stored_events_texts(member_client, project, issues, found):
    # Documents lost (or never made): the command makes them from the stored events.
    IssueSearchText.objects.filter(project_id=project.pk).update(document="")
    fulltext.forget_all()
    assert found("wishlist") == found("basket") == found("orders") == set()
    call_command("rebuild_search_text", str(project.pk), stdout=io.StringIO())
    assert found("wishlist") == found("basket") == {"key"}  # the values of both events
    assert found("orders") == {"db"}  # the culprit
    assert found('"database is locked"') == {"db"}


def test_wildcards_are_bounded(found):
    assert found("release:shop@**2.0.1") == {"key"}  # runs of * are one
    assert found("release:s*h*o*p*@*2.0.1") == set()  # too many: matched as written
