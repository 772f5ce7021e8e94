"""Teams in the UI: list (with open teams to join), create, the team page (members, adding
and inviting people, settings) and creating a project in a team one administers.

Who may do what is decided here, on the server, for every request:
- any signed-in user may create a team (and becomes its admin) and join an open team;
- a team's page is for its members (and anyone, for an open team, to see before joining);
- team admins (and superusers) manage members, invitations, settings and create projects.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts.email_config import email_is_configured
from projects.access import (
    administered_teams,
    is_superuser,
    is_team_admin,
    is_team_member,
    team_for,
    visible_teams,
)
from projects.forms import AddMemberForm, InviteForm, MemberRoleForm, NewProjectForm, TeamForm
from projects.models import INVITATION_DAYS, Project, ProjectKey, Team, TeamMembership


def _admin_team(request: HttpRequest, team_id: int) -> Team:
    """The team, if the user administers it: 404 when they cannot see it, 403 when they can."""
    team = team_for(request.user, team_id)
    if not is_team_admin(request.user, team):
        raise PermissionDenied("Only the team's admins can do this.")
    return team


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    roles = dict(TeamMembership.objects.filter(user=request.user).values_list("team_id", "role"))
    teams = list(
        visible_teams(request.user).annotate(nr_of_projects=Count("projects")).order_by("name")
    )
    for team in teams:
        team.my_role = roles.get(team.pk, "")
    return render(
        request,
        "projects/teams.html",
        {
            "my_teams": [t for t in teams if t.my_role],
            "open_teams": [t for t in teams if not t.my_role and t.is_open],
            # Superusers see every team; these are the ones they are not in and are not open.
            "other_teams": [t for t in teams if not t.my_role and not t.is_open],
        },
    )


@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            team = form.save()
            TeamMembership.objects.create(
                team=team, user=request.user, role=TeamMembership.Role.ADMIN
            )
        messages.success(request, f"Team {team.name} created. Add people, then a project.")
        return redirect("team-detail", team.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/team_new.html", {"form": form}, status=status)


@login_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for(request.user, team_id)
    can_admin = is_team_admin(request.user, team)
    if request.method == "POST":  # change a member's role or remove them
        team = _admin_team(request, team_id)
        form = MemberRoleForm(request.POST)
        if form.is_valid():
            membership = TeamMembership.objects.filter(team=team, user_id=form.cleaned_data["user"])
            if form.cleaned_data["user"] == request.user.pk:
                messages.error(request, "You cannot change your own membership.")
            elif form.cleaned_data["remove"]:
                membership.delete()
                messages.success(request, "Member removed.")
            elif form.cleaned_data["role"]:
                membership.update(role=form.cleaned_data["role"])
                messages.success(request, "Role changed.")
        return redirect("team-detail", team.pk)
    return render(request, "projects/team.html", team_page_context(request, team, can_admin))


def team_page_context(request: HttpRequest, team: Team, can_admin: bool, **forms) -> dict:
    """The team page; `forms` replaces a blank form by one posted with errors to show."""
    memberships = (
        TeamMembership.objects.filter(team=team).select_related("user").order_by("user__username")
    )
    is_member = TeamMembership.objects.filter(team=team, user=request.user).exists()
    return {
        "team": team,
        "memberships": memberships,
        "projects": Project.objects.filter(team=team).order_by("name"),
        "can_admin": can_admin,
        # Someone looking at an open team before joining sees its name and people, not its
        # projects or its members' email addresses.
        "can_see_projects": is_team_member(request.user, team),
        "can_join": team.is_open and not is_member,
        "roles": TeamMembership.Role.choices,
        "add_form": forms.get("add_form") or AddMemberForm(team=team),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "team_form": forms.get("team_form") or TeamForm(instance=team),
        "email_on": email_is_configured(),
        "invitation_days": INVITATION_DAYS,
    }


@login_required
@require_POST
def team_settings(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _admin_team(request, team_id)
    form = TeamForm(request.POST, instance=team)
    if form.is_valid():
        form.save()
        messages.success(request, "Team saved.")
        return redirect("team-detail", team.pk)
    team.refresh_from_db()  # the page shows the saved name, not the refused one
    return render(
        request,
        "projects/team.html",
        team_page_context(request, team, True, team_form=form),
        status=400,
    )


@login_required
@require_POST
def add_member(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _admin_team(request, team_id)
    form = AddMemberForm(request.POST, team=team)
    if not form.is_valid():
        return render(
            request, "projects/team.html", team_page_context(request, team, True, add_form=form),
            status=400,
        )  # fmt: skip
    user = form.cleaned_data["user"]
    TeamMembership.objects.get_or_create(
        team=team, user=user, defaults={"role": form.cleaned_data["role"]}
    )
    messages.success(request, f"{user.get_username()} is now in {team.name}.")
    return redirect("team-detail", team.pk)


@login_required
@require_POST
def join_team(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for(request.user, team_id)
    if not team.is_open:
        raise PermissionDenied("This team is not open: ask one of its admins to add you.")
    _, created = TeamMembership.objects.get_or_create(
        team=team, user=request.user, defaults={"role": TeamMembership.Role.MEMBER}
    )
    messages.success(
        request, f"You joined {team.name}." if created else f"You are already in {team.name}."
    )
    return redirect("team-detail", team.pk)


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    teams = administered_teams(request.user)
    initial = {}
    if request.GET.get("team", "").isdigit():
        initial["team"] = int(request.GET["team"])
    form = NewProjectForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            project = form.save()
            key = ProjectKey.objects.create(project=project)
        messages.success(request, f"Project {project.name} created. Its DSN: {key.dsn()}")
        return redirect("project-settings", project.pk)
    return render(
        request,
        "projects/project_new.html",
        {"form": form, "has_teams": teams.exists(), "is_superuser": is_superuser(request.user)},
        status=400 if request.method == "POST" else 200,
    )
