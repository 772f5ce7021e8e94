from django.urls import path

from datapolicy import views

urlpatterns = [
    path("projects/<int:project_id>/data/", views.project_data, name="project-data"),
]
