"""Create a user (optionally in a team with a role): for scripts and end-to-end tests."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from projects.lookup import team_for_command
from projects.models import TeamMembership


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

    def handle(self, *args, username: str, password: str, **options) -> None:
        User = get_user_model()
        user = User(
            username=User.normalize_username(username),
            email=User.objects.normalize_email(options["email"]),
        )
        if User.objects.filter(username=user.username).exists():
            raise CommandError(f"a user named {user.username!r} already exists")
        _validate(user, password)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
                if options["team"]:
                    team = team_for_command(options["team"])
                    TeamMembership.objects.create(team=team, user=user, role=options["role"])
        except IntegrityError as e:
            # Only another command creating the same user at this very moment gets here.
            raise CommandError(f"could not create the user: {str(e).splitlines()[0]}") from e
        self.stdout.write(f"user {user.pk} ({user.username})")


def _validate(user, password: str) -> None:
    """The username and email as the model accepts them, the password as AUTH_PASSWORD_VALIDATORS
    accept it (the rules the invitation sign-up form applies); a refusal is one line."""
    try:
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as e:
        problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in e.message_dict.items())
        raise CommandError(problems) from None
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise CommandError(f"password refused: {' '.join(e.messages)}") from None
