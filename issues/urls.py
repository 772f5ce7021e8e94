from django.urls import path

from events import views as event_views

from . import triage_views, views

P = "projects/<int:project_id>"
I = f"{P}/issues/<int:issue_id>"  # noqa: E741

urlpatterns = [
    path(f"{P}/issues/", views.issue_list, name="issue-list"),
    path(f"{P}/issues/bulk/", views.bulk_action, name="issue-bulk"),
    path(f"{I}/", views.issue_detail, name="issue-detail"),
    path(f"{I}/actions/<slug:action>/", views.issue_action, name="issue-action"),
    path(f"{P}/issues/merge/", triage_views.issues_merge, name="issue-merge"),
    path(f"{I}/assign/", triage_views.issue_assign, name="issue-assign"),
    path(f"{I}/comments/", triage_views.comment_add, name="issue-comment-add"),
    path(
        f"{I}/comments/<int:comment_id>/<slug:change>/",
        triage_views.comment_change,
        name="issue-comment-change",
    ),
    path(
        f"{I}/groupings/<int:grouping_id>/unmerge/",
        triage_views.grouping_unmerge,
        name="grouping-unmerge",
    ),
    path(f"{I}/events/", event_views.event_list, name="event-list"),
    path(f"{I}/events/<int:event_pk>/", event_views.event_detail, name="event-detail"),
    path(f"{I}/events/<int:event_pk>/json/", event_views.event_json, name="event-json"),
]
