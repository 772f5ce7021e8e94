from django.apps import AppConfig


class SourcemapsConfig(AppConfig):
    name = "sourcemaps"
