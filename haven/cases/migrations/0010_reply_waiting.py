"""A reply waiting from the reporter, with its target (TargetName.REPLY).

Changing the next-target constraint makes SQLite rebuild cases_case, which drops its triggers:
the open-case count triggers of 0008 are made again after it (PostgreSQL keeps them).
"""

import importlib

from django.conf import settings
from django.db import migrations, models

COUNTS = importlib.import_module("haven.cases.migrations.0008_open_case_counts")


def remake_sqlite_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in [*COUNTS.SQLITE_DROP, *COUNTS.SQLITE]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_approval_withdrawn"),
        ("reporting", "0002_check_on_a_report"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="case",
            name="case_next_target_valid",
        ),
        migrations.AddField(
            model_name="case",
            name="reply_due",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="reply_waiting_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="case",
            name="next_target",
            field=models.CharField(
                blank=True,
                choices=[
                    ("first_read", "First read"),
                    ("threshold_decision", "Threshold decision"),
                    ("first_contact", "First contact"),
                    ("reply", "Answer the reporter"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "next_target__in",
                        ["first_read", "threshold_decision", "first_contact", "reply", ""],
                    )
                ),
                name="case_next_target_valid",
            ),
        ),
        migrations.RunPython(remake_sqlite_triggers, migrations.RunPython.noop),
    ]
