"""Fill the Issues' full-text search documents from their stored events (after an upgrade).

Digestion keeps the documents current from the moment the search index exists; the migration
that made it gave existing Issues a document of their title and culprit only. This command adds
the messages and exception values of each Issue's newest events (up to --events per Issue),
under the project's digest lock, a chunk of Issues per transaction. Documents only grow, so it
may run while the server works, and again.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.locks import lock_project
from events.models import Event
from events.storage import event_document
from issues.fulltext import add_batch_text, event_texts
from issues.models import Issue
from projects.models import Project

ISSUES_PER_TRANSACTION = 100


class Command(BaseCommand):
    help = "Add stored events' messages and exception values to the Issues' search documents."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", nargs="?", help="project id or slug (default: all)")
        parser.add_argument("--events", type=int, default=100, help="newest events per Issue")

    def handle(self, *args, project: str | None = None, events: int = 100, **options) -> None:
        projects = Project.objects.order_by("pk")
        if project:
            lookup = {"pk": int(project)} if project.isdigit() else {"slug": project}
            projects = projects.filter(**lookup)
            if not projects.exists():
                raise CommandError(f"no project {project!r}")
        for project_id in projects.values_list("pk", flat=True):
            issues = list(
                Issue.objects.filter(project_id=project_id)
                .order_by("pk")
                .values_list("pk", "title", "culprit")
            )
            for start in range(0, len(issues), ISSUES_PER_TRANSACTION):
                _rebuild(project_id, issues[start : start + ISSUES_PER_TRANSACTION], events)
            self.stdout.write(f"project {project_id}: {len(issues)} issues")


def _rebuild(project_id: int, issues: list[tuple[int, str, str]], per_issue: int) -> None:
    with transaction.atomic():
        lock_project(project_id)
        texts: dict[int, list[str]] = {}
        for issue_id, title, culprit in issues:
            stored = Event.objects.filter(issue_id=issue_id).order_by("-received_at", "-pk")
            found = [title, culprit]
            for event in stored.only("title", "data", "dictionary_id")[:per_issue]:
                document = event_document(event)
                found += event_texts(
                    event.title, "", document.get("message"), document.get("exceptions") or []
                )
            texts[issue_id] = found
        add_batch_text(project_id, texts, set())
