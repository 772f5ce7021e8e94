from django.urls import path

from events import views as event_views

from . import release_views, views

P = "projects/<int:project_id>"
I = f"{P}/issues/<int:issue_id>"  # noqa: E741

urlpatterns = [
    path(f"{P}/issues/", views.issue_list, name="issue-list"),
    path(f"{P}/releases/", release_views.release_list, name="release-list"),
    path(f"{P}/issues/bulk/", views.bulk_action, name="issue-bulk"),
    path(f"{I}/", views.issue_detail, name="issue-detail"),
    path(f"{I}/actions/<slug:action>/", views.issue_action, name="issue-action"),
    path(f"{I}/events/", event_views.event_list, name="event-list"),
    path(f"{I}/events/<int:event_pk>/", event_views.event_detail, name="event-detail"),
    path(f"{I}/events/<int:event_pk>/json/", event_views.event_json, name="event-json"),
]
