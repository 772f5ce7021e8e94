from django.apps import AppConfig


class DigestionConfig(AppConfig):
    name = "digestion"
