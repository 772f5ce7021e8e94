from django.urls import path

from . import alert_views, invitations, outcome_views, team_views, views

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/new/", team_views.project_create, name="project-create"),
    path("projects/<int:project_id>/settings/", views.project_settings, name="project-settings"),
    path("projects/<int:project_id>/keys/", views.key_action, name="project-keys"),
    path(
        "projects/<int:project_id>/outcomes/",
        outcome_views.project_outcomes,
        name="project-outcomes",
    ),
    path(
        "projects/<int:project_id>/outcomes.json",
        outcome_views.project_outcomes_json,
        name="project-outcomes-json",
    ),
    path("projects/<int:project_id>/alerts/", alert_views.alert_settings, name="project-alerts"),
    path("accounts/alerts/", alert_views.my_alerts, name="my-alerts"),
    path("projects/<int:project_id>/members/", views.team_members, name="team-members"),
    path("teams/", team_views.team_list, name="team-list"),
    path("teams/new/", team_views.team_create, name="team-create"),
    path("teams/<int:team_id>/", team_views.team_detail, name="team-detail"),
    path("teams/<int:team_id>/settings/", team_views.team_settings, name="team-settings"),
    path("teams/<int:team_id>/members/add/", team_views.add_member, name="team-add-member"),
    path("teams/<int:team_id>/invite/", invitations.invite, name="team-invite"),
    path("teams/<int:team_id>/join/", team_views.join_team, name="team-join"),
    path("invitations/<str:token>/", invitations.accept_invitation, name="invitation"),
]
