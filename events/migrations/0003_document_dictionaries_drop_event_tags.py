# Issue 7: per-Issue zstd dictionaries for event documents; no per-event tag rows (the counts
# per Issue answer every tag question); only the Event indexes some query uses.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_initial"),
        ("issues", "0002_countergeneration_issueactivity_release"),
        ("projects", "0002_invitation"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentDictionary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("data", models.BinaryField()),
                (
                    "issue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="issues.issue",
                    ),
                ),
            ],
        ),
        migrations.DeleteModel(name="EventTag"),
        migrations.RemoveIndex(model_name="event", name="event_project_timestamp"),
        migrations.RemoveIndex(model_name="event", name="event_project_level"),
        migrations.RemoveIndex(model_name="event", name="event_project_release"),
        migrations.RemoveIndex(model_name="event", name="event_project_environment"),
        migrations.RemoveIndex(model_name="event", name="event_project_platform"),
        migrations.RemoveField(model_name="event", name="grouping"),
        migrations.RemoveField(model_name="event", name="platform"),
        migrations.AlterField(
            model_name="event",
            name="issue",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="issues.issue",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="projects.project",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="dictionary",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="events.documentdictionary",
            ),
        ),
    ]
