import sentry_sdk
from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.lookup import find_project


class Command(BaseCommand):
    help = "Send a real event with sentry-sdk to this server, to check the whole pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="project id or slug")
        parser.add_argument("--dsn", help="send to this DSN instead of the project's first key")

    def handle(self, *args, project: str, dsn: str | None, **options) -> None:
        if dsn is None:
            key = find_project(project).keys.filter(is_active=True).first()
            if key is None:
                raise CommandError("the project has no active key")
            dsn = key.dsn()
        # This process is a short-lived command, so the SDK's global init is what an app does.
        sentry_sdk.init(dsn=dsn, default_integrations=False, release="sendtestevent")
        try:
            raise RuntimeError("Test event sent by manage.py sendtestevent")
        except RuntimeError as e:
            event_id = sentry_sdk.capture_exception(e)
        sentry_sdk.flush(timeout=10)
        self.stdout.write(f"sent event {event_id} to {dsn}")
