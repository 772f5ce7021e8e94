"""Create a remote agent and print its token (shown once; only its hash is stored).

manage.py create_monitor_agent NAME --project ID [--project ID ...] [--comment TEXT]
"""

from django.core.management.base import BaseCommand, CommandError

from monitors.models import MonitorAgent
from projects.models import Project


class Command(BaseCommand):
    help = "Create a monitor agent token for the given projects."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--project", type=int, action="append", required=True)
        parser.add_argument("--comment", default="")

    def handle(self, *args, name: str, project: list[int], comment: str, **options) -> None:
        projects = list(Project.objects.filter(pk__in=project))
        if len(projects) != len(set(project)):
            raise CommandError("no such project")
        agent, token = MonitorAgent.create_with_token(name[:100], comment=comment[:500])
        agent.projects.set(projects)
        self.stdout.write(f"agent {agent.pk} token: {token}")
