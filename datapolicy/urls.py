from django.urls import path

from datapolicy import admin_views, views

urlpatterns = [
    path("projects/<int:project_id>/data/", views.project_data, name="project-data"),
    path("projects/<int:project_id>/export/", views.project_export, name="project-export"),
    path("projects/<int:project_id>/delete/", views.project_remove, name="project-remove"),
    path("storage/", admin_views.storage, name="storage"),
    path("privacy/", admin_views.privacy_requests, name="privacy-requests"),
]
