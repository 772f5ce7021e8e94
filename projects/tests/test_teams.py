"""Teams and projects in the UI: superusers see everything, anyone signed in can start a team,
team admins add people and projects, open teams can be joined; every refusal is server-side."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from issues.models import Issue
from projects.models import Project, ProjectKey, Team, TeamMembership
from projects.tests.factories import PASSWORD, ingest, make_project, make_user, python_event
from projects.tests.fixtures import *  # noqa: F403 (pytest fixtures)

# Ingestion spools into its own database on SQLite (events/routers.py): allow every alias.
pytestmark = pytest.mark.django_db(databases="__all__")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)


def test_superuser_sees_and_manages_a_project_made_with_createproject(client, superuser):
    from django.core.management import call_command

    call_command("createproject", "Made on the CLI")  # team "Default", superuser not in it
    project = Project.objects.get(name="Made on the CLI")
    ingest(project, python_event())
    issue = Issue.objects.get(project=project)
    login(client, superuser)
    assert "Made on the CLI" in client.get(reverse("project-list")).content.decode()
    assert client.get(reverse("issue-list", args=[project.pk])).status_code == 200
    detail = reverse("issue-detail", args=[project.pk, issue.pk])
    assert client.get(detail).status_code == 200
    settings_page = client.get(reverse("project-settings", args=[project.pk]))
    assert settings_page.context["can_admin"] and project.keys.get().dsn() in (
        settings_page.content.decode()
    )
    client.post(reverse("project-keys", args=[project.pk]), {"action": "create", "label": "x"})
    assert project.keys.count() == 2
    team_page = client.get(reverse("team-detail", args=[project.team_id]))
    assert team_page.status_code == 200 and team_page.context["can_admin"]


def test_superuser_sees_a_project_made_in_the_admin_and_it_gets_a_key(client, superuser):
    team = Team.objects.create(name="Ops")
    login(client, superuser)
    response = client.post(
        reverse("admin:projects_project_add"),
        {
            "team": team.pk, "name": "Admin made", "slug": "admin-made",
            "keys-TOTAL_FORMS": "0", "keys-INITIAL_FORMS": "0",
            "keys-MIN_NUM_FORMS": "0", "keys-MAX_NUM_FORMS": "1000",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(name="Admin made")
    assert ProjectKey.objects.filter(project=project, is_active=True).count() == 1
    assert client.get(reverse("issue-list", args=[project.pk])).status_code == 200
    assert "Admin made" in client.get(reverse("project-list")).content.decode()


def test_plain_users_still_see_only_their_teams(client, project, outsider):
    login(client, outsider)
    body = client.get(reverse("project-list")).content.decode()
    assert "Other" in body and project.name not in body
    teams = client.get(reverse("team-list"))
    assert [t.name for t in teams.context["my_teams"]] == ["Team B"]
    assert teams.context["open_teams"] == [] and teams.context["other_teams"] == []


def test_anyone_signed_in_creates_a_team_and_becomes_its_admin(client, db):
    user = make_user("founder")
    login(client, user)
    response = client.post(reverse("team-create"), {"name": "Payments"})
    team = Team.objects.get(name="Payments")
    assert response["Location"] == reverse("team-detail", args=[team.pk])
    assert TeamMembership.objects.get(team=team, user=user).role == "admin"
    assert not team.is_open


def test_team_names_must_not_clash(client, project, member):
    login(client, member)
    for name in ("Team A", "team-a", "   "):
        response = client.post(reverse("team-create"), {"name": name})
        assert response.status_code == 400, name
        assert response.context["form"].errors
    assert Team.objects.filter(name__iexact="team a").count() == 1


def test_team_admin_creates_a_project_and_sees_its_dsn(client, project, admin_member):
    login(client, admin_member)
    page = client.get(reverse("project-create") + f"?team={project.team_id}")
    assert page.status_code == 200 and page.context["form"]["team"].value() == project.team_id
    response = client.post(
        reverse("project-create"), {"team": project.team_id, "name": "Mobile"}, follow=True
    )
    created = Project.objects.get(name="Mobile")
    assert created.team == project.team
    assert response.redirect_chain[-1][0] == reverse("project-settings", args=[created.pk])
    dsn = created.keys.get().dsn()
    body = response.content.decode()
    assert f"Its DSN: {dsn}" in body and "sentry_sdk.init" in body


def test_project_names_must_not_clash_in_a_team(client, project, admin_member):
    login(client, admin_member)
    response = client.post(reverse("project-create"), {"team": project.team_id, "name": "shop"})
    assert response.status_code == 400 and "already has a project" in response.content.decode()
    assert Project.objects.filter(team=project.team).count() == 1


def test_members_and_outsiders_cannot_create_projects(client, project, member, outsider):
    for user in (member, outsider):
        login(client, user)
        response = client.post(
            reverse("project-create"), {"team": project.team_id, "name": "Sneaky"}
        )
        assert response.status_code == 400 and "team" in response.context["form"].errors
    assert not Project.objects.filter(name="Sneaky").exists()
    login(client, member)
    assert client.get(reverse("project-create")).context["has_teams"] is False


def test_admin_adds_an_existing_user_by_username_or_email(client, project, admin_member):
    login(client, admin_member)
    make_user("carol")
    make_user("dave")
    url = reverse("team-add-member", args=[project.team_id])
    client.post(url, {"user": "carol", "role": "member"})
    client.post(url, {"user": "DAVE@example.com", "role": "admin"})
    roles = dict(
        TeamMembership.objects.filter(team=project.team).values_list("user__username", "role")
    )
    assert roles["carol"] == "member" and roles["dave"] == "admin"
    response = client.post(url, {"user": "nobody", "role": "member"})
    assert response.status_code == 400 and "invite them by email" in response.content.decode()
    response = client.post(url, {"user": "carol", "role": "admin"})
    assert response.status_code == 400 and "already in this team" in response.content.decode()
    assert TeamMembership.objects.get(team=project.team, user__username="carol").role == "member"


def test_members_and_outsiders_cannot_add_people_or_change_the_team(
    client, project, member, outsider
):
    make_user("carol")
    team_id = project.team_id
    posts = [
        ("team-add-member", {"user": "carol", "role": "admin"}),
        ("team-settings", {"name": "Renamed", "is_open": "on"}),
        ("team-invite", {"email": "x@example.com", "role": "admin"}),
        ("team-detail", {"user": member.pk, "role": "admin"}),
    ]
    for user, status in ((member, 403), (outsider, 404)):
        login(client, user)
        for name, data in posts:
            assert client.post(reverse(name, args=[team_id]), data).status_code == status, name
    project.team.refresh_from_db()
    assert project.team.name == "Team A" and not project.team.is_open
    assert not TeamMembership.objects.filter(user__username="carol").exists()
    assert TeamMembership.objects.get(user=member).role == "member"
    member_page = login(client, member).get(reverse("team-detail", args=[team_id]))
    assert member_page.status_code == 200 and not member_page.context["can_admin"]
    assert "Add to team" not in member_page.content.decode()


def test_open_team_can_be_joined_from_the_teams_list(client, project, admin_member, outsider):
    login(client, admin_member)
    settings_url = reverse("team-settings", args=[project.team_id])
    client.post(settings_url, {"name": "Team A", "is_open": "on"})
    project.team.refresh_from_db()
    assert project.team.is_open

    login(client, outsider)
    listing = client.get(reverse("team-list"))
    assert [t.name for t in listing.context["open_teams"]] == ["Team A"]
    team_page = client.get(reverse("team-detail", args=[project.team_id]))
    assert team_page.status_code == 200 and team_page.context["can_join"]
    before = team_page.content.decode()
    assert project.name not in before and admin_member.email not in before  # once joined
    assert admin_member.username in before
    assert client.get(reverse("issue-list", args=[project.pk])).status_code == 404
    client.post(reverse("team-join", args=[project.team_id]))
    assert TeamMembership.objects.get(team=project.team, user=outsider).role == "member"
    assert client.get(reverse("issue-list", args=[project.pk])).status_code == 200
    after = client.get(reverse("team-detail", args=[project.team_id])).content.decode()
    assert project.name in after and admin_member.email in after


def test_closed_team_cannot_be_joined(client, project, outsider, member):
    login(client, outsider)
    assert client.post(reverse("team-join", args=[project.team_id])).status_code == 404
    assert not TeamMembership.objects.filter(team=project.team, user=outsider).exists()
    # A member sees the team, and still cannot use "join" to get in with another role.
    login(client, member)
    assert client.post(reverse("team-join", args=[project.team_id])).status_code == 403
    assert TeamMembership.objects.get(team=project.team, user=member).role == "member"


def test_join_needs_post_and_login(client, project):
    Team.objects.filter(pk=project.team_id).update(is_open=True)
    response = client.post(reverse("team-join", args=[project.team_id]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    login(client, make_user("walker"))
    assert client.get(reverse("team-join", args=[project.team_id])).status_code == 405
    assert not TeamMembership.objects.filter(user__username="walker").exists()


def test_superuser_sees_every_team(client, superuser, project, outsider):
    login(client, superuser)
    listing = client.get(reverse("team-list"))
    assert {t.name for t in listing.context["other_teams"]} == {"Team A", "Team B"}
    other = make_project("Team C", "Third")
    assert client.get(reverse("team-detail", args=[other.team_id])).context["can_admin"]
