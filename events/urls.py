from django.urls import path

from .ingest.views import envelope_endpoint, store_endpoint

urlpatterns = [
    path("api/<int:project_id>/envelope/", envelope_endpoint, name="ingest-envelope"),
    path("api/<int:project_id>/store/", store_endpoint, name="ingest-store"),
]
