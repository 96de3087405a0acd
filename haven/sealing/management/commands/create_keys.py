from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.sealing.keystore import KeyUnavailable, keystore


class Command(BaseCommand):
    help = "Create the organisation's sealing key pair (the first one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing if a current key exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store = keystore()
        try:
            store.current()
        except KeyUnavailable as exc:
            # A named but unreadable key needs a person: quietly making a new current key would
            # hide the damage and seal new reports with a key nobody chose.
            if store.has_current_file():
                raise CommandError(
                    f"The current key pair cannot be read ({exc}); nothing was changed."
                ) from exc
        else:
            if options["if_missing"]:
                return
            raise CommandError("A current key pair exists already; use rotate_keys to replace it.")
        pair = store.create()
        self.stdout.write(f"Created key pair {pair.key_id} in {store.directory}")
