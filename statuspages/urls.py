from django.urls import path

from statuspages import operator_views, public_views

S = "status/<slug:slug>"
M = "status-pages/<int:page_id>"

urlpatterns = [
    path(f"{S}/", public_views.status_page, name="status-page"),
    path(f"{S}/history/", public_views.history, name="status-history"),
    path(f"{S}/incidents/<int:incident_id>/", public_views.incident_detail, name="status-incident"),
    path(f"{S}/feed/", public_views.feed, name="status-feed"),
    path(f"{S}/summary.json", public_views.summary_json, name="status-summary"),
    path("teams/<int:team_id>/status-pages/", operator_views.page_list, name="status-page-list"),
    path(f"{M}/", operator_views.page_manage, name="status-page-manage"),
    path(f"{M}/services/", operator_views.services, name="status-services"),
    path(f"{M}/incidents/new/", operator_views.incident_new, name="status-incident-new"),
    path(
        f"{M}/incidents/<int:incident_id>/",
        operator_views.incident_manage,
        name="status-incident-manage",
    ),
]
