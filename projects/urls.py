from django.urls import path

from . import alert_views, invitations, views

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<int:project_id>/settings/", views.project_settings, name="project-settings"),
    path("projects/<int:project_id>/keys/", views.key_action, name="project-keys"),
    path("projects/<int:project_id>/alerts/", alert_views.alert_settings, name="project-alerts"),
    path("accounts/alerts/", alert_views.my_alerts, name="my-alerts"),
    path("projects/<int:project_id>/members/invite/", invitations.invite, name="team-invite"),
    path("invitations/<str:token>/", invitations.accept_invitation, name="invitation"),
    path("projects/<int:project_id>/members/", views.team_members, name="team-members"),
]
