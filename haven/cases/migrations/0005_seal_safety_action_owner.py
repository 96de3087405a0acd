"""Seal who owns each safety action, as its text already is, and drop the plaintext column.

Sealing needs only the current public key, so this runs on a server without private keys. A
database that holds safety actions and a server without a current key: the migration stops
and says so, rather than keep the owners in plain text or lose them.
"""

from typing import Any

from django.db import migrations, models

OWNER_KIND = "safety_action_owner"


def seal_owners(apps: Any, schema_editor: Any) -> None:
    from haven.sealing.keystore import KeyUnavailable, keystore
    from haven.sealing.services import seal

    SafetyAction = apps.get_model("cases", "SafetyAction")
    rows = SafetyAction.objects.using(schema_editor.connection.alias).order_by("pk")
    if not rows.exists():
        return
    store = keystore()
    try:
        store.current()
    except KeyUnavailable as exc:
        raise RuntimeError(
            f"{rows.count()} safety actions name their owner in plain text, and sealing them "
            f"needs the current public key ({exc}). Put the keys in HAVEN_KEY_DIR (or create "
            "them with manage.py create_keys) and run migrate again."
        ) from exc
    for item in rows.only("pk", "case_id", "owner").iterator():
        sealed = seal(
            record_id=str(item.case_id),
            contents={"kind": OWNER_KIND, "text": item.owner},
            store=store,
        )
        rows.filter(pk=item.pk).update(owner_key_id=sealed.key_id, owner_sealed=sealed.ciphertext)


def open_owners(apps: Any, schema_editor: Any) -> None:
    """Going back puts the owners in plain text again: it needs the private keys."""
    from haven.sealing.keystore import KeyUnavailable
    from haven.sealing.services import open_sealed

    SafetyAction = apps.get_model("cases", "SafetyAction")
    rows = SafetyAction.objects.using(schema_editor.connection.alias).order_by("pk")
    for item in rows.only("pk", "case_id", "owner_key_id", "owner_sealed").iterator():
        try:
            contents = open_sealed(
                record_id=str(item.case_id),
                key_id=item.owner_key_id,
                ciphertext=bytes(item.owner_sealed),
            )
        except KeyUnavailable as exc:
            raise RuntimeError(
                f"opening the sealed owners of safety actions needs the private keys ({exc})"
            ) from exc
        rows.filter(pk=item.pk).update(owner=str(contents.get("text", ""))[:100])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_many_from_network"),
    ]

    operations = [
        migrations.AddField(
            model_name="safetyaction",
            name="owner_key_id",
            field=models.CharField(default="", max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="safetyaction",
            name="owner_sealed",
            field=models.BinaryField(null=True),
        ),
        migrations.AlterField(
            model_name="safetyaction",
            name="owner",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.RunPython(seal_owners, open_owners, elidable=False),
        migrations.AlterField(
            model_name="safetyaction",
            name="owner_sealed",
            field=models.BinaryField(),
        ),
        migrations.RemoveField(
            model_name="safetyaction",
            name="owner",
        ),
    ]
