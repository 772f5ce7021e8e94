"""The outcomes page and its JSON: where a project's events went, per hour and per day."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from events.models import IngestRejection, Outcome
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

pytestmark = pytest.mark.django_db(databases="__all__")


def add(project, hours_ago: int, outcome: str, reason: str, category: str, count: int) -> None:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)
    Outcome.objects.create(
        project=project, hour=hour, outcome=outcome, reason=reason, category=category, count=count
    )


@pytest.fixture
def history(project):
    add(project, 0, "accepted", "", "error", 7)
    add(project, 1, "accepted", "", "error", 5)
    add(project, 1, "refused", "quota", "error", 2)
    add(project, 1, "filtered", "not_stored", "transaction", 4)
    add(project, 2, "client_discard", "sample_rate", "error", 9)
    add(project, 24 * 40, "accepted", "", "error", 1000)  # outside both periods
    return project


def test_page_shows_hours_charts_and_reasons(member_client, history):
    response = member_client.get(reverse("project-outcomes", args=[history.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<svg class="chart"') == 4
    assert "Accepted: 12" in body and "Refused by this server: 2" in body
    assert "Dropped by the SDK: 9" in body and "Filtered (not stored): 4" in body
    assert "over quota" in body and "sample_rate" in body and "category not stored here" in body
    rows = response.context["rows"]
    assert len(rows) == 48
    assert (rows[0]["accepted"], rows[1]["accepted"], rows[1]["refused"]) == (7, 5, 2)


def test_day_period_sums_the_hours(member_client, history):
    response = member_client.get(reverse("project-outcomes", args=[history.pk]) + "?period=day")
    rows = response.context["rows"]
    assert len(rows) == 30
    assert sum(row["accepted"] for row in rows) == 12


def test_json_endpoint(member_client, history):
    url = reverse("project-outcomes-json", args=[history.pk])
    document = member_client.get(url).json()
    assert document["period"] == "hour" and len(document["buckets"]) == 48
    latest, previous = document["buckets"][-1], document["buckets"][-2]
    assert latest["accepted"] == {"error": 7}
    assert previous["refused"] == {"quota": {"error": 2}}
    assert previous["filtered"] == {"not_stored": {"transaction": 4}}
    assert document["buckets"][-3]["client_discard"] == {"sample_rate": {"error": 9}}
    days = member_client.get(url + "?period=day").json()
    assert len(days["buckets"]) == 30


def test_outsiders_and_anonymous_get_nothing(client, history, outsider):
    for name in ("project-outcomes", "project-outcomes-json"):
        url = reverse(name, args=[history.pk])
        assert client.get(url).status_code == 302
    client.force_login(outsider)
    for name in ("project-outcomes", "project-outcomes-json"):
        assert client.get(reverse(name, args=[history.pk])).status_code == 404


def test_settings_rejection_counter_links_to_the_outcomes_page(member_client, project):
    today = datetime.now(UTC).date()
    IngestRejection.objects.create(project=project, reason="quota_exceeded", day=today, count=3)
    IngestRejection.objects.create(project=project, reason="key_unknown", day=today, count=2)
    body = member_client.get(reverse("project-settings", args=[project.pk])).content.decode()
    outcomes_url = reverse("project-outcomes", args=[project.pk])
    assert f'<a href="{outcomes_url}?period=day">5</a>' in body
