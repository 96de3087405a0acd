from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.audit.actions import Action
from haven.audit.services import record_event
from haven.sealing.keystore import keystore


class Command(BaseCommand):
    help = (
        "Create a new sealing key pair and seal new reports with it. Older private keys are "
        "kept: reports sealed with them still open."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        store = keystore()
        previous = store.current().key_id if store.has_current() else None
        pair = store.create()
        record_event(action=Action.KEYS_ROTATED, detail={"from": previous, "to": pair.key_id})
        self.stdout.write(f"Created key pair {pair.key_id}; new reports are sealed with it.")
