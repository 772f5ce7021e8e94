"""Create a user (optionally in a team with a role): for scripts and end-to-end tests."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from projects.models import Team, TeamMembership


class Command(BaseCommand):
    help = "Create a user with a password, optionally adding them to a team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("password")
        parser.add_argument("--email", default="")
        parser.add_argument("--team", help="team name (created if missing)")
        parser.add_argument(
            "--role", choices=[r.value for r in TeamMembership.Role], default="member"
        )

    @transaction.atomic
    def handle(self, *args, username: str, password: str, **options) -> None:
        user = get_user_model().objects.create_user(username, options["email"], password)
        if options["team"]:
            team, _ = Team.objects.get_or_create(name=options["team"])
            TeamMembership.objects.create(team=team, user=user, role=options["role"])
        self.stdout.write(f"user {user.pk} ({username})")
