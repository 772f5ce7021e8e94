from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.scopes import DEFAULT_SCOPES, unknown
from api.tokens import create_token


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it (the only time it is shown). "
        f"Default scopes: {' '.join(DEFAULT_SCOPES)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            help="a scope such as project:releases or event:write (repeat for several)",
        )
        parser.add_argument("--comment", default="", help="what the token is for")

    def handle(self, *args, username: str, scopes: list[str] | None, comment: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        scopes = scopes or list(DEFAULT_SCOPES)
        bad = unknown(scopes)
        if bad:
            raise CommandError(f"unknown scope(s): {', '.join(bad)}")
        _, token = create_token(user, scopes, name=comment)
        self.stdout.write(token)
