from django.core.management.base import BaseCommand, CommandParser

from projects.lookup import find_project
from projects.models import ProjectKey


class Command(BaseCommand):
    help = "Add a DSN key to a project and print its DSN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="project id or slug")
        parser.add_argument("--label", default="")

    def handle(self, *args, project: str, label: str, **options) -> None:
        key = ProjectKey.objects.create(project=find_project(project), label=label)
        self.stdout.write(f"DSN: {key.dsn()}")
