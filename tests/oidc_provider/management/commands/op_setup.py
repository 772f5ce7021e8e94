"""Creates the provider's users and clients from the test's configuration file."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    def handle(self, *args, **options) -> None:
        config = settings.CONFIG
        for username, user in config["users"].items():
            get_user_model().objects.create_user(username, password=user["password"])
        for client in config["clients"]:
            Application.objects.create(
                name=client["name"],
                client_id=client["client_id"],
                client_secret=client["client_secret"],
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                redirect_uris=client["redirect_uri"],
                algorithm=Application.RS256_ALGORITHM,
            )
