from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "signin"
    verbose_name = "Sign-in and account security"

    def ready(self) -> None:
        from signin import audit, mfa_required, provisioning  # noqa: F401  (signal receivers)
