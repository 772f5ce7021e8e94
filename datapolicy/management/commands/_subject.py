"""The options that name a data subject, shared by the export and delete commands."""

from django.core.management.base import CommandError

from datapolicy.subjects import Subject


def add_subject_arguments(parser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--user-id", help="the `user.id` the SDK sends")
    group.add_argument("--email", help="the `user.email` (also matches feedback by email)")
    group.add_argument("--ip", help="the `user.ip_address` / REMOTE_ADDR")


def subject_from(options: dict) -> Subject:
    for kind, option in (("user_id", "user_id"), ("email", "email"), ("ip", "ip")):
        if options.get(option):
            try:
                return Subject(kind, options[option])
            except ValueError as error:
                raise CommandError(str(error)) from None
    raise CommandError("name the subject with --user-id, --email or --ip")
