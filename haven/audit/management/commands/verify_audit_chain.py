from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check every link of the audit trail's hash chain; name the first broken one."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(f"Audit chain intact: {result.events} events verified.")
            return
        # CommandError: manage.py prints it and exits 1; call_command raises it to the caller.
        raise CommandError(
            f"Audit chain BROKEN at event {result.broken_at}: {result.problem}. "
            f"{result.events} events before it verified."
        )
