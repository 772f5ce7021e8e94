from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Web API"

    def ready(self) -> None:
        from api import signin  # noqa: F401 - connects the sign-in time receiver
