from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_queue_indexes_in_full_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="many_from_network",
            field=models.BooleanField(default=False),
        ),
        # The queue filtered to the marked open cases, read in order off a small partial index.
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True)
                & models.Q(("many_from_network", True)),
                fields=["priority", "next_due_at", "received_at", "id"],
                name="case_open_network_queue",
            ),
        ),
    ]
