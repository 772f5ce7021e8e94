"""`manage.py export_subject --email ann@example.com [-o file.json]`: a subject's data as JSON."""

import sys

from django.core.management.base import BaseCommand

from datapolicy.management.commands._subject import add_subject_arguments, subject_from
from datapolicy.subjects import export


class Command(BaseCommand):
    help = "Export every event, attachment and feedback of one user (GDPR access request)."

    def add_arguments(self, parser) -> None:
        add_subject_arguments(parser)
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, **options) -> None:
        subject = subject_from(options)
        if options["output"]:
            with open(options["output"], "wb") as out:
                for chunk in export(subject):
                    out.write(chunk)
        else:
            for chunk in export(subject):
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
