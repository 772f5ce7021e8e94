"""Operators run incidents; team admins set pages up; everyone else may not."""

import pytest
from django.urls import reverse

from monitors.models import Monitor
from projects.models import Project
from statuspages.models import Incident, Service, StatusPage
from statuspages.tests.factories import make_operator, make_page, make_services

pytestmark = pytest.mark.django_db


def test_admin_creates_a_page_and_services(client):
    page = make_page()
    admin = make_operator(page)
    client.force_login(admin)
    response = client.post(
        reverse("status-page-list", args=[page.team.pk]),
        {
            "title": "Shop status",
            "slug": "shop",
            "host_name": "",
            "logo_text": "S",
            "is_public": "on",
        },
    )
    created = StatusPage.objects.get(slug="shop")
    assert response.status_code == 302 and created.team == page.team
    project = Project.objects.create(team=page.team, name="Shop")
    monitor = Monitor.objects.create(project=project, name="home", slug="home", kind="http",
                                     url="https://shop.example/")  # fmt: skip
    url = reverse("status-services", args=[created.pk])
    client.post(url, {"action": "add_category", "category-name": "Web", "category-position": 0})
    client.post(url, {"action": "add_region", "region-name": "EU", "region-position": 0})
    response = client.post(
        url,
        {
            "action": "add_service",
            "service-name": "Checkout",
            "service-category": created.categories.get().pk,
            "service-position": 0,
            "service-regions": [created.regions.get().pk],
            "service-monitors": [monitor.pk],
            "service-auto_incidents": "on",
            "service-auto_after_minutes": 3,
            "service-auto_publish": "on",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get(page=created)
    assert list(service.monitors.all()) == [monitor] and service.auto_after_minutes == 3


def test_bad_host_name_and_duplicate_slug_are_form_errors(client):
    page = make_page()
    client.force_login(make_operator(page))
    url = reverse("status-page-list", args=[page.team.pk])
    bad = client.post(url, {"title": "x", "slug": page.slug, "host_name": "not a host"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Enter a host name" in text and "already exists" in text


def test_operator_opens_updates_and_closes_an_incident(client):
    page = make_page()
    s = make_services(page)
    operator = make_operator(page, "opal", role="member")
    page.operators.add(operator)
    client.force_login(operator)
    response = client.post(
        reverse("status-incident-new", args=[page.pk]),
        {
            "title": "Slow checkout",
            "impact": "minor",
            "status": "investigating",
            "starts_at": "2026-12-03 10:00",
            "services": [s["api"].pk],
            "is_published": "on",
            "text": "We are looking into it",
        },
    )
    incident = Incident.objects.get(page=page)
    assert response.status_code == 302
    url = reverse("status-incident-manage", args=[page.pk, incident.pk])
    client.post(url, {"action": "update", "status": "identified", "text": "Found it"})
    client.post(url, {"action": "update", "status": "fixed", "text": "Fixed"})
    incident.refresh_from_db()
    assert incident.status == "fixed" and incident.ends_at is not None
    assert [u.text for u in incident.updates.all()] == [
        "We are looking into it",
        "Found it",
        "Fixed",
    ]
    assert all(u.author == operator for u in incident.updates.all())


def test_members_who_are_not_operators_cannot_post(client):
    page = make_page()
    s = make_services(page)
    client.force_login(make_operator(page, "mia", role="member"))
    response = client.post(
        reverse("status-incident-new", args=[page.pk]),
        {"title": "x", "impact": "minor", "status": "investigating",
         "starts_at": "2026-12-03 10:00", "services": [s["api"].pk], "text": "x"},
    )  # fmt: skip
    assert response.status_code == 403
    assert client.post(reverse("status-services", args=[page.pk]), {}).status_code == 403


def test_other_teams_get_404(client):
    page = make_page()
    other = make_page()
    client.force_login(make_operator(other, "eve"))
    assert client.get(reverse("status-page-manage", args=[page.pk])).status_code == 404


def test_maintenance_end_before_start_is_refused(client):
    page = make_page()
    s = make_services(page)
    client.force_login(make_operator(page))
    response = client.post(
        reverse("status-incident-new", args=[page.pk]),
        {"title": "DB", "impact": "maintenance", "status": "scheduled",
         "starts_at": "2026-12-10 10:00", "ends_at": "2026-12-10 09:00",
         "services": [s["site"].pk], "text": "upgrade"},
    )  # fmt: skip
    assert response.status_code == 400 and "must come after the start" in response.content.decode()
