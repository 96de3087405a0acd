from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.sealing.keystore import keystore


class Command(BaseCommand):
    help = "Create the organisation's sealing key pair (the first one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing if a current key exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store = keystore()
        if store.has_current():
            if options["if_missing"]:
                return
            self.stderr.write(
                "A current key pair exists already; use rotate_keys to replace it."
            )
            raise SystemExit(1)
        pair = store.create()
        self.stdout.write(f"Created key pair {pair.key_id} in {store.directory}")
