from django.apps import AppConfig


class StatuspagesConfig(AppConfig):
    name = "statuspages"
    verbose_name = "Status pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from statuspages import invalidation

        invalidation.connect_monitors()
