from django.urls import path

from . import agent_api, views

urlpatterns = [
    path("projects/<int:project_id>/monitors/", views.monitor_list, name="monitor-list"),
    path("projects/<int:project_id>/monitors/new/", views.monitor_new, name="monitor-new"),
    path("monitors/<int:monitor_id>/", views.monitor_detail, name="monitor-detail"),
    path("monitors/<int:monitor_id>/edit/", views.monitor_edit, name="monitor-edit"),
    path("monitors/<int:monitor_id>/action/", views.monitor_action, name="monitor-action"),
    path("monitors/<int:monitor_id>/state.json", views.monitor_state, name="monitor-state"),
    path("ping/<str:token>/", views.ping, name="monitor-ping"),
    path("monitors/agent/tasks/", agent_api.tasks, name="monitor-agent-tasks"),
    path("monitors/agent/results/", agent_api.results, name="monitor-agent-results"),
]
