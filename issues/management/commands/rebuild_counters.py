"""Recompute period counters and Issue event counts from the stored events; report differences.

Per project, under the project's digest lock (so no batch runs in between):
- Issue.event_count / first_seen / last_seen are recomputed and corrected where they differ;
- the period counters are rebuilt from the events and compared with the ones this process
  holds (when it digests, e.g. an eager setup; otherwise there is nothing in memory to compare);
- the project's counter generation gets a new token, so every digesting worker reloads its
  in-memory counters from the database before its next batch.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Max, Min

from core.locks import lock_project
from events.models import Event
from issues.counters import (
    GRANULARITIES,
    ProjectCounters,
    load_project_counters,
    registry,
)
from issues.models import CounterGeneration, Issue
from projects.models import Project


class Command(BaseCommand):
    help = "Recompute event counters (all projects, or one by id or slug) and report differences."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", nargs="?", help="project id or slug (default: all)")

    def handle(self, *args, project: str | None = None, **options) -> None:
        projects = Project.objects.order_by("pk")
        if project:
            lookup = {"pk": int(project)} if project.isdigit() else {"slug": project}
            projects = projects.filter(**lookup)
            if not projects.exists():
                raise CommandError(f"no project {project!r}")
        total = 0
        for p in projects:
            differences = self.rebuild(p)
            total += len(differences)
            for line in differences:
                self.stdout.write(f"project {p.pk} ({p.slug}): {line}")
        self.stdout.write(f"{total} difference(s) found and corrected")

    def rebuild(self, project: Project) -> list[str]:
        from django.utils import timezone

        with transaction.atomic():
            lock_project(project.pk)
            differences = _fix_issue_totals(project.pk)
            fresh = load_project_counters(project.pk, timezone.now())
            held = registry.cached(project.pk)
            if held is not None:
                differences += _compare(held, fresh)
            registry.invalidate([project.pk])
            CounterGeneration.objects.update_or_create(
                project_id=project.pk, defaults={"generation": 0}
            )
        return differences


def _fix_issue_totals(project_id: int) -> list[str]:
    actual = {
        row["issue_id"]: row
        for row in Event.objects.filter(project_id=project_id)
        .values("issue_id")
        .annotate(n=Count("id"), first=Min("timestamp"), last=Max("timestamp"))
        .order_by()
    }
    differences = []
    for issue in Issue.objects.filter(project_id=project_id).order_by("pk"):
        row = actual.get(issue.pk)
        count = row["n"] if row else 0
        changes = {}
        if issue.event_count != count:
            differences.append(f"issue {issue.pk} event_count {issue.event_count} -> {count}")
            changes["event_count"] = count
        if row and (issue.first_seen, issue.last_seen) != (row["first"], row["last"]):
            differences.append(f"issue {issue.pk} first/last seen corrected")
            changes.update(first_seen=row["first"], last_seen=row["last"])
        if changes:
            Issue.objects.filter(pk=issue.pk).update(**changes)
    return differences


def _compare(held: ProjectCounters, fresh: ProjectCounters) -> list[str]:
    differences = []
    pairs = [("project", held.project, fresh.project)]
    for issue_id in sorted(set(held.issues) | set(fresh.issues)):
        pairs.append((f"issue {issue_id}", held.issue(issue_id), fresh.issue(issue_id)))
    for label, mine, truth in pairs:
        for granularity in GRANULARITIES:
            a, b = mine.buckets[granularity], truth.buckets[granularity]
            wrong = sorted(i for i in set(a) | set(b) if a.get(i, 0) != b.get(i, 0))
            if wrong:
                differences.append(
                    f"{label} {granularity} counts differ in {len(wrong)} bucket(s), "
                    f"total {sum(a.values())} -> {sum(b.values())}"
                )
    return differences
