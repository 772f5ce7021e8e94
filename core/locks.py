"""The per-project lock that serializes digestion with Issue state changes of the same project."""

from django.db import connection


def lock_project(project_id: int) -> None:
    """Serialize with every other digestion of (and state change in) this project.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: nothing to do, the IMMEDIATE
    transaction already holds the database's only write lock. Call inside transaction.atomic().
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, project_id])
