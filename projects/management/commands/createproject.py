from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from ingest.auth import KEY_RE
from projects.lookup import team_for_command
from projects.models import Project, ProjectKey, Team


class Command(BaseCommand):
    help = "Create a project (and its team if needed) with one DSN key, and print the DSN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--team", default="Default", help="team name (created if missing)")
        parser.add_argument("--id", type=int, help="project id (keep the one of an existing DSN)")
        parser.add_argument("--public-key", help="32-hex key (keep the one of an existing DSN)")

    def handle(self, *args, name: str, team: str, **options) -> None:
        project_id, public_key = options["id"], options["public_key"]
        _check_arguments(name, project_id, public_key)
        try:
            with transaction.atomic():
                team_obj = team_for_command(team)
                _check_free(team_obj, name, project_id, public_key)
                project = Project.objects.create(pk=project_id, team=team_obj, name=name)
                key = ProjectKey.objects.create(
                    project=project, **({"public_key": public_key} if public_key else {})
                )
                if project_id is not None:
                    _reset_id_sequence()
        except IntegrityError as e:
            # Only another command creating the same thing at this very moment gets here.
            raise CommandError(f"could not create the project: {str(e).splitlines()[0]}") from e
        self.stdout.write(f"project {project.pk} ({project.slug}) in team {team_obj.name}")
        self.stdout.write(f"DSN: {key.dsn()}")


def _check_arguments(name: str, project_id: int | None, public_key: str | None) -> None:
    if not name.strip():
        raise CommandError("the project name must not be empty")
    if len(name) > Project._meta.get_field("name").max_length:
        raise CommandError(f"project name {name!r} is longer than 100 characters")
    if project_id is not None and project_id <= 0:
        raise CommandError("--id must be a positive integer")
    if public_key is not None and not KEY_RE.match(public_key):
        raise CommandError("--public-key must be 32 lowercase hex characters")


def _check_free(team: Team, name: str, project_id: int | None, public_key: str | None) -> None:
    """Refuse, in words, what the database's unique constraints would refuse with a traceback."""
    slug = slugify(name)[:100] or "project"
    same_slug = Project.objects.filter(team=team, slug=slug).first()
    if same_slug is not None:
        raise CommandError(
            f"team {team.name!r} already has a project {same_slug.name!r} "
            f"(id {same_slug.pk}, slug {slug!r}): choose another name for {name!r}"
        )
    if project_id is not None:
        taken = Project.objects.filter(pk=project_id).first()
        if taken is not None:
            raise CommandError(f"project id {project_id} is already taken by {taken.name!r}")
    if public_key is not None:
        owner = ProjectKey.objects.filter(public_key=public_key).values_list("project_id").first()
        if owner is not None:
            raise CommandError(f"key {public_key} already belongs to project {owner[0]}")


def _reset_id_sequence() -> None:
    """After an explicit id, move PostgreSQL's sequence past it so later projects don't clash."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Project])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
