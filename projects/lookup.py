from django.core.management.base import CommandError
from django.utils.text import slugify

from projects.models import Project, Team


def find_project(ref: str) -> Project:
    """A project by numeric id or by slug, for management commands."""
    projects = Project.objects.filter(pk=int(ref)) if ref.isdigit() else None
    if not projects:
        projects = Project.objects.filter(slug=ref)
    if len(projects) != 1:
        raise CommandError(f"no single project matches {ref!r} (use its id or slug)")
    return projects[0]


def team_for_command(name: str) -> Team:
    """The team called `name`, created if missing, for management commands.

    A new team whose slug another team already has is refused up front: the database would
    refuse it anyway, with a traceback instead of a sentence.
    """
    team = Team.objects.filter(name=name).first()
    if team is not None:
        return team
    if len(name) > Team._meta.get_field("name").max_length:
        raise CommandError(f"team name {name!r} is longer than 100 characters")
    slug = slugify(name)[:100] or "team"
    clash = Team.objects.filter(slug=slug).first()
    if clash is not None:
        raise CommandError(
            f"team {name!r} would clash with the existing team {clash.name!r} "
            f"(both are {slug!r} in URLs): use that name or another one"
        )
    return Team.objects.create(name=name, slug=slug)
