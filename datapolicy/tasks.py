"""Beat-driven maintenance: eviction, then giving the freed space back (SQLite)."""

from celery import shared_task

from datapolicy.eviction import evict_all as evict_all_projects
from datapolicy.vacuum import reclaim_space


@shared_task(name="datapolicy.tasks.evict_all")
def evict_all() -> dict[int, int]:
    reports = evict_all_projects()
    reclaim_space()
    return {project_id: report.events for project_id, report in reports.items()}
