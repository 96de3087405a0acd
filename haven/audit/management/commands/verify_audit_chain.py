from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Check every link of the audit trail's hash chain, and hold it against the signed "
        "checkpoints outside the database; name the first broken link and every bad checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint-file",
            type=Path,
            help="read the checkpoints from this file, such as a copy taken from the remote "
            "log, instead of HAVEN_AUDIT_CHECKPOINT_FILE",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = verify_chain(checkpoint_file=options["checkpoint_file"])
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if result.broken_at is None:
            summary = f"Audit chain intact: {result.events} events verified."
        else:
            summary = (
                f"Audit chain BROKEN at event {result.broken_at}: {result.problem}. "
                f"{result.events} events before it verified."
            )
        if result.ok:
            self.stdout.write(summary)
            if result.checkpoints:
                self.stdout.write(
                    f"Checkpoints: {result.checkpoints} match the chain; "
                    f"the newest anchors event {result.anchored}."
                )
            if result.warning:
                self.stderr.write(result.warning)
            return
        # CommandError: manage.py prints it and exits 1; call_command raises it to the caller.
        raise CommandError("\n".join([summary, *result.checkpoint_problems]))
