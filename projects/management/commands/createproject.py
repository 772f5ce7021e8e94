from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, transaction

from events.ingest.auth import KEY_RE
from projects.models import Project, ProjectKey, Team


class Command(BaseCommand):
    help = "Create a project (and its team if needed) with one DSN key, and print the DSN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--team", default="Default", help="team name (created if missing)")
        parser.add_argument("--id", type=int, help="project id (keep the one of an existing DSN)")
        parser.add_argument("--public-key", help="32-hex key (keep the one of an existing DSN)")

    def handle(self, *args, name: str, team: str, **options) -> None:
        public_key = options["public_key"]
        if public_key is not None and not KEY_RE.match(public_key):
            raise CommandError("--public-key must be 32 lowercase hex characters")
        with transaction.atomic():
            team_obj, _ = Team.objects.get_or_create(name=team)
            project = Project.objects.create(pk=options["id"], team=team_obj, name=name)
            key = ProjectKey.objects.create(
                project=project, **({"public_key": public_key} if public_key else {})
            )
            if options["id"] is not None:
                _reset_id_sequence()
        self.stdout.write(f"project {project.pk} ({project.slug}) in team {team_obj.name}")
        self.stdout.write(f"DSN: {key.dsn()}")


def _reset_id_sequence() -> None:
    """After an explicit id, move PostgreSQL's sequence past it so later projects don't clash."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Project])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
