# Full-text search documents of Issues, with the index each database has for them: an FTS5
# table kept in step by triggers on SQLite, a GIN expression index on PostgreSQL. Existing
# Issues get a document from their title and culprit (their events' texts are added as new
# events arrive).

import re

import django.db.models.deletion
from django.db import migrations, models

FTS = "issues_issuesearchtext_fts"
BASE = "issues_issuesearchtext"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(document, content='{BASE}', "
    "content_rowid='issue_id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER {BASE}_ai AFTER INSERT ON {BASE} BEGIN "
    f"INSERT INTO {FTS}(rowid, document) VALUES (new.issue_id, new.document); END",
    f"CREATE TRIGGER {BASE}_ad AFTER DELETE ON {BASE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, document) VALUES ('delete', old.issue_id, old.document); "
    "END",
    f"CREATE TRIGGER {BASE}_au AFTER UPDATE ON {BASE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, document) VALUES ('delete', old.issue_id, old.document); "
    f"INSERT INTO {FTS}(rowid, document) VALUES (new.issue_id, new.document); END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {BASE}_au",
    f"DROP TRIGGER IF EXISTS {BASE}_ad",
    f"DROP TRIGGER IF EXISTS {BASE}_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_CREATE = [
    f"CREATE INDEX issue_search_gin ON {BASE} "
    "USING gin (to_tsvector('simple'::regconfig, document))"
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS issue_search_gin"]

_WORD_RE = re.compile(r"[^\W_]+")


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backfill(apps, schema_editor):
    Issue = apps.get_model("issues", "Issue")
    IssueSearchText = apps.get_model("issues", "IssueSearchText")
    rows = Issue.objects.values_list("pk", "project_id", "title", "culprit").iterator(2000)
    batch = []
    for pk, project_id, title, culprit in rows:
        parts = [" ".join(_WORD_RE.findall(text.lower())) for text in (title, culprit)]
        document = " ".join(p for p in dict.fromkeys(parts) if p)
        batch.append(IssueSearchText(issue_id=pk, project_id=project_id, document=document))
        if len(batch) >= 2000:
            IssueSearchText.objects.bulk_create(batch)
            batch = []
    IssueSearchText.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0003_assignment_comments_environment_choice"),
    ]

    operations = [
        migrations.CreateModel(
            name="IssueSearchText",
            fields=[
                (
                    "issue",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="issues.issue",
                    ),
                ),
                ("project_id", models.BigIntegerField()),
                ("document", models.TextField(default="")),
            ],
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
