"""Beat-driven maintenance: eviction, project removal, then giving the freed space back."""

from celery import shared_task

from datapolicy.eviction import evict_all as evict_all_projects
from datapolicy.project_removal import marked_projects, remove_project
from datapolicy.vacuum import reclaim_space


@shared_task(name="datapolicy.tasks.evict_all")
def evict_all() -> dict[int, int]:
    for project_id in marked_projects():  # removals whose own task never ran
        remove_project(project_id)
    reports = evict_all_projects()
    reclaim_space()
    return {project_id: report.events for project_id, report in reports.items()}


@shared_task(name="datapolicy.tasks.remove_project")
def remove_project_task(project_id: int) -> bool:
    removed = remove_project(project_id)
    reclaim_space()
    return removed
