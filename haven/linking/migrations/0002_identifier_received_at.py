"""The case's time received on each identifier row, so that the newest few sharing an
identifier come from the lookup index alone (see IdentifierIndex.received_at)."""

from django.db import migrations, models

COPY = (
    "UPDATE linking_identifierindex SET received_at ="
    " (SELECT c.received_at FROM cases_case c WHERE c.id = linking_identifierindex.case_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("linking", "0001_initial"),
        ("cases", "0009_approval_withdrawn"),
    ]

    operations = [
        migrations.AddField(
            model_name="identifierindex",
            name="received_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(COPY, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="identifierindex",
            name="received_at",
            field=models.DateTimeField(),
        ),
        migrations.RemoveIndex(model_name="identifierindex", name="identifier_lookup"),
        migrations.AddIndex(
            model_name="identifierindex",
            index=models.Index(
                fields=["kind", "digest", "platform", "case", "received_at"],
                name="identifier_lookup",
            ),
        ),
    ]
