"""The URLs of a status page served on its own host name (hosts.py)."""

from django.urls import path

from statuspages import public_views

urlpatterns = [
    path("", public_views.status_page, name="status-host-page"),
    path("history/", public_views.history, name="status-host-history"),
    path("incidents/<int:incident_id>/", public_views.incident_detail, name="status-host-incident"),
    path("feed/", public_views.feed, name="status-host-feed"),
    path("summary.json", public_views.summary_json, name="status-host-summary"),
]
