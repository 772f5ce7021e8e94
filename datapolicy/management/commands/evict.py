"""`manage.py evict`: run one retention pass now (what the beat runs every RETENTION_INTERVAL)."""

from django.core.management.base import BaseCommand

from datapolicy.eviction import evict_all
from datapolicy.project_removal import marked_projects, remove_project
from datapolicy.vacuum import reclaim_space


class Command(BaseCommand):
    help = "Evict events over the retention caps, finish project deletions, give space back."

    def handle(self, *args, **options) -> None:
        for project_id in marked_projects():
            remove_project(project_id)
        for project_id, report in evict_all().items():
            if report.events or report.attachments or report.issues_deleted:
                self.stdout.write(
                    f"project {project_id}: {report.by_age} events by age, {report.by_count} "
                    f"by count, {report.attachments} attachments, "
                    f"{report.issues_deleted} empty issues"
                )
        for alias, pages in reclaim_space().items():
            self.stdout.write(f"{alias}: {pages} free pages given back")
