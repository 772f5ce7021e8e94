"""`manage.py delete_subject --email ann@example.com --yes`: erase one user's data everywhere."""

from django.core.management.base import BaseCommand, CommandError

from datapolicy.management.commands._subject import add_subject_arguments, subject_from
from datapolicy.subjects import delete, find


class Command(BaseCommand):
    help = "Delete every event, attachment and feedback of one user across projects (GDPR)."

    def add_arguments(self, parser) -> None:
        add_subject_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="delete (without it: count only)")

    def handle(self, *args, **options) -> None:
        subject = subject_from(options)
        if not options["yes"]:
            found = find(subject)
            self.stdout.write(
                f"{len(found.events)} stored and {len(found.spooled)} spooled events match; "
                "run again with --yes to delete them."
            )
            return
        try:
            result = delete(subject)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Deleted {result.events} events, {result.spooled} spooled events, "
            f"{result.attachments} attachments, {result.feedback} feedback, "
            f"{result.tag_values} tag values; rewrote {result.dictionaries_rewritten} "
            "compression dictionaries."
        )
