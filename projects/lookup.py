from django.core.management.base import CommandError

from projects.models import Project


def find_project(ref: str) -> Project:
    """A project by numeric id or by slug, for management commands."""
    projects = Project.objects.filter(pk=int(ref)) if ref.isdigit() else None
    if not projects:
        projects = Project.objects.filter(slug=ref)
    if len(projects) != 1:
        raise CommandError(f"no single project matches {ref!r} (use its id or slug)")
    return projects[0]
