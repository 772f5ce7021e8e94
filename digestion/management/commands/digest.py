from django.core.management.base import BaseCommand, CommandParser

from digestion.digest import digest_pending
from events.models import RawEvent
from projects.lookup import find_project


class Command(BaseCommand):
    help = "Digest spooled events now, in this process (all projects, or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", nargs="?", help="project id or slug (default: all)")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, project: str | None, batch_size: int | None, **options) -> None:
        if project is not None:
            project_ids = [find_project(project).pk]
        else:
            project_ids = list(
                RawEvent.objects.order_by("project_id")
                .values_list("project_id", flat=True)
                .distinct()
            )
        for project_id in project_ids:
            count = digest_pending(project_id, batch_size=batch_size)
            self.stdout.write(f"project {project_id}: digested {count} events")
