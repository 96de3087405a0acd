from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.reporting import drafts


class Command(BaseCommand):
    help = "Delete drafts that have been idle for longer than HAVEN_DRAFT_IDLE_SECONDS."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Purged {drafts.purge_expired()} expired drafts.")
