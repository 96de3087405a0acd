from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from haven.audit.services import checkpoint_head


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of the audit chain's head to HAVEN_AUDIT_CHECKPOINT_FILE. "
        "Run it every minute (cron or a systemd timer)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = checkpoint_head()
        except (ImproperlyConfigured, OSError, ValueError) as error:
            raise CommandError(f"{error}") from error
        if result.head == 0:
            self.stdout.write("No checkpoint written: the audit chain is empty.")
        elif result.written:
            self.stdout.write(f"Checkpoint written: the chain's head is event {result.head}.")
        else:
            self.stdout.write(
                f"Checkpoint already current: the chain's head is event {result.head}."
            )
