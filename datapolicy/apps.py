from django.apps import AppConfig


class DatapolicyConfig(AppConfig):
    name = "datapolicy"
    verbose_name = "Data policy (scrubbing, retention, deletion)"
    default_auto_field = "django.db.models.BigAutoField"
