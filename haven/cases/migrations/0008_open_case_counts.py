"""Open cases per person and priority, kept by triggers on cases_case (see OpenCaseCount).

The triggers are created before the counts are filled in, in one transaction: on PostgreSQL
creating a trigger locks the table against writes until the migration commits, so no case can
change between the count and the first trigger firing.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# "Open and held": assigned to someone and not closed. Every status but closed is open.
POSTGRESQL = """
CREATE OR REPLACE FUNCTION cases_open_case_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.assigned_to_id IS NOT NULL AND OLD.status <> 'closed' THEN
        UPDATE cases_opencasecount SET open_cases = open_cases - 1
            WHERE user_id = OLD.assigned_to_id AND priority = OLD.priority;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.assigned_to_id IS NOT NULL AND NEW.status <> 'closed' THEN
        INSERT INTO cases_opencasecount (user_id, priority, open_cases)
            VALUES (NEW.assigned_to_id, NEW.priority, 1)
            ON CONFLICT (user_id, priority)
            DO UPDATE SET open_cases = cases_opencasecount.open_cases + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_open_case_count_insert_delete
    AFTER INSERT OR DELETE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_open_case_count();
CREATE TRIGGER cases_open_case_count_update
    AFTER UPDATE ON cases_case
    FOR EACH ROW
    WHEN (OLD.assigned_to_id IS DISTINCT FROM NEW.assigned_to_id
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.priority IS DISTINCT FROM NEW.priority)
    EXECUTE FUNCTION cases_open_case_count();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS cases_open_case_count_update ON cases_case;
DROP TRIGGER IF EXISTS cases_open_case_count_insert_delete ON cases_case;
DROP FUNCTION IF EXISTS cases_open_case_count();
"""

SQLITE = [
    """
CREATE TRIGGER cases_open_case_count_insert AFTER INSERT ON cases_case
WHEN NEW.assigned_to_id IS NOT NULL AND NEW.status <> 'closed'
BEGIN
    INSERT INTO cases_opencasecount (user_id, priority, open_cases)
        VALUES (NEW.assigned_to_id, NEW.priority, 1)
        ON CONFLICT (user_id, priority) DO UPDATE SET open_cases = open_cases + 1;
END
""",
    """
CREATE TRIGGER cases_open_case_count_delete AFTER DELETE ON cases_case
WHEN OLD.assigned_to_id IS NOT NULL AND OLD.status <> 'closed'
BEGIN
    UPDATE cases_opencasecount SET open_cases = open_cases - 1
        WHERE user_id = OLD.assigned_to_id AND priority = OLD.priority;
END
""",
    """
CREATE TRIGGER cases_open_case_count_update AFTER UPDATE ON cases_case
WHEN OLD.assigned_to_id IS NOT NEW.assigned_to_id
     OR OLD.status IS NOT NEW.status
     OR OLD.priority IS NOT NEW.priority
BEGIN
    UPDATE cases_opencasecount SET open_cases = open_cases - 1
        WHERE OLD.assigned_to_id IS NOT NULL AND OLD.status <> 'closed'
          AND user_id = OLD.assigned_to_id AND priority = OLD.priority;
    INSERT INTO cases_opencasecount (user_id, priority, open_cases)
        SELECT NEW.assigned_to_id, NEW.priority, 1
        WHERE NEW.assigned_to_id IS NOT NULL AND NEW.status <> 'closed'
        ON CONFLICT (user_id, priority) DO UPDATE SET open_cases = open_cases + 1;
END
""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_open_case_count_update",
    "DROP TRIGGER IF EXISTS cases_open_case_count_delete",
    "DROP TRIGGER IF EXISTS cases_open_case_count_insert",
]

FILL = """
INSERT INTO cases_opencasecount (user_id, priority, open_cases)
SELECT assigned_to_id, priority, COUNT(*) FROM cases_case
WHERE assigned_to_id IS NOT NULL AND status <> 'closed'
GROUP BY assigned_to_id, priority
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)
    else:
        raise NotImplementedError(f"no open-case count triggers for {vendor}")
    schema_editor.execute(FILL, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for statement in [POSTGRESQL_DROP] if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_approvals_and_ownership_overrides"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenCaseCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "priority",
                    models.CharField(
                        choices=[
                            ("P1", "P1 immediate"),
                            ("P2", "P2 urgent"),
                            ("P3", "P3 standard"),
                            ("P4", "P4 below threshold"),
                        ],
                        max_length=2,
                    ),
                ),
                ("open_cases", models.IntegerField(default=0)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "priority"), name="open_case_count_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
