# PostgreSQL only: each search document's tsvector is stored (a generated column) and the GIN
# index is built on that column instead of on the expression. A query that the planner answers
# row by row (a negated word's `NOT IN`, a phrase checked against the Issues in list order)
# then reads the stored vector instead of parsing every document again, which cost about 30 us
# per document. SQLite's FTS5 table (migration 0004) is unchanged.

from django.db import migrations

BASE = "issues_issuesearchtext"

FORWARD = [
    f"ALTER TABLE {BASE} ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, document)) STORED",
    f"CREATE INDEX issue_search_vector_gin ON {BASE} USING gin (search_vector)",
    "DROP INDEX IF EXISTS issue_search_gin",
]
BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS issue_search_gin ON {BASE} "
    "USING gin (to_tsvector('simple'::regconfig, document))",
    f"ALTER TABLE {BASE} DROP COLUMN IF EXISTS search_vector",  # drops its index too
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0006_release_details_and_deploys"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
